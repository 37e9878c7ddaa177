"""Corpus events from Mobilizon and Gancio, stored as the inbox stores a Create from an actor
one of our associations follows, appear in the agenda (API and page) at the right instant, in
their zone, at their place, each once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from test_corpus_event_rows import EXPECTED, NOW, _sender

from migrantnet.content.associations import create_association
from migrantnet.content.remote import store_remote_object
from migrantnet.federation.handlers.objects import to_remote_data
from migrantnet.federation.parse.content import ap_to_content
from migrantnet.models import Follow, FollowState, Visibility
from migrantnet.uris import Uris

# addressed to the group's members only (`to` is the group): kept, but not in a public agenda
NOT_PUBLIC = {"mobilizon/create-event-group.json"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_a_corpus_event_appears_in_the_agenda(
    app_client: httpx.AsyncClient,
    session: AsyncSession,
    uris: Uris,
    load_corpus: Callable[[str], Any],
    name: str,
) -> None:
    where, expected = EXPECTED[name]
    doc = load_corpus(name)
    parsed = ap_to_content(doc[where] if where else doc)
    assert parsed.obj.attributed_to is not None
    ours = await create_association(session, uris, slug="coordination", name="Coordination")
    sender = await _sender(session, parsed.obj.attributed_to)
    session.add(
        Follow(
            ap_id=f"{ours.ap_id}#follow",
            follower_id=ours.id,
            followed_id=sender.id,
            state=FollowState.ACCEPTED,
        )
    )
    stored = await store_remote_object(session, sender, to_remote_data(parsed, sender, NOW))
    assert stored is not None
    await session.commit()

    day = expected["starts_at"].astimezone(UTC).date().isoformat()
    response = await app_client.get("/api/v1/agenda", params={"from": day, "to": day})
    assert response.status_code == 200, response.text
    events = [e for e in response.json()["events"] if e["id"] == stored.ap_id]
    if name in NOT_PUBLIC:
        assert stored.visibility != Visibility.PUBLIC
        assert events == []
        return
    assert len(events) == 1, response.json()
    (event,) = events
    assert event["timezone"] == expected["timezone"]
    assert datetime.fromisoformat(event["starts"]) == expected["starts_at"]
    assert datetime.fromisoformat(event["ends"]) == expected["ends_at"]
    place = event["place"] or {}
    assert place.get("name") == expected["place_name"]
    assert place.get("locality") == expected["locality"]
    assert place.get("country") == expected["country"]
    assert event["origin"]["local"] is False
    assert event["origin"]["server"] == stored.ap_id.split("/")[2].split(":")[0]
    # and on the page, with its provenance and its own wall-clock time
    page = (await app_client.get("/agenda", params={"from": day, "to": day})).text
    local = expected["starts_at"].astimezone(ZoneInfo(expected["timezone"]))
    assert f'datetime="{local.isoformat(timespec="minutes")}"' in page
    assert f"from {event['origin']['server']}" in page
