"""The agenda: our associations' events and those of the actors they follow, each once, with
where it comes from; times in the event's zone and the reader's across a DST change; past
events gone, cancelled ones marked; filters, a capped range, keyset pages, a month grid; a
fixed number of statements per page and an index walk without a sort."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from agenda_fixtures import announce, follow, local_event, remote_event, remote_org
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from test_page_queries import _plan, counted

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.content.agenda_filters import AgendaCursor, AgendaFilter
from migrantnet.content.agenda_queries import (
    day_params,
    month_counts_query,
    month_days_query,
    under_way_queries,
    upcoming_query,
)
from migrantnet.content.associations import create_association
from migrantnet.db import Database
from migrantnet.models import Block, BlockKind, FollowState, Visibility
from migrantnet.uris import Uris
from migrantnet.web.views.agenda import day_bounds

BA = "America/Argentina/Buenos_Aires"


@pytest.fixture
async def served(settings: Settings, db: Database) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            yield client, app.state.db.engine.sync_engine


async def _world(session: AsyncSession, uris: Uris) -> None:
    """Rome's association, a followed Buenos Aires group, a pending follow, a stranger."""
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    await local_event(session, uris, ours, "Old assembly", datetime(2020, 5, 1, 18, 0))
    # Rome changes to summer time on 31 March 2030: 18:00 is 17:00Z before, 16:00Z after.
    await local_event(session, uris, ours, "Before the change", datetime(2030, 3, 30, 18, 0))
    await local_event(
        session, uris, ours, "After the change", datetime(2030, 4, 1, 18, 0), status="cancelled"
    )
    await local_event(
        session,
        uris,
        ours,
        "Online legal desk",
        datetime(2030, 4, 2, 10, 0),
        online=True,
        language="it",
    )
    followed = remote_org(session, "mobilizon.example", "colectivo_ba")
    pending = remote_org(session, "gancio.example", "pending_node")
    stranger = remote_org(session, "elsewhere.example", "stranger")
    await follow(session, ours, followed, FollowState.ACCEPTED)
    await follow(session, ours, pending, FollowState.PENDING)
    shared = await remote_event(
        session,
        followed,
        "Marcha por la dignidad",
        datetime(2030, 3, 31, 20, 0, tzinfo=UTC),
        number=1,
        zone=BA,
        tags=("antirracismo",),
    )
    await announce(session, followed, shared)  # its own event, announced too: still once
    await remote_event(
        session,
        followed,
        "Asamblea privada",
        datetime(2030, 4, 3, 20, 0, tzinfo=UTC),
        number=2,
        visibility=Visibility.FOLLOWERS,
    )
    await remote_event(
        session, pending, "Not yet followed", datetime(2030, 4, 3, 20, 0, tzinfo=UTC), number=3
    )
    relayed = await remote_event(
        session,
        stranger,
        "Shared by the group",
        datetime(2030, 4, 4, 9, 0, tzinfo=UTC),
        number=4,
        zone="Europe/Madrid",
    )
    await announce(session, followed, relayed)
    await remote_event(
        session, stranger, "Nobody follows this", datetime(2030, 4, 4, 9, 0, tzinfo=UTC), number=5
    )
    await session.commit()


async def test_the_agenda_shows_ours_and_the_followed_once_with_provenance(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    client, _ = served
    await _world(session, uris)
    page = (await client.get("/agenda")).text
    titles = re.findall(r'<a class="u-url" href="[^"]+">([^<]+)</a></h3>', page)
    assert titles == [
        "Before the change",
        "Marcha por la dignidad",
        "After the change",
        "Online legal desk",
        "Shared by the group",
    ]
    assert "from mobilizon.example" in page and "from elsewhere.example" in page
    assert "on this node" in page
    # cancelled stays, marked; the event's own wall-clock time on both sides of the change
    cancelled = page.split("After the change")[1].split("</li>")[0]
    assert "Cancelled" in cancelled
    assert 'datetime="2030-03-30T18:00+01:00"' in page
    assert 'datetime="2030-04-01T18:00+02:00"' in page
    assert 'datetime="2030-03-31T17:00-03:00"' in page  # Buenos Aires' own time
    assert "Europe/Rome (CET, UTC+01:00)" in page and "Europe/Rome (CEST, UTC+02:00)" in page
    # a domain the node blocks is gone from the agenda, even relayed by a followed group
    session.add(
        Block(kind=BlockKind.DOMAIN, target="elsewhere.example", domain="elsewhere.example")
    )
    await session.commit()
    assert "Shared by the group" not in (await client.get("/agenda")).text
    # grouped by the reader's day (UTC by default)
    assert re.search(r'<h2 id="day-2030-03-31"><time datetime="2030-03-31">', page)


async def test_times_in_the_readers_zone_across_dst_and_remembered(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    client, _ = served
    await _world(session, uris)
    response = await client.get("/agenda", params={"tz": BA})
    page = response.text
    # 18:00 in Rome is 14:00 in Buenos Aires before Rome's change and 13:00 after it
    assert 'datetime="2030-03-30T14:00-03:00"' in page
    assert 'datetime="2030-04-01T13:00-03:00"' in page
    assert "Your time:" in page
    assert (response.cookies.get("tz") or "").strip('"') == BA
    # the next page without ?tz= keeps the zone from the cookie
    again = await client.get("/agenda")
    assert 'datetime="2030-03-30T14:00-03:00"' in again.text
    bad = await client.get("/agenda", params={"tz": "Mars/Olympus"})
    assert bad.status_code == 422 and "not an IANA time zone" in bad.text


async def test_filters_and_a_century_is_capped(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    client, _ = served
    await _world(session, uris)

    async def ids(**params: str) -> list[str]:
        response = await client.get("/api/v1/agenda", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        return [item["name"][next(iter(item["name"]))] for item in body["events"]]

    assert await ids(tag="#Antirracismo") == ["Marcha por la dignidad"]
    assert await ids(mode="online") == ["Online legal desk"]
    assert "Online legal desk" not in await ids(mode="in_person")
    assert await ids(language="it") == ["Online legal desk"]
    assert await ids(organiser="https://mobilizon.example/@colectivo_ba") == [
        "Marcha por la dignidad"
    ]
    assert await ids(**{"from": "2030-04-01", "to": "2030-04-02"}) == [
        "After the change",
        "Online legal desk",
    ]
    century = await client.get("/api/v1/agenda", params={"from": "2030-01-01", "to": "2129-12-31"})
    assert century.status_code == 200
    assert "at most 366 days" in century.json()["notice"]
    page = await client.get("/agenda", params={"from": "2030-01-01", "to": "2129-12-31"})
    assert "at most 366 days" in page.text
    for bad in (
        {"mode": "by boat"},
        {"from": "yesterday"},
        {"tag": "two words"},
        {"from": "2030-02-01", "to": "2030-01-01"},
        {"after": "1_2_3"},
    ):
        response = await client.get("/api/v1/agenda", params=bad)
        assert response.status_code == 422, bad
        assert response.json()["error"], bad
        assert (await client.get("/agenda", params=bad)).status_code == 422, bad
    one = (await client.get("/api/v1/agenda", params={"tag": "antirracismo"})).json()["events"][0]
    assert one["starts"] == "2030-03-31T17:00:00-03:00"
    assert one["timezone"] == BA
    assert one["origin"] == {
        "actor": "https://mobilizon.example/@colectivo_ba",
        "name": "Colectivo Ba",
        "handle": "colectivo_ba@mobilizon.example",
        "server": "mobilizon.example",
        "local": False,
        "via_group": None,
    }


async def test_keyset_pages_neither_skip_nor_repeat(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    client, _ = served
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    for number in range(35):  # pairs share a start: told apart by id
        await local_event(
            session,
            uris,
            ours,
            f"Desk {number:02}",
            datetime(2030, 6, 1, 9) + timedelta(days=number // 2),
        )
    await session.commit()
    seen: list[str] = []
    path = "/agenda"
    while path:
        page = (await client.get(path)).text
        seen += re.findall(r">Desk (\d\d)<", page)
        more = re.search(r'<a href="([^"]+)" rel="next">', page)
        path = more.group(1).replace("&amp;", "&") if more else ""
    assert seen == [f"{n:02}" for n in range(35)]
    api: list[str] = []
    after = None
    while True:
        params = {"limit": "8", **({"after": after} if after else {})}
        body = (await client.get("/api/v1/agenda", params=params)).json()
        api += [item["name"]["en"] for item in body["events"]]
        after = body["next"]
        if after is None:
            break
    assert api == [f"Desk {n:02}" for n in range(35)]


async def test_an_event_under_way_heads_the_first_page(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    client, _ = served
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    started = datetime.now(UTC) - timedelta(days=2)
    await local_event(
        session,
        uris,
        ours,
        "Week of action",
        started.replace(tzinfo=None),
        hours=24 * 7,
        zone="UTC",
    )
    await local_event(
        session, uris, ours, "Over", started.replace(tzinfo=None), hours=1, zone="UTC"
    )
    await session.commit()
    page = (await client.get("/agenda")).text
    assert "Already under way" in page and "Week of action" in page
    assert ">Over<" not in page


async def test_the_month_grid(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    client, _ = served
    await _world(session, uris)
    page = (await client.get("/agenda/month/2030-03")).text
    assert "<script" not in page
    assert "March 2030" in page
    cell = page.split('<time datetime="2030-03-30">')[1].split("</td>")[0]
    assert "Before the change" in cell and "17:00" in cell  # UTC reader
    assert 'href="/agenda/month/2030-02"' in page and 'href="/agenda/month/2030-04"' in page
    april = (await client.get("/agenda/month/2030-04", params={"tz": "Europe/Rome"})).text
    cell = april.split('<time datetime="2030-04-01">')[1].split("</td>")[0]
    assert "After the change" in cell and "18:00" in cell and "Cancelled" in cell
    assert "tz=Europe%2FRome" in april  # the zone stays in the month links
    for bad in ("2030-13", "30-03", "2030-3"):
        assert (await client.get(f"/agenda/month/{bad}")).status_code == 404


@pytest.fixture
async def served_uncached(
    settings: Settings, db: Database
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """The app with no page cache: each request renders, so its statements are counted (with
    the cache, a page rendered again only when its check interval had passed: a flaky count)."""
    app = create_app(settings.model_copy(update={"page_cache_entries": 0}), run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            yield client, app.state.db.engine.sync_engine


async def test_statements_per_page_do_not_grow_with_events(
    served_uncached: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    client, engine = served_uncached
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    followed = remote_org(session, "mobilizon.example", "colectivo_ba")
    await follow(session, ours, followed, FollowState.ACCEPTED)

    async def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            await local_event(session, uris, ours, f"Ours {n}", datetime(2030, 1, 1 + n % 28, 9))
            await remote_event(
                session,
                followed,
                f"Theirs {n}",
                datetime(2030, 1, 1 + n % 28, 20, tzinfo=UTC),
                number=n,
            )
        await session.commit()

    paths = ["/agenda", "/agenda/month/2030-01", "/api/v1/agenda", "/agenda?tag=x&mode=online"]

    async def statements(path: str) -> int:
        await client.get(path)
        with counted(engine) as seen:
            response = await client.get(path)
        assert response.status_code == 200, response.text
        return len(seen)

    await add(0, 2)
    few = {path: await statements(path) for path in paths}
    await add(2, 30)
    many = {path: await statements(path) for path in paths}
    assert many == few
    assert all(count > 0 for count in few.values()), few  # each page was rendered, not cached


@pytest.mark.parametrize("after", [None, AgendaCursor(datetime(2030, 1, 1, tzinfo=UTC), 10)])
async def test_the_agenda_walks_the_dates_index_without_a_sort(
    session: AsyncSession, uris: Uris, after: AgendaCursor | None
) -> None:
    """Single events and series alike: the upcoming page and the month walk
    `ix_event_occurrences_agenda` in (start, event) order, no sort, no series expanded."""
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    for n in range(6):
        await local_event(session, uris, ours, f"E {n}", datetime(2030, 1, 1 + n, 9))
        await local_event(
            session, uris, ours, f"S {n}", datetime(2030, 1, 1 + n, 18), recurrence="FREQ=WEEKLY"
        )
    await session.commit()
    await session.execute(text("ANALYZE"))
    dialect = session.get_bind().dialect.name
    query = upcoming_query(
        AgendaFilter(), datetime(2029, 1, 1, tzinfo=UTC), None, after, 31, dialect
    )
    plan = await _plan(session, query)
    assert "ix_event_occurrences_agenda" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    moment = datetime(2030, 1, 3, 10, tzinfo=UTC)
    short, long = [
        await _plan(session, query)
        for query in under_way_queries(AgendaFilter(), moment, 30, dialect)
    ]
    assert "ix_event_occurrences_agenda" in short, short
    assert "ix_event_occurrences_multi_day" in long, long
    for plan in (short, long):
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


async def test_the_month_grid_is_two_bounded_walks_a_day_without_a_sort(
    session: AsyncSession, uris: Uris
) -> None:
    """Each day of the month, its dates and their count: a walk of the day's starts along
    `ix_event_occurrences_agenda` and one of the long dates begun before it along
    `ix_event_occurrences_multi_day`, each with its limit: no sort of the month's dates, no
    window over all of them."""
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    for n in range(6):
        await local_event(session, uris, ours, f"E {n}", datetime(2030, 1, 1 + n, 9))
        await local_event(
            session, uris, ours, f"S {n}", datetime(2030, 1, 1 + n, 18), recurrence="FREQ=WEEKLY"
        )
        await local_event(session, uris, ours, f"Camp {n}", datetime(2030, 1, 1 + n, 9), hours=72)
    await session.commit()
    await session.execute(text("ANALYZE"))
    dialect = session.get_bind().dialect.name
    days = day_bounds(2030, 1, ZoneInfo("Europe/Rome"))
    for query in (
        month_days_query(AgendaFilter(tag="x"), len(days), 3, dialect),
        month_counts_query(AgendaFilter(), len(days), 31, dialect),
    ):
        plan = await _plan(session, query.params(day_params(days)))
        # each walk once in the statement, run once a day (a LATERAL or a correlated list)
        assert "ix_event_occurrences_agenda" in plan, plan
        assert "ix_event_occurrences_multi_day" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
        assert "WindowAgg" not in plan and "SCAN event_occurrences" not in plan, plan
