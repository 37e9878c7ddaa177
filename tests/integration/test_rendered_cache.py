"""Rendered JSON kept in memory: served again without the database, never stale after a change
made in this process, and at most `render_cache_check_seconds` after one made elsewhere."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import event

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.content.associations import create_association, update_association
from migrantnet.content.notes import publish_note
from migrantnet.content.objects import delete_object
from migrantnet.content.publishing import NoFederation
from migrantnet.db import Database
from migrantnet.federation.rendered import Rendered, RenderedCache
from migrantnet.models import Actor, Base
from migrantnet.uris import Uris

FED = NoFederation()
AP = {"accept": "application/activity+json"}


@asynccontextmanager
async def serving(
    settings: Settings, **changes: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    app = create_app(settings.model_copy(update=changes), run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            yield client, app


def statements(engine: Any) -> tuple[list[str], Callable[[], None]]:
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine, "before_cursor_execute", record)


async def test_json_is_served_again_without_the_database(
    settings: Settings, db: Database, uris: Uris
) -> None:
    async with db.session() as session:
        await create_association(session, uris, slug="tunis_migrants", name="Tunis Migrants")
        await session.commit()
    async with serving(settings, render_cache_check_seconds=60) as (client, app):
        paths = [
            "/@tunis_migrants",
            "/.well-known/webfinger?resource=acct:tunis_migrants@node-a.test",
            "/nodeinfo/2.1",
        ]
        first = [await client.get(path, headers=AP) for path in paths]
        seen, stop = statements(app.state.db.engine.sync_engine)
        again = [await client.get(path, headers=AP) for path in paths]
        stop()
    assert seen == []
    for one, other in zip(first, again, strict=True):
        assert one.status_code == other.status_code == 200
        assert one.content == other.content
        assert one.headers["content-type"] == other.headers["content-type"]
    assert again[0].headers["content-type"].startswith("application/activity+json")
    assert again[0].headers["vary"] == "Accept, Accept-Encoding"  # kept, then gzipped
    assert again[1].headers["content-type"] == "application/jrd+json"


async def test_a_change_in_this_process_is_served_at_once(settings: Settings, uris: Uris) -> None:
    async with serving(settings, render_cache_check_seconds=60) as (client, app):
        db: Database = app.state.db
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with db.session() as session:
            actor = await create_association(session, uris, slug="tunis_migrants", name="Old")
            note = await publish_note(session, uris, FED, actor, text={"en": "Hello."})
            await session.commit()
        path = httpx.URL(note.ap_id).path
        assert (await client.get("/@tunis_migrants", headers=AP)).json()["name"] == "Old"
        assert (await client.get(path, headers=AP)).json()["type"] == "Note"
        posts = (await client.get("/nodeinfo/2.1")).json()["usage"]["localPosts"]
        assert posts == 1

        async with db.session() as session:
            actor = await session.get(Actor, actor.id)
            assert actor is not None
            await update_association(session, actor, name="New")
            await session.commit()
        assert (await client.get("/@tunis_migrants", headers=AP)).json()["name"] == "New"

        async with db.session() as session:
            await delete_object(session, FED, actor, await session.merge(note))
            await session.commit()
        gone = await client.get(path, headers=AP)
        assert gone.status_code == 410
        assert gone.json()["type"] == "Tombstone"
        assert (await client.get("/nodeinfo/2.1")).json()["usage"]["localPosts"] == 0

        # a rolled-back change leaves the kept renderings alone
        async with db.session() as session:
            actor = await session.get(Actor, actor.id)
            assert actor is not None
            await update_association(session, actor, name="Never")
            await session.rollback()
        assert (await client.get("/@tunis_migrants", headers=AP)).json()["name"] == "New"


async def test_a_change_by_another_process_is_seen_by_the_generation(
    settings: Settings, db: Database, uris: Uris
) -> None:
    """`db` stands for another process: its commits reach the app only through the database."""
    async with db.session() as session:
        actor = await create_association(session, uris, slug="tunis_migrants", name="Old")
        await session.commit()
    async with serving(settings, render_cache_check_seconds=0) as (client, _app):
        assert (await client.get("/@tunis_migrants", headers=AP)).json()["name"] == "Old"
        async with db.session() as session:
            actor = await session.get(Actor, actor.id)
            assert actor is not None
            await update_association(session, actor, name="New")
            await session.commit()
        assert (await client.get("/@tunis_migrants", headers=AP)).json()["name"] == "New"


async def test_the_cache_is_bounded_and_refuses_renderings_older_than_a_clear(
    db: Database,
) -> None:
    cache = RenderedCache(db, entries=2, check_seconds=60)
    one = Rendered(200, b"{}", "application/json")
    for key in ("a", "b", "c"):
        cache.put(key, one, cache.epoch)
    assert await cache.get("a") is None
    assert await cache.get("c") == one
    epoch = cache.epoch
    cache.clear()  # a commit while "d" was being rendered
    cache.put("d", one, epoch)
    assert await cache.get("d") is None
    assert await cache.get("c") is None
    disabled = RenderedCache(db, entries=0, check_seconds=60)
    disabled.put("a", one, disabled.epoch)
    assert await disabled.get("a") is None
