"""The agenda's month grid: a few dates a day and "n more" to that day's list, days in the
reader's zone, weeks from the reader's region's first day, and a cost that does not grow with
the dates a day holds."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from agenda_fixtures import follow, local_event, remote_event, remote_org
from sqlalchemy.ext.asyncio import AsyncSession
from test_page_queries import counted

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.content.associations import create_association
from migrantnet.db import Database
from migrantnet.models import FollowState
from migrantnet.uris import Uris


@pytest.fixture
async def served(settings: Settings, db: Database) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """No page cache: each request renders, so its statements are counted."""
    app = create_app(settings.model_copy(update={"page_cache_entries": 0}), run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            yield client, app.state.db.engine.sync_engine


def _cell(page: str, day: str) -> str:
    return page.split(f'<time datetime="{day}">')[1].split("</td>")[0]


def _titles(html: str) -> list[str]:
    return re.findall(r'class="u-url p-name"[^>]*>([^<]+)</a>', html)


async def test_a_full_day_shows_three_and_links_the_rest_to_its_list(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    client, _ = served
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    for n in range(10):
        await local_event(
            session,
            uris,
            ours,
            f"Desk {n}",
            datetime(2030, 3, 12, 8 + n),
            status="cancelled" if n == 1 else "confirmed",
        )
    await local_event(session, uris, ours, "Quiet day", datetime(2030, 3, 13, 18))
    await session.commit()
    page = (await client.get("/agenda/month/2030-03", params={"tz": "Europe/Rome"})).text
    full = _cell(page, "2030-03-12")
    assert _titles(full) == ["Desk 0", "Desk 1", "Desk 2"]  # the first three, in start order
    shown = full.split("<li")
    assert "Cancelled" in shown[2] and "Cancelled" not in shown[1] + shown[3]  # marked, as before
    more = re.search(r'<a href="([^"]+)" aria-label="([^"]+)">([^<]+)</a>', full)
    assert more is not None, full
    href, label, text = more.groups()
    assert text == "7 more" and label == "7 more events on Tuesday 12 March 2030"
    href = href.replace("&amp;", "&")
    assert httpx.URL(href).params == httpx.QueryParams(
        {"from": "2030-03-12", "to": "2030-03-12", "tz": "Europe/Rome"}
    )
    quiet = _cell(page, "2030-03-13")
    assert _titles(quiet) == ["Quiet day"] and "more" not in quiet
    listed = (await client.get(href)).text
    titles = re.findall(r'<h3 class="p-name"[^>]*><a class="u-url"[^>]*>([^<]+)</a>', listed)
    assert titles == [f"Desk {n}" for n in range(10)]  # the whole day, and only it


async def test_days_are_the_readers_days(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    """23:30 UTC on the 12th is the 13th in Rome; a camp begun in February is on each of its
    March days; a date ending at midnight does not spill over into the next day."""
    client, _ = served
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    await local_event(session, uris, ours, "Late", datetime(2030, 3, 12, 23, 30), zone="UTC")
    await local_event(
        session, uris, ours, "Camp", datetime(2030, 2, 27, 9), hours=24 * 5 - 9, zone="UTC"
    )
    await session.commit()
    utc = (await client.get("/agenda/month/2030-03", params={"tz": "UTC"})).text
    rome = (await client.get("/agenda/month/2030-03", params={"tz": "Europe/Rome"})).text
    assert _titles(_cell(utc, "2030-03-12")) == ["Late"]
    assert _titles(_cell(rome, "2030-03-12")) == [] and _titles(_cell(rome, "2030-03-13")) == [
        "Late"
    ]
    # the camp ends at midnight UTC starting 4 March: 1-3 March in UTC, and 4 March in Rome
    assert [day for day in range(1, 6) if _titles(_cell(utc, f"2030-03-0{day}"))] == [1, 2, 3]
    assert [day for day in range(1, 6) if "Camp" in _cell(rome, f"2030-03-0{day}")] == [1, 2, 3, 4]
    # begun in February: no start time on its March days, which would read as a new start
    assert "continued" in _cell(utc, "2030-03-02") and "09:00" not in _cell(utc, "2030-03-02")


@pytest.mark.parametrize(
    ("accept", "first"),
    [("en-US,en;q=0.8", "Sunday"), ("en-GB,en;q=0.8", "Monday"), ("fr", "lundi"), ("ar", "السبت")],
)
async def test_weeks_start_on_the_readers_first_day(
    served: tuple[httpx.AsyncClient, Any], accept: str, first: str
) -> None:
    client, _ = served
    page = await client.get("/agenda/month/2030-03", headers={"accept-language": accept})
    header = page.text.split("<thead>")[1].split("</thead>")[0]
    assert re.findall(r'<th scope="col">([^<]+)</th>', header)[0] == first
    # March 2030 begins on a Friday: the first row has the days before it outside the month
    first_row = page.text.split("<tbody>")[1].split("</tr>")[0]
    outside = {"Sunday": 5, "Monday": 4, "lundi": 4, "السبت": 6}[first]
    assert first_row.count('class="outside"') == outside
    if accept == "ar":
        assert '<html lang="ar" dir="rtl">' in page.text


async def test_the_grid_costs_the_same_statements_with_few_or_many_dates_a_day(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    """A day's dates are counted up to a cap: past it, the grid says "at least"."""
    client, engine = served
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    followed = remote_org(session, "mobilizon.example", "colectivo_ba")
    await follow(session, ours, followed, FollowState.ACCEPTED)

    async def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            starts = datetime(2030, 1, 9, 9, tzinfo=UTC)
            await remote_event(session, followed, f"Asamblea {n}", starts, number=n)
        await session.commit()

    async def month() -> tuple[int, str]:
        await client.get("/agenda/month/2030-01?tz=UTC")
        with counted(engine) as seen:
            response = await client.get("/agenda/month/2030-01?tz=UTC")
        assert response.status_code == 200, response.text
        return len(seen), _cell(response.text, "2030-01-09")

    await add(0, 2)
    few, cell = await month()
    assert len(_titles(cell)) == 2 and "more" not in cell
    await add(2, 38)
    many, cell = await month()
    assert many == few
    assert len(_titles(cell)) == 3
    assert ">27+ more<" in cell and "27+ more events on Wednesday 9 January 2030" in cell
