"""Importing a partner's .ics feed into the agenda: a real HTTP server on 127.0.0.1 serves the
calendar, the node fetches it through its safe client (conditional GET), keeps the events'
origin, follows edits and removals, and records a bad feed's error without losing anything."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_node import INIT
from federation_peer import RemoteActor
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from migrantnet.cli import app as cli_app
from migrantnet.content.errors import InvalidInput
from migrantnet.content.ics_import import subscriptions, unsubscribe
from migrantnet.db import Database
from migrantnet.federation.event_imports import import_event, refresh_import, refresh_imports_due
from migrantnet.federation.ics_feeds import ics_client, refresh_due, refresh_feed, subscribe_feed
from migrantnet.federation.service import Federation
from migrantnet.federation.worker import DeliveryWorker
from migrantnet.models import (
    Actor,
    AgendaImport,
    ContentObject,
    Event,
    EventOccurrence,
    EventStatus,
    IcsSubscription,
)


@dataclass
class Served:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/calendar; charset=utf-8"
    etag: str | None = None


@dataclass
class IcsServer:
    """Serves one calendar at /cal.ics; answers 304 to a matching If-None-Match."""

    served: Served = field(default_factory=Served)
    requests: list[dict[str, str]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cal.ics"


@pytest.fixture
def ics_server() -> Iterator[IcsServer]:
    state = IcsServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append({k.lower(): v for k, v in self.headers.items()})
            served = state.served
            if served.etag and self.headers.get("If-None-Match") == served.etag:
                self.send_response(304)
                self.send_header("ETag", served.etag)
                self.end_headers()
                return
            self.send_response(served.status)
            self.send_header("Content-Type", served.content_type)
            self.send_header("Content-Length", str(len(served.body)))
            if served.etag:
                self.send_header("ETag", served.etag)
            self.end_headers()
            with contextlib.suppress(ConnectionError):  # the node stops reading a huge body
                self.wfile.write(served.body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def calendar(*events: str, name: str = "Partner calendar") -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//partner//EN", f"X-WR-CALNAME:{name}"]
    return ("\r\n".join([*lines, *events, "END:VCALENDAR"]) + "\r\n").encode()


def vevent(uid: str, summary: str, *, start: str = "20300405T180000", extra: str = "") -> str:
    body = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261201T000000Z",
        f"DTSTART;TZID=Europe/Rome:{start}",
        "DTEND;TZID=Europe/Rome:20300405T200000",
        f"SUMMARY:{summary}",
        "LOCATION:Casa del Popolo\\, Roma",
        "DESCRIPTION:Open assembly.\\n\\nAll welcome <b>here</b>.",
    ]
    if extra:
        body.extend(extra.split("|"))
    return "\r\n".join([*body, "END:VEVENT"])


async def _events(db: Database) -> dict[str, tuple[ContentObject, Event]]:
    async with db.session() as session:
        rows = await session.execute(
            select(ContentObject, Event).join(Event, Event.object_id == ContentObject.id)
        )
        return {obj.extra["origin"]["uid"]: (obj, event) for obj, event in rows}


async def _subscription(db: Database) -> IcsSubscription:
    async with db.session() as session:
        sub = await session.scalar(select(IcsSubscription))
        assert sub is not None
        return sub


async def test_a_feed_is_imported_kept_up_to_date_and_shown_with_its_origin(
    fed: Federation,
    db: Database,
    association: Actor,
    ics_server: IcsServer,
    app_client: httpx.AsyncClient,
) -> None:
    ics_server.served = Served(
        body=calendar(
            vevent("assembly-1@partner", "Open assembly"),
            vevent(
                "desk@partner",
                "Legal aid desk",
                start="20300401T180000",
                extra="RRULE:FREQ=WEEKLY;COUNT=4",
            ),
            vevent("gone@partner", "To be removed"),
            vevent("private@partner", "Board meeting", extra="CLASS:PRIVATE"),
        ),
        etag='"v1"',
    )
    outcome = await subscribe_feed(fed, association.slug or "", ics_server.url)
    assert outcome.error is None and outcome.result is not None
    assert outcome.result.added == 3

    events = await _events(db)
    assert set(events) == {"assembly-1@partner", "desk@partner", "gone@partner"}
    obj, event = events["assembly-1@partner"]
    assert obj.extra["origin"] == {
        "kind": "ics",
        "feed": ics_server.url,
        "uid": "assembly-1@partner",
    }
    assert event.timezone == "Europe/Rome"
    assert event.starts_at == datetime(2030, 4, 5, 16, 0, tzinfo=UTC)  # CEST
    assert event.place_name == "Casa del Popolo, Roma"
    assert "&lt;b&gt;here&lt;/b&gt;" in obj.content_map["und"]  # plain text, escaped
    assert events["desk@partner"][1].rrule is not None
    assert events["desk@partner"][1].recurs_until is not None

    page = (await app_client.get("/agenda")).text
    assert "Open assembly" in page and "Legal aid desk" in page
    assert "Board meeting" not in page
    # the feed is the provenance: its name, and its host
    assert "Partner calendar</a>" in page and "from 127.0.0.1" in page
    exported = await app_client.get("/agenda.ics")
    assert exported.status_code == 200 and "SUMMARY:Open assembly" in exported.text
    month = await app_client.get("/agenda/month/2030-04")
    assert month.status_code == 200 and "Legal aid desk" in month.text

    # unchanged: one conditional GET, answered 304
    async with ics_client(fed) as client:
        again = await refresh_feed(fed, client, (await _subscription(db)).feed_id)
    assert again.not_modified
    assert ics_server.requests[-1].get("if-none-match") == '"v1"'

    # the partner edits one event, drops another: updated in place, removed, others untouched
    ics_server.served = Served(
        body=calendar(
            vevent("assembly-1@partner", "Open assembly (new room)", extra="SEQUENCE:1"),
            vevent(
                "desk@partner",
                "Legal aid desk",
                start="20300401T180000",
                extra="RRULE:FREQ=WEEKLY;COUNT=4|STATUS:CANCELLED",
            ),
        ),
        etag='"v2"',
    )
    async with ics_client(fed) as client:
        changed = await refresh_feed(fed, client, obj.actor_id)
    assert changed.result is not None
    assert (changed.result.updated, changed.result.removed) == (2, 1)
    after = await _events(db)
    assert set(after) == {"assembly-1@partner", "desk@partner"}
    new_obj, new_event = after["assembly-1@partner"]
    assert new_obj.id == obj.id and new_obj.name_map["und"] == "Open assembly (new room)"
    assert new_event.sequence > event.sequence
    assert after["desk@partner"][1].status == EventStatus.CANCELLED
    assert (await _subscription(db)).etag == '"v2"'


async def test_bad_feeds_say_why_and_lose_nothing(
    fed: Federation, db: Database, association: Actor, ics_server: IcsServer
) -> None:
    ics_server.served = Served(
        body=calendar(vevent("a@partner", "First"), vevent("b@partner", "Second"))
    )
    outcome = await subscribe_feed(fed, association.slug or "", ics_server.url)
    assert outcome.result is not None and outcome.result.added == 2
    feed_id = (await _subscription(db)).feed_id

    bad_answers = [
        (Served(status=404, body=b"nope", content_type="text/plain"), "HTTP 404"),
        (Served(body=b"<html>not a calendar</html>", content_type="text/html"), "not an iCalendar"),
        (Served(body=b"BEGIN:VCALENDAR\r\n" + b"X" * (6 * 1024 * 1024)), "larger than"),
        (Served(body=b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n\x00\xff"), "cannot be read"),
    ]
    async with ics_client(fed) as client:
        for served, message in bad_answers:
            ics_server.served = served
            failed = await refresh_feed(fed, client, feed_id)
            assert failed.error is not None and message in failed.error
            sub = await _subscription(db)
            assert sub.error is not None and message in sub.error
            assert set(await _events(db)) == {"a@partner", "b@partner"}

        # an event without DTSTART is skipped and said; its earlier copy stays
        no_start = "BEGIN:VEVENT\r\nUID:b@partner\r\nSUMMARY:Second, broken\r\nEND:VEVENT"
        ics_server.served = Served(body=calendar(vevent("a@partner", "First"), no_start))
        partly = await refresh_feed(fed, client, feed_id)
    assert partly.result is not None and partly.result.removed == 0
    sub = await _subscription(db)
    assert sub.error is not None and "DTSTART" in sub.error
    assert sub.succeeded_at is not None
    kept = await _events(db)
    assert kept["b@partner"][0].name_map["und"] == "Second"


async def test_the_worker_refreshes_on_schedule_and_unsubscribing_removes(
    fed: Federation, db: Database, association: Actor, ics_server: IcsServer
) -> None:
    ics_server.served = Served(body=calendar(vevent("a@partner", "First")))
    await subscribe_feed(fed, association.slug or "", ics_server.url)
    fetched = len(ics_server.requests)
    now = datetime.now(UTC)
    async with ics_client(fed) as client:
        assert await refresh_due(fed, client, now) == 0  # just fetched
        minutes = fed.settings.ics_refresh_minutes
        assert await refresh_due(fed, client, now + timedelta(minutes=minutes + 1)) == 1
    assert len(ics_server.requests) == fetched + 1

    # the worker's own pass: a feed last fetched longer ago than the setting is fetched again
    async with db.session() as session:
        sub = await session.scalar(select(IcsSubscription))
        assert sub is not None and sub.fetched_at is not None
        sub.fetched_at = sub.fetched_at - timedelta(minutes=fed.settings.ics_refresh_minutes + 1)
        await session.commit()
    worker = DeliveryWorker(fed)
    try:
        assert await worker.refresh_feeds() == 1
        assert await worker.refresh_feeds() == 0
    finally:
        await worker.aclose()
    assert len(ics_server.requests) == fetched + 2

    async with db.session() as session:
        session_: AsyncSession = session
        listed = await subscriptions(session_, association)
        assert [feed.ap_id for _, feed in listed] == [ics_server.url]
        await unsubscribe(session_, association, ics_server.url)
        await session_.commit()
    assert await _events(db) == {}
    async with db.session() as session:
        assert await session.scalar(select(Actor).where(Actor.ap_id == ics_server.url)) is None


async def test_a_remote_event_added_by_url_follows_its_origin(
    fed: Federation,
    db: Database,
    association: Actor,
    remote_actor: RemoteActor,
    app_client: httpx.AsyncClient,
) -> None:
    event_id = remote_actor.new_id("events")
    doc: dict[str, Any] = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": event_id,
        "type": "Event",
        "attributedTo": remote_actor.actor_id,
        "name": "Marcha en Buenos Aires",
        "content": "<p>Plaza de Mayo</p>",
        "startTime": "2030-06-01T18:00:00-03:00",
        "endTime": "2030-06-01T20:00:00-03:00",
        "timezone": "America/Argentina/Buenos_Aires",
        "published": "2030-01-01T10:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    current: dict[str, Any] | None = doc
    remote_actor.server.serve(event_id, lambda: current)
    obj = await import_event(fed, association.slug or "", event_id)
    assert obj.ap_id == event_id
    assert "Marcha en Buenos Aires" in (await app_client.get("/agenda")).text

    # a note is not an event; an address that answers 404 is refused, nothing stored
    note_id = remote_actor.new_id("notes")
    remote_actor.server.serve(note_id, {**doc, "id": note_id, "type": "Note"})
    with pytest.raises(InvalidInput, match="not an Event"):
        await import_event(fed, association.slug or "", note_id)
    with pytest.raises(InvalidInput, match="no event at this address"):
        await import_event(fed, association.slug or "", remote_actor.new_id("missing"))

    # edited at its origin: the worker's next pass brings the change
    current = {**doc, "name": "Marcha (nueva hora)", "updated": "2030-01-02T10:00:00Z"}
    later = datetime.now(UTC) + timedelta(minutes=fed.settings.ics_refresh_minutes + 1)
    assert await refresh_imports_due(fed, later) == 1
    async with db.session() as session:
        stored = await session.scalar(select(ContentObject).where(ContentObject.ap_id == event_id))
        assert stored is not None and stored.name_map["und"] == "Marcha (nueva hora)"

    # deleted at its origin: gone from the agenda, the import says why
    current = None
    assert await refresh_import(fed, event_id) == "the event was deleted at its origin"
    assert "Marcha" not in (await app_client.get("/agenda")).text
    async with db.session() as session:
        row = await session.scalar(select(AgendaImport))
        assert row is not None and row.error == "the event was deleted at its origin"


def test_the_agenda_commands(tmp_path: Path, database_url: str, ics_server: IcsServer) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        runner = CliRunner()
        env = {
            "MIGRANTNET_DATA_DIR": str(tmp_path),
            "MIGRANTNET_DATABASE_URL": database_url,
            "MIGRANTNET_ALLOW_PRIVATE_ADDRESSES": "true",
        }
        assert runner.invoke(cli_app, INIT, env=env).exit_code == 0
        ics_server.served = Served(body=calendar(vevent("a@partner", "First")))
        subscribed = runner.invoke(
            cli_app, ["agenda", "subscribe", "tunis_migrants", ics_server.url], env=env
        )
        assert subscribed.exit_code == 0, subscribed.output
        assert "1 added" in subscribed.output

        ics_server.served = Served(status=404)
        other = ics_server.url.replace("cal.ics", "other.ics")
        failing = runner.invoke(cli_app, ["agenda", "subscribe", "tunis_migrants", other], env=env)
        assert failing.exit_code == 0 and "HTTP 404" in failing.output

        listed = runner.invoke(cli_app, ["agenda", "list", "tunis_migrants"], env=env)
        assert listed.exit_code == 0
        assert f"{ics_server.url}\t1 events" in listed.output
        assert "error: the feed answered HTTP 404" in listed.output

        bad = runner.invoke(
            cli_app, ["agenda", "subscribe", "tunis_migrants", "ftp://x.example/a"], env=env
        )
        assert bad.exit_code != 0 and "Traceback" not in bad.output
        gone = runner.invoke(
            cli_app, ["agenda", "unsubscribe", "tunis_migrants", ics_server.url], env=env
        )
        assert gone.exit_code == 0, gone.output
        listed = runner.invoke(cli_app, ["agenda", "list", "tunis_migrants"], env=env)
        assert ics_server.url + "\t" not in listed.output
    finally:  # the CLI points logging at its captured stderr; give the next tests theirs back
        root.handlers[:] = handlers
        root.setLevel(level)


async def _dates(db: Database) -> list[datetime]:
    async with db.session() as session:
        return list(await session.scalars(select(EventOccurrence.starts_at).order_by("starts_at")))


async def test_a_feeds_series_gets_its_dates_and_the_worker_writes_more_as_time_goes_by(
    fed: Federation, db: Database, association: Actor, ics_server: IcsServer
) -> None:
    """A weekly VEVENT until 2040 from a partner's feed: its first two years of dates are in
    `event_occurrences` once imported; the feed changing its rule rewrites them; the worker's
    pass, run later, writes the following ones."""
    weekly = "RRULE:FREQ=WEEKLY;UNTIL=20400101T000000Z"
    ics_server.served = Served(body=calendar(vevent("w@partner", "Weekly desk", extra=weekly)))
    await subscribe_feed(fed, association.slug or "", ics_server.url)
    dates = await _dates(db)
    first = datetime(2030, 4, 5, 16, tzinfo=UTC)  # 18:00 in Rome, summer time
    assert dates[0] == first and len(dates) == 105
    ics_server.served = Served(
        body=calendar(vevent("w@partner", "Weekly desk", extra="RRULE:FREQ=WEEKLY;COUNT=3"))
    )
    feed_id = (await _subscription(db)).feed_id
    async with ics_client(fed) as client:
        await refresh_feed(fed, client, feed_id)
        assert await _dates(db) == [first + timedelta(weeks=n) for n in range(3)]
        ics_server.served = Served(body=calendar(vevent("w@partner", "Weekly desk", extra=weekly)))
        await refresh_feed(fed, client, feed_id)
    assert len(await _dates(db)) == 105
    worker = DeliveryWorker(fed)
    try:
        assert await worker.top_up_series() == 0  # its dates reach two years ahead
        fed.now = lambda: datetime(2031, 7, 1, tzinfo=UTC)  # type: ignore[method-assign]
        assert await worker.top_up_series() == 1
    finally:
        await worker.aclose()
    later = await _dates(db)
    assert later[:105] == dates and len(later) > 105
    assert later[-1] > datetime(2033, 6, 1, tzinfo=UTC)
