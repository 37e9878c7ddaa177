"""The lists' queries: index walks on both databases, a fixed number of statements per page
however many items it shows, keyset pages that neither skip nor repeat, kept counters."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.content.associations import create_association
from migrantnet.content.events import EventInput, publish_event
from migrantnet.content.listing import Cursor, node_latest_query, section_query
from migrantnet.content.notes import publish_note
from migrantnet.content.objects import delete_object
from migrantnet.content.publishing import NoFederation
from migrantnet.content.struggles import StruggleInput, publish_struggle
from migrantnet.content.texts import TextsInput
from migrantnet.db import Database
from migrantnet.models import Actor, ActorCount, ContentObject, Visibility
from migrantnet.uris import Uris

FED = NoFederation()


@pytest.fixture
async def served(settings: Settings, db: Database) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """A client of the app and the app's own engine, whose statements the tests count.

    The counts are of pages built: no page is kept for readers, and the app looks for the
    tests' own writes (another engine, as another process's) at every request, not once a
    second, so which request builds afresh does not depend on the clock."""
    measured = settings.model_copy(
        update={"page_cache_entries": 0, "render_cache_check_seconds": 0}
    )
    app = create_app(measured, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            yield client, app.state.db.engine.sync_engine


@contextmanager
def counted(engine: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def add_items(
    session: AsyncSession, uris: Uris, actor: Actor, count: int, start: int = 0
) -> None:
    """`count` items of three kinds, so every section and kind row is on the page."""
    for number in range(start, start + count):
        match number % 3:
            case 0:
                await publish_note(session, uris, FED, actor, text={"en": f"Note {number}."})
            case 1:
                await publish_event(
                    session,
                    uris,
                    FED,
                    actor,
                    EventInput(
                        texts=TextsInput(title={"en": f"Event {number}"}),
                        starts=datetime(2030, 1, 1, 10, 0),
                        ends=datetime(2030, 1, 1, 12, 0),
                        timezone="Europe/Paris",
                        online_url="https://meet.example/a",
                    ),
                )
            case _:
                await publish_struggle(
                    session,
                    uris,
                    FED,
                    actor,
                    StruggleInput(
                        texts=TextsInput(title={"en": f"Struggle {number}"}, body={"en": "Why."})
                    ),
                )
    await session.commit()


async def statements_per_page(
    client: httpx.AsyncClient, engine: Any, path: str, accept: str = "text/html"
) -> int:
    await client.get(path, headers={"accept": accept})  # warm: first-use lookups
    with counted(engine) as statements:
        response = await client.get(path, headers={"accept": accept})
    assert response.status_code == 200, response.text
    return len(statements)


PAGES = [
    ("/", "text/html"),
    ("/@tunis_migrants", "text/html"),
    ("/@tunis_migrants?kind=event", "text/html"),
    ("/@tunis_migrants", "application/activity+json"),
    ("/nodeinfo/2.1", "application/json"),
    ("/@tunis_migrants/outbox?page=true", "application/activity+json"),
]


async def test_statements_per_page_do_not_grow_with_items(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    client, engine = served
    actor = await create_association(session, uris, slug="tunis_migrants", name="Tunis Migrants")
    await add_items(session, uris, actor, 3)
    few = {page: await statements_per_page(client, engine, *page) for page in PAGES}
    await add_items(session, uris, actor, 30, start=3)
    many = {page: await statements_per_page(client, engine, *page) for page in PAGES}
    assert many == few
    # and the pages did show the items: 20 on the home page, every section filled
    home = (await client.get("/")).text
    assert home.count('class="item h-') == 20
    overview = (await client.get("/@tunis_migrants")).text
    assert overview.count('class="item h-') == 3 * 11


async def test_keyset_pages_neither_skip_nor_repeat(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    """Items with equal `published_at` are told apart by id; the next page starts strictly
    after the last item shown, even when newer items arrive in between."""
    client, _ = served
    actor = await create_association(session, uris, slug="tunis_migrants", name="Tunis Migrants")
    instant = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    for number in range(45):
        # three items share each instant
        when = instant + timedelta(seconds=number // 3)
        await publish_note(session, uris, FED, actor, text={"en": f"Note {number:02}."}, now=when)
    await session.commit()

    seen: list[str] = []
    path = "/@tunis_migrants?kind=note"
    for page_number in range(5):
        page = (await client.get(path)).text
        seen += re.findall(r"Note (\d\d)\.", page)
        if page_number == 0:  # a new note after the first page must not shift the next ones
            await publish_note(session, uris, FED, actor, text={"en": "Note 99."})
            await session.commit()
        older = re.search(r'<a href="([^"]+)" rel="next">', page)
        if older is None:
            break
        path = older.group(1).replace("&amp;", "&")
    assert seen == [f"{n:02}" for n in reversed(range(45))]


async def test_a_bad_cursor_is_a_clear_client_error(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    client, _ = served
    await create_association(session, uris, slug="tunis_migrants", name="Tunis Migrants")
    await session.commit()
    for bad in ["12", "x_1", "99999999999999999999_1", "1_2_3"]:
        response = await client.get(f"/@tunis_migrants?kind=note&before={bad}")
        assert response.status_code == 422, bad
        assert "page position" in response.text or "out of range" in response.text
    cursor = Cursor(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), 7)
    assert Cursor.parse(cursor.encode()) == cursor


async def test_counters_follow_publishing_editing_and_deleting(
    served: tuple[httpx.AsyncClient, Any], session: AsyncSession, uris: Uris
) -> None:
    client, _ = served
    actor = await create_association(session, uris, slug="tunis_migrants", name="Tunis Migrants")
    notes = [
        await publish_note(session, uris, FED, actor, text={"en": f"Note {n}."}) for n in range(4)
    ]
    await publish_note(session, uris, FED, actor, text={"en": "Quiet."}, visibility="unlisted")
    await add_items(session, uris, actor, 2, start=1)  # one event, one struggle
    await delete_object(session, FED, actor, notes[0])
    notes[1].visibility = Visibility.FOLLOWERS
    await session.commit()
    with_a_rollback = await publish_note(session, uris, FED, actor, text={"en": "Never."})
    assert with_a_rollback.id
    await session.rollback()

    kept = {
        name: value
        for name, value in await session.execute(
            select(ActorCount.name, ActorCount.value).where(ActorCount.value != 0)
        )
    }
    actual = {
        f"objects:{kind}:{visibility}": count
        for kind, visibility, count in await session.execute(
            select(ContentObject.kind, ContentObject.visibility, func.count())
            .where(ContentObject.local.is_(True), ContentObject.deleted_at.is_(None))
            .group_by(ContentObject.kind, ContentObject.visibility)
        )
    }
    assert (
        kept
        == actual
        == {
            "objects:note:public": 2,
            "objects:note:unlisted": 1,
            "objects:note:followers": 1,
            "objects:event:public": 1,
            "objects:struggle:public": 1,
        }
    )
    nodeinfo = (await client.get("/nodeinfo/2.1")).json()
    assert nodeinfo["usage"]["localPosts"] == 6
    assert nodeinfo["usage"]["users"]["total"] == 1
    overview = (await client.get("/@tunis_migrants")).text
    assert '<a href="/@tunis_migrants?kind=note">Notes: see all</a> (2)' in overview


# --- plans ---------------------------------------------------------------------------------


def _plan_sqlite(rows: list[Any]) -> str:
    return "\n".join(str(row[-1]) for row in rows)


async def _plan(session: AsyncSession, query: Any) -> str:
    dialect = session.bind.dialect
    compiled = query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    if dialect.name == "sqlite":
        return _plan_sqlite(list(await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))))
    # Small test tables make any plan cheap: forbid the whole-table ones, so the plan shows
    # whether an index can give this order at all.
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    await session.execute(text("SET LOCAL enable_bitmapscan = off"))
    return "\n".join(row[0] for row in await session.execute(text(f"EXPLAIN {compiled}")))


@pytest.mark.parametrize("before", [None, Cursor(datetime(2026, 1, 1, tzinfo=UTC), 10)])
async def test_lists_are_index_walks_without_a_sort(
    session: AsyncSession, uris: Uris, before: Cursor | None
) -> None:
    actor = await create_association(session, uris, slug="tunis_migrants", name="Tunis Migrants")
    await add_items(session, uris, actor, 6)
    await session.execute(text("ANALYZE"))
    home = await _plan(session, node_latest_query(before, 20))
    assert "ix_objects_listing" in home, home
    assert "TEMP B-TREE" not in home and "Sort" not in home, home
    listed = await _plan(session, section_query(actor, "note", before, 21))
    assert "ix_objects_actor_kind_published" in listed, listed
    assert "TEMP B-TREE" not in listed and "Sort" not in listed, listed
