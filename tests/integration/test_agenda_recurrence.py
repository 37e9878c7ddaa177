"""A recurring event through the whole stack: published with a rule, one date cancelled and
one moved; the agenda and its month show each occurrence at the right time across DST; the
ActivityStreams object carries the series (`mn:rrule`) and a peer's copy expands the same;
every edit raises the sequence; an event without end is bounded."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from agenda_fixtures import FED, follow, remote_org
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.content.associations import create_association
from migrantnet.content.details import load_details
from migrantnet.content.errors import InvalidInput
from migrantnet.content.events import EventInput, PlaceInput, edit_event, publish_event
from migrantnet.content.remote import store_remote_object
from migrantnet.content.texts import TextsInput
from migrantnet.db import Database
from migrantnet.federation.handlers.objects import to_remote_data
from migrantnet.federation.parse.content import ap_to_content
from migrantnet.federation.serialize.objects import object_to_ap
from migrantnet.models import Event, FollowState
from migrantnet.uris import Uris


@pytest.fixture
async def client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as c:
            yield c


def desk(**changes: Any) -> EventInput:
    """The weekly legal-aid desk, Tuesdays 18:00-20:00 in Rome, four times from 26 March 2030
    (summer time starts on the 31st); the 2 April one cancelled, the 9 April one moved."""
    values: dict[str, Any] = {
        "texts": TextsInput(title={"en": "Legal aid desk"}),
        "starts": datetime(2030, 3, 26, 18, 0),
        "ends": datetime(2030, 3, 26, 20, 0),
        "timezone": "Europe/Rome",
        "place": PlaceInput(name="Casa del Popolo", locality="Roma"),
        "recurrence": "FREQ=WEEKLY;COUNT=4",
        "cancelled_occurrences": [datetime(2030, 4, 2, 18, 0)],
        "moved_occurrences": [
            (
                datetime(2030, 4, 9, 18, 0),
                datetime(2030, 4, 10, 19, 0),
                datetime(2030, 4, 10, 21, 0),
            )
        ],
    }
    return EventInput(**{**values, **changes})


async def _agenda(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/agenda", params=params)
    assert response.status_code == 200, response.text
    return response.json()["events"]


async def test_occurrences_in_the_agenda_and_the_month(
    client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    obj = await publish_event(session, uris, FED, ours, desk())
    await session.commit()
    events = await _agenda(client, **{"from": "2030-03-01", "to": "2030-05-01"})
    assert [(e["starts"], e["status"], e["occurrence"]) for e in events] == [
        ("2030-03-26T18:00:00+01:00", "confirmed", "2030-03-26T18:00:00+01:00"),
        ("2030-04-02T18:00:00+02:00", "cancelled", "2030-04-02T18:00:00+02:00"),
        ("2030-04-10T19:00:00+02:00", "confirmed", "2030-04-09T18:00:00+02:00"),
        ("2030-04-16T18:00:00+02:00", "confirmed", "2030-04-16T18:00:00+02:00"),
    ]
    assert {e["id"] for e in events} == {obj.ap_id}
    # later pages continue after the cursor, through the series too
    first = (await client.get("/api/v1/agenda", params={"from": "2030-03-01", "limit": "2"})).json()
    second = (
        await client.get(
            "/api/v1/agenda", params={"from": "2030-03-01", "limit": "2", "after": first["next"]}
        )
    ).json()
    assert [e["starts"][:10] for e in first["events"] + second["events"]] == [
        "2030-03-26",
        "2030-04-02",
        "2030-04-10",
        "2030-04-16",
    ]
    page = (await client.get("/agenda/month/2030-04", params={"tz": "Europe/Rome"})).text
    cancelled = page.split('<time datetime="2030-04-02">')[1].split("</td>")[0]
    assert "Legal aid desk" in cancelled and "Cancelled" in cancelled
    moved = page.split('<time datetime="2030-04-10">')[1].split("</td>")[0]
    assert "19:00" in moved
    assert "Legal aid desk" not in page.split('<time datetime="2030-04-09">')[1].split("</td>")[0]
    listed = (await client.get("/agenda", params={"from": "2030-03-01", "tz": "Europe/Rome"})).text
    assert listed.count("One date of a recurring event") == 4
    # the event's own page names the rule and its dates
    own = (await client.get(httpx.URL(obj.ap_id).path)).text
    assert "FREQ=WEEKLY;COUNT=4" in own
    dates = own.split('<ul class="dates">')[1].split("</ul>")[0]
    assert dates.count("<li") == 4 and dates.count("Cancelled") == 1 and "(moved)" in dates
    assert 'datetime="2030-04-10T19:00+02:00"' in dates


async def test_the_series_federates_and_a_peer_copy_expands_the_same(
    client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    obj = await publish_event(session, uris, FED, ours, desk())
    await session.commit()
    doc = object_to_ap(await load_details(session, obj, ours), uris)
    assert doc["type"] == "Event"
    assert doc["startTime"] == "2030-03-26T18:00:00+01:00"
    assert doc["rrule"] == "FREQ=WEEKLY;COUNT=4"
    assert doc["exdate"] == ["2030-04-02T18:00:00+02:00"]
    assert doc["movedOccurrences"] == [
        {
            "recurrenceId": "2030-04-09T18:00:00+02:00",
            "startTime": "2030-04-10T19:00:00+02:00",
            "endTime": "2030-04-10T21:00:00+02:00",
        }
    ]
    assert "mn:rrule" in json.dumps(doc["@context"])
    # the same document from another server, followed by one of ours
    copy = json.loads(json.dumps(doc).replace("http://node-a.test", "https://peer.example"))
    peer = remote_org(session, "peer.example", "roma_solidale")
    peer.ap_id = copy["attributedTo"]
    await follow(session, ours, peer, FollowState.ACCEPTED)
    parsed = ap_to_content(copy)
    stored = await store_remote_object(
        session, peer, to_remote_data(parsed, peer, datetime.now(UTC))
    )
    assert stored is not None
    await session.commit()
    events = await _agenda(client, **{"from": "2030-03-01", "to": "2030-05-01"})
    by_id: dict[str, list[tuple[str, str]]] = {}
    for e in events:
        by_id.setdefault(e["id"], []).append((e["starts"], e["status"]))
    assert by_id[stored.ap_id] == by_id[obj.ap_id]
    assert len(by_id[obj.ap_id]) == 4


async def test_edits_raise_the_sequence_and_bad_series_are_refused(
    session: AsyncSession, uris: Uris
) -> None:
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    obj = await publish_event(session, uris, FED, ours, desk())
    await session.commit()
    row = await session.get(Event, obj.id)
    assert row is not None and row.sequence == 0
    await edit_event(session, FED, ours, obj, desk(cancelled_occurrences=[]))
    await edit_event(
        session,
        FED,
        ours,
        obj,
        desk(recurrence=None, cancelled_occurrences=[], moved_occurrences=[]),
    )
    await session.commit()
    await session.refresh(row)
    assert row.sequence == 2 and row.rrule is None and row.recurs_until is None
    forever = await publish_event(
        session,
        uris,
        FED,
        ours,
        desk(recurrence="FREQ=DAILY", cancelled_occurrences=[], moved_occurrences=[]),
    )
    kept = await session.get(Event, forever.id)
    assert kept is not None and kept.rrule is not None and "UNTIL=" in kept.rrule
    assert kept.recurs_until is not None
    assert kept.recurs_until - kept.starts_at < timedelta(days=2 * 366 + 1)
    for bad in (
        desk(recurrence="FREQ=MINUTELY"),
        desk(cancelled_occurrences=[datetime(2030, 4, 3, 18, 0)]),
        desk(recurrence=None),
    ):
        with pytest.raises(InvalidInput):
            await publish_event(session, uris, FED, ours, bad)
