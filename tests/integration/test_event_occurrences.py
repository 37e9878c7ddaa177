"""The dates of events in `event_occurrences`: written in the event's zone across a DST change,
rewritten by every edit, cancellation, move, peer's update and deletion, bounded by the
horizon and topped up past it; the agenda reads them with a number of statements that does not
grow with the number of series, and shows every series however many run (no cap any more)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from agenda_fixtures import FED, follow, local_event, remote_event, remote_org
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from test_page_queries import counted

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.content.associations import create_association
from migrantnet.content.events import EventInput, PlaceInput, edit_event
from migrantnet.content.objects import delete_object
from migrantnet.content.occurrences import HORIZON, TOP_UP_MARGIN, top_up_occurrences
from migrantnet.content.remote import delete_remote_object
from migrantnet.content.texts import TextsInput
from migrantnet.db import Database
from migrantnet.models import ContentObject, Event, EventOccurrence, FollowState
from migrantnet.uris import Uris

ROME = "Europe/Rome"


@pytest.fixture
async def served(settings: Settings, db: Database) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """No page cache: each request reads the database, so its statements can be counted."""
    app = create_app(settings.model_copy(update={"page_cache_entries": 0}), run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            yield client, app.state.db.engine.sync_engine


async def _dates(session: AsyncSession, obj: ContentObject) -> list[Any]:
    """The event's rows as the database holds them (columns, not cached instances)."""
    date = EventOccurrence
    return list(
        await session.execute(
            select(date.starts_at, date.ends_at, date.recurrence_id, date.cancelled)
            .where(date.event_id == obj.id)
            .order_by(date.starts_at)
        )
    )


async def _agenda(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get("/api/v1/agenda", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _desk(**changes: Any) -> EventInput:
    """Tuesdays 18:00-20:00 in Rome, four times from 19 March 2030: Italy changes to summer
    time on Sunday 31 March, so the first two are 17:00Z and the last two 16:00Z."""
    values: dict[str, Any] = {
        "texts": TextsInput(title={"en": "Legal aid desk"}),
        "starts": datetime(2030, 3, 19, 18, 0),
        "ends": datetime(2030, 3, 19, 20, 0),
        "timezone": ROME,
        "place": PlaceInput(name="Casa del Popolo", locality="Roma"),
        "recurrence": "FREQ=WEEKLY;COUNT=4",
    }
    return EventInput(**{**values, **changes})


async def test_a_series_dates_keep_their_wall_clock_time_across_the_march_change(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    client, _ = served
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    obj = await local_event(
        session,
        uris,
        ours,
        "Legal aid desk",
        datetime(2030, 3, 19, 18),
        recurrence="FREQ=WEEKLY;COUNT=4",
    )
    await session.commit()
    dates = await _dates(session, obj)
    assert [d.starts_at for d in dates] == [
        datetime(2030, 3, 19, 17, tzinfo=UTC),
        datetime(2030, 3, 26, 17, tzinfo=UTC),
        datetime(2030, 4, 2, 16, tzinfo=UTC),
        datetime(2030, 4, 9, 16, tzinfo=UTC),
    ]
    assert [d.ends_at - d.starts_at for d in dates] == [timedelta(hours=2)] * 4
    assert [d.recurrence_id for d in dates] == [d.starts_at for d in dates]
    shown = await _agenda(client, **{"from": "2030-03-01", "to": "2030-05-01"})
    assert [(e["starts"], e["ends"]) for e in shown["events"]] == [
        ("2030-03-19T18:00:00+01:00", "2030-03-19T20:00:00+01:00"),
        ("2030-03-26T18:00:00+01:00", "2030-03-26T20:00:00+01:00"),
        ("2030-04-02T18:00:00+02:00", "2030-04-02T20:00:00+02:00"),
        ("2030-04-09T18:00:00+02:00", "2030-04-09T20:00:00+02:00"),
    ]
    month = (await client.get("/agenda/month/2030-04", params={"tz": ROME})).text
    for day in ("2030-04-02", "2030-04-09"):
        cell = month.split(f'<time datetime="{day}">')[1].split("</td>")[0]
        assert "Legal aid desk" in cell and "18:00" in cell, cell


async def test_edits_cancellations_moves_and_deletions_rewrite_the_dates(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    client, _ = served
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    obj = await local_event(
        session,
        uris,
        ours,
        "Legal aid desk",
        datetime(2030, 3, 19, 18),
        recurrence="FREQ=WEEKLY;COUNT=4",
    )
    await session.commit()
    moved = (datetime(2030, 4, 2, 18), datetime(2030, 4, 3, 19), datetime(2030, 4, 3, 21))
    await edit_event(
        session,
        FED,
        ours,
        obj,
        _desk(cancelled_occurrences=[datetime(2030, 3, 26, 18)], moved_occurrences=[moved]),
    )
    await session.commit()
    dates = await _dates(session, obj)
    assert [(d.starts_at, d.cancelled, d.recurrence_id) for d in dates] == [
        (datetime(2030, 3, 19, 17, tzinfo=UTC), False, datetime(2030, 3, 19, 17, tzinfo=UTC)),
        (datetime(2030, 3, 26, 17, tzinfo=UTC), True, datetime(2030, 3, 26, 17, tzinfo=UTC)),
        (datetime(2030, 4, 3, 17, tzinfo=UTC), False, datetime(2030, 4, 2, 16, tzinfo=UTC)),
        (datetime(2030, 4, 9, 16, tzinfo=UTC), False, datetime(2030, 4, 9, 16, tzinfo=UTC)),
    ]
    shown = await _agenda(client, **{"from": "2030-03-01", "to": "2030-05-01"})
    assert [e["status"] for e in shown["events"]] == [
        "confirmed",
        "cancelled",
        "confirmed",
        "confirmed",
    ]
    # the whole series cancelled: every date says so, from the event's status
    await edit_event(session, FED, ours, obj, _desk(status="cancelled"))
    await session.commit()
    assert [d.cancelled for d in await _dates(session, obj)] == [False] * 4
    shown = await _agenda(client, **{"from": "2030-03-01", "to": "2030-05-01"})
    assert [e["status"] for e in shown["events"]] == ["cancelled"] * 4
    # a single event again, on another day: one date
    await edit_event(
        session,
        FED,
        ours,
        obj,
        _desk(recurrence=None, starts=datetime(2030, 5, 5, 10), ends=datetime(2030, 5, 5, 12)),
    )
    await session.commit()
    single = await _dates(session, obj)
    assert [(d.starts_at, d.recurrence_id) for d in single] == [
        (datetime(2030, 5, 5, 8, tzinfo=UTC), None)
    ]
    await delete_object(session, FED, ours, obj)
    await session.commit()
    assert await _dates(session, obj) == []
    assert (await _agenda(client, **{"from": "2030-03-01"}))["events"] == []


async def test_a_peers_series_is_written_on_create_rewritten_on_update_gone_on_delete(
    session: AsyncSession, uris: Uris
) -> None:
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    peer = remote_org(session, "mobilizon.example", "colectivo_ba")
    await follow(session, ours, peer, FollowState.ACCEPTED)
    start = datetime(2030, 1, 7, 22, tzinfo=UTC)
    obj = await remote_event(
        session, peer, "Asamblea", start, number=1, zone="America/Argentina/Buenos_Aires",
        rrule="FREQ=WEEKLY;COUNT=3",
    )  # fmt: skip
    await session.commit()
    assert [d.starts_at for d in await _dates(session, obj)] == [
        start + timedelta(weeks=n) for n in range(3)
    ]
    # the same id again (an Update): its new dates replace the old ones
    later = start + timedelta(days=1)
    await remote_event(
        session, peer, "Asamblea", later, number=1, zone="America/Argentina/Buenos_Aires",
        rrule="FREQ=WEEKLY;COUNT=2",
    )  # fmt: skip
    await session.commit()
    assert [d.starts_at for d in await _dates(session, obj)] == [
        later,
        later + timedelta(weeks=1),
    ]
    assert await delete_remote_object(session, peer, obj.ap_id, datetime.now(UTC))
    await session.commit()
    assert await _dates(session, obj) == []


async def test_a_series_past_the_horizon_is_written_up_to_it_then_topped_up(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    """Weekly from January 2030 until 2040 (about 520 dates): the first two years are written
    when it is published; the worker's pass, later, writes the next ones."""
    client, _ = served
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    obj = await local_event(
        session, uris, ours, "Weekly desk", datetime(2030, 1, 1, 18),
        recurrence="FREQ=WEEKLY;UNTIL=20400101T000000Z",
    )  # fmt: skip
    short = await local_event(
        session,
        uris,
        ours,
        "Four times",
        datetime(2030, 1, 2, 18),
        recurrence="FREQ=WEEKLY;COUNT=4",
    )
    await session.commit()
    first = datetime(2030, 1, 1, 17, tzinfo=UTC)
    dates = await _dates(session, obj)
    assert dates[0].starts_at == first
    assert dates[-1].starts_at < first + HORIZON <= dates[-1].starts_at + timedelta(weeks=1)
    row = await session.get(Event, obj.id)
    assert row is not None and row.occurrences_until == first + HORIZON
    whole = await session.get(Event, short.id)
    assert whole is not None and whole.occurrences_until is None
    beyond = {"from": "2032-06-01", "to": "2032-07-01", "limit": "100"}
    assert (await _agenda(client, **beyond))["events"] == []
    # not due yet: the written dates reach further than a month short of the horizon
    assert await top_up_occurrences(session, datetime(2030, 1, 1, tzinfo=UTC)) == 0
    # a year and a half later, the horizon has moved on: its dates are written again
    moment = datetime(2031, 7, 1, tzinfo=UTC)
    assert await top_up_occurrences(session, moment) == 1
    await session.commit()
    assert await top_up_occurrences(session, moment) == 0
    dates = await _dates(session, obj)
    assert dates[0].starts_at == first
    assert dates[-1].starts_at < moment + HORIZON <= dates[-1].starts_at + timedelta(weeks=1)
    assert len({d.starts_at for d in dates}) == len(dates)
    row = await session.get(Event, obj.id)
    assert row is not None and row.occurrences_until == moment + HORIZON
    june = (await _agenda(client, **beyond))["events"]
    assert [e["starts"][:10] for e in june] == [
        "2032-06-01",
        "2032-06-08",
        "2032-06-15",
        "2032-06-22",
        "2032-06-29",
    ]
    assert moment + HORIZON - TOP_UP_MARGIN > datetime(2032, 7, 1, tzinfo=UTC)


async def test_statements_per_page_do_not_grow_with_series_and_none_is_capped(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    """2 series, then 520 (more than the 500 the agenda used to look at): the same number of
    statements for each page, and every series' dates are in the agenda."""
    client, engine = served
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    peer = remote_org(session, "mobilizon.example", "colectivo_ba")
    await follow(session, ours, peer, FollowState.ACCEPTED)

    async def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            starts = datetime(2030, 1, 1, 9, tzinfo=UTC) + timedelta(minutes=n)
            await remote_event(
                session, peer, f"Serie {n}", starts, number=n, rrule="FREQ=WEEKLY;COUNT=2"
            )
        await session.commit()

    paths = [
        "/agenda?from=2030-01-01",
        "/agenda/month/2030-01",
        "/api/v1/agenda?from=2030-01-01",
        "/agenda.ics?from=2030-01-01",
    ]

    async def statements(path: str) -> int:
        await client.get(path)
        with counted(engine) as seen:
            response = await client.get(path)
        assert response.status_code == 200, response.text
        return len(seen)

    await add(0, 2)
    few = {path: await statements(path) for path in paths}
    await add(2, 518)
    many = {path: await statements(path) for path in paths}
    assert many == few
    assert all(count > 0 for count in few.values()), few
    seen: list[tuple[str, str]] = []
    after: str | None = None
    while True:
        params = {"from": "2030-01-01", "limit": "100", **({"after": after} if after else {})}
        page = await _agenda(client, **params)
        seen += [(e["id"], e["starts"]) for e in page["events"]]
        after = page["next"]
        if after is None:
            break
    assert len(seen) == len(set(seen)) == 2 * 520
    assert len({event_id for event_id, _ in seen}) == 520


async def test_under_way_and_the_month_find_short_and_long_dates_begun_earlier(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    """What is under way is read by two bounded walks (short dates begun within a day, long
    ones by their end): both kinds are found, and nothing already over."""
    client, _ = served
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    for title, begun, hours in (
        ("Meeting begun", timedelta(hours=1), 3),
        ("Nearly a day", timedelta(hours=22), 23),
        ("Camp", timedelta(days=5), 24 * 10),
        ("Over", timedelta(hours=30), 29),
        ("Long and over", timedelta(days=9), 24 * 8),
    ):
        await local_event(session, uris, ours, title, now - begun, hours=hours, zone="UTC")
    await local_event(
        session, uris, ours, "March camp", datetime(2030, 2, 27, 9), hours=24 * 4, zone="UTC"
    )
    await session.commit()
    page = await _agenda(client)
    assert [e["name"]["en"] for e in page["under_way"]] == ["Camp", "Nearly a day", "Meeting begun"]
    assert [e["name"]["en"] for e in page["events"]] == ["March camp"]
    march = (await client.get("/agenda/month/2030-03", params={"tz": "UTC"})).text
    assert "March camp" in march.split('<time datetime="2030-03-01">')[1].split("</td>")[0]
