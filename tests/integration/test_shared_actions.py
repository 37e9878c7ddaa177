"""Shared actions: an event with several organising associations is in each co-organiser's
calendar and RSS/Atom feeds (read back by feedparser and icalendar), whoever published it, when
it reached the co-organiser by a way it chose (this node, an actor it follows, a group it is a
member of); a stranger naming an association an organiser puts nothing in its feeds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import feedparser
import httpx
import icalendar
import pytest
from agenda_fixtures import FED, announce, follow, local_event, remote_event, remote_org
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.content.associations import create_association
from migrantnet.content.notes import publish_note
from migrantnet.db import Database
from migrantnet.models import Follow, FollowState
from migrantnet.uris import Uris

WHEN = datetime(2030, 12, 18, 10, 0)


@pytest.fixture
async def client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as c:
            yield c


async def feed_titles(client: httpx.AsyncClient, slug: str, **params: str) -> dict[str, set[str]]:
    """Entry titles of the association's Atom and RSS feeds, each parsed back."""
    found = {}
    for suffix in ("atom", "rss"):
        response = await client.get(f"/@{slug}/feed.{suffix}", params=params)
        assert response.status_code == 200
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, parsed.bozo_exception
        found[suffix] = {entry.title for entry in parsed.entries}
    return found


async def calendar_titles(client: httpx.AsyncClient, slug: str) -> set[str]:
    response = await client.get(f"/@{slug}/agenda.ics")
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}


async def test_a_shared_action_is_in_each_co_organisers_calendar_and_feeds(
    client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    rome = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    tunis = await create_association(session, uris, slug="tunis_migrants", name="Tunis Migrants")
    await session.flush()
    ours = await local_event(
        session, uris, rome, "18D in Roma e Tunisi", WHEN, organizers=(tunis.ap_id,)
    )
    await local_event(session, uris, rome, "Only Rome's", WHEN)
    await publish_note(session, uris, FED, rome, text={"it": "Una nota di Roma"})

    friend = remote_org(session, "mobilizon.example", "colectivo_ba")  # tunis follows it
    stranger = remote_org(session, "spam.example", "anyone")  # rome follows it, tunis does not
    assembly = remote_org(session, "lemmy.example", "asamblea")  # a group tunis is a member of
    author = remote_org(session, "gancio.example", "radio_migrante")  # the group's member
    await session.flush()
    await follow(session, tunis, friend, FollowState.ACCEPTED)
    await follow(session, rome, stranger, FollowState.ACCEPTED)
    await follow(session, rome, friend, FollowState.ACCEPTED)  # in the node's agenda either way
    await follow(session, tunis, assembly, FollowState.ACCEPTED)
    await follow(session, rome, author, FollowState.PENDING)
    start = datetime(2030, 12, 18, 15, 0, tzinfo=UTC)
    await remote_event(
        session, friend, "Marcha 18D Buenos Aires", start, number=1, organizers=(tunis.ap_id,)
    )
    await remote_event(session, friend, "Not naming Tunis", start, number=2)
    await remote_event(
        session, stranger, "Claimed by a stranger", start, number=3, organizers=(tunis.ap_id,)
    )
    relayed = await remote_event(
        session, author, "Radio 18D via the assembly", start, number=4, organizers=(tunis.ap_id,)
    )
    await announce(session, assembly, relayed)
    await session.commit()

    shared = {"18D in Roma e Tunisi", "Marcha 18D Buenos Aires", "Radio 18D via the assembly"}
    # the co-organiser: its events from this node, from an actor it follows, via its group
    tunis_feeds = await feed_titles(client, "tunis_migrants")
    assert tunis_feeds == {"atom": shared, "rss": shared}
    assert await feed_titles(client, "tunis_migrants", kind="event") == tunis_feeds
    assert await feed_titles(client, "tunis_migrants", kind="note") == {"atom": set(), "rss": set()}
    assert await calendar_titles(client, "tunis_migrants") == shared
    # the publisher keeps its own; the stranger's claim is in nobody's feeds
    rome_feeds = await feed_titles(client, "roma_solidale")
    assert (
        rome_feeds["atom"]
        == rome_feeds["rss"]
        == {
            "18D in Roma e Tunisi",
            "Only Rome's",
            "Una nota di Roma",
        }
    )
    assert await calendar_titles(client, "roma_solidale") == {"18D in Roma e Tunisi", "Only Rome's"}
    # the node's agenda lists the shared action once, naming both organisers
    agenda = await client.get(
        "/api/v1/agenda",
        params={"from": "2030-12-01", "to": "2030-12-31", "organiser": tunis.ap_id},
    )
    events = {e["name"][next(iter(e["name"]))]: e for e in agenda.json()["events"]}
    assert "18D in Roma e Tunisi" in events
    assert events["18D in Roma e Tunisi"]["organizers"] == [rome.ap_id, tunis.ap_id]
    assert events["18D in Roma e Tunisi"]["origin"]["actor"] == rome.ap_id
    # the entry links to the event's own page, on the node that published it
    atom = feedparser.parse((await client.get("/@tunis_migrants/feed.atom")).content)
    links = {entry.title: entry.link for entry in atom.entries}
    assert links["18D in Roma e Tunisi"] == ours.url
    assert links["Marcha 18D Buenos Aires"] == f"{friend.ap_id}/events/1"

    # once tunis stops following its friend, that event leaves its feeds and calendar (rome
    # still follows it: it stays in the node's agenda)
    await session.execute(
        update(Follow)
        .where(Follow.follower_id == tunis.id, Follow.followed_id == friend.id)
        .values(state=FollowState.UNDONE)
    )
    await session.commit()
    assert "Marcha 18D Buenos Aires" not in (await feed_titles(client, "tunis_migrants"))["atom"]
    assert "Marcha 18D Buenos Aires" not in await calendar_titles(client, "tunis_migrants")
    still = await client.get("/api/v1/agenda", params={"from": "2030-12-01", "to": "2030-12-31"})
    assert "Marcha 18D Buenos Aires" in {
        e["name"][next(iter(e["name"]))] for e in still.json()["events"]
    }
