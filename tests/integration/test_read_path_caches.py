"""The read path's two caches in front of the routes: cached ActivityPub and discovery documents
answered before routing (`federation/fast_path.py`), and public pages kept for readers who are
not signed in (`web/page_cache.py`). Byte for byte what the routes send, never stale after a
change, never past a check the routes make."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from browser_forms import sign_in, submit
from federation_peer import RemoteActor
from sqlalchemy import select, update
from starlette.types import Receive, Scope, Send

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.content.associations import get_association, rotate_key
from migrantnet.content.notes import edit_note, publish_note
from migrantnet.content.objects import delete_object
from migrantnet.content.publishing import NoFederation
from migrantnet.db import Database
from migrantnet.federation.heartbeat import beat
from migrantnet.federation.signatures.cavage import sign_request
from migrantnet.federation.signatures.primitives import load_private_key
from migrantnet.models import Actor, ContentObject
from migrantnet.models.counts import PAGES_GENERATION, NodeCounter
from migrantnet.models.delivery import DomainHealth
from migrantnet.uris import Uris

FED = NoFederation()
AP = {"Accept": "application/activity+json"}
HTML = {"Accept": "text/html"}
SLUG = "tunis_migrants"
ADMIN = ("admin@node-a.test", "correct horse battery")


@dataclass
class Node:
    app: Any
    client: httpx.AsyncClient  # an anonymous reader or peer
    routed: list[str] = field(default_factory=list)  # paths that reached the routes

    @property
    def db(self) -> Database:
        db: Database = self.app.state.db
        return db

    def reader(self) -> httpx.AsyncClient:
        """Another client of the same app (its own cookies)."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url=str(self.client.base_url)
        )

    async def publish(self, text: str) -> ContentObject:
        async with self.db.session() as session:
            actor = await get_association(session, SLUG)
            note = await publish_note(
                session, Uris(str(self.client.base_url)), FED, actor, text={"en": text}
            )
            await session.commit()
        return note


@asynccontextmanager
async def serving(settings: Settings, **changes: Any) -> AsyncIterator[Node]:
    app = create_app(settings.model_copy(update=changes), run_worker=False)
    node = Node(app, httpx.AsyncClient())
    inner = app.router.middleware_stack

    async def spy(scope: Scope, receive: Receive, send: Send) -> None:
        node.routed.append(scope["path"])
        await inner(scope, receive, send)

    app.router.middleware_stack = spy
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            node.client = client
            yield node


@pytest.fixture
async def node(settings: Settings, association: Actor) -> AsyncIterator[Node]:
    async with serving(settings, render_cache_check_seconds=60) as running:
        yield running


def same_response(one: httpx.Response, other: httpx.Response) -> bool:
    return (one.status_code, one.headers.raw, one.content) == (
        other.status_code,
        other.headers.raw,
        other.content,
    )


def signed(
    peer: RemoteActor, url: str, accept: str = "application/activity+json"
) -> dict[str, str]:
    return sign_request(
        "GET",
        url,
        {"Accept": accept},
        None,
        key_id=peer.key_id,
        private_key=load_private_key(peer.private_pem),
        now=datetime.now(UTC),
    )


async def fast(node: Node, path: str, headers: dict[str, str]) -> httpx.Response:
    """GET `path`, which must be answered before the routes."""
    before = len(node.routed)
    response = await node.client.get(path, headers=headers)
    assert node.routed[before:] == [], f"{path} reached the routes"
    return response


async def routed(node: Node, path: str, headers: dict[str, str]) -> httpx.Response:
    """GET `path`, which must reach the routes."""
    before = len(node.routed)
    response = await node.client.get(path, headers=headers)
    assert node.routed[before:] == [path.split("?")[0]], f"{path} did not reach the routes"
    return response


# --- the fast path for ActivityPub and discovery documents ----------------------------------


async def test_cached_documents_are_answered_before_routing_byte_for_byte(node: Node) -> None:
    note = await node.publish("Hello.")
    documents = [
        (f"/@{SLUG}", AP),
        (f"/@{SLUG}?kind=note", AP),  # the route ignores the page's query for JSON
        (httpx.URL(note.ap_id).path, {"Accept": 'application/ld+json; profile="x"'}),
        ("/actor", {}),
        (f"/.well-known/webfinger?resource=acct:{SLUG}@node-a.test", {}),
        ("/nodeinfo/2.1", {}),
        ("/nodeinfo/2.0", {}),
        ("/.well-known/nodeinfo", {}),
        ("/.well-known/host-meta", {}),
    ]
    for path, headers in documents:
        built = await node.client.get(path, headers=headers)
        assert built.status_code == 200, path
        kept = await fast(node, path, headers)
        # The route's own answer from the same cache (a Signature header sends it there).
        slow = await routed(node, path, {**headers, "Signature": "not a signature"})
        assert same_response(built, kept), path
        assert same_response(slow, kept), path
    assert (await fast(node, f"/@{SLUG}", AP)).headers["vary"] == "Accept, Accept-Encoding"
    # Browsers, other methods, errors and unknown paths go to the routes.
    assert (await routed(node, f"/@{SLUG}", HTML)).headers["content-type"].startswith("text/html")
    for _ in range(2):
        await routed(node, f"/@{SLUG}/objects/nothing", AP)
        await routed(node, "/.well-known/webfinger?resource=acct:nobody@node-a.test", {})
        await routed(node, "/.well-known/webfinger", {})
        await routed(node, f"/@{SLUG}/outbox", AP)
    before = len(node.routed)
    await node.client.head(f"/@{SLUG}", headers=AP)
    assert node.routed[before:] == [f"/@{SLUG}"]


async def test_every_change_is_served_at_once(
    settings: Settings, db: Database, association: Actor
) -> None:
    async with serving(settings, render_cache_check_seconds=60) as node:
        note = await node.publish("Hello.")
        path = httpx.URL(note.ap_id).path
        actor_path = f"/@{SLUG}"

        async def warm(path: str) -> dict[str, Any]:
            await node.client.get(path, headers=AP)
            document: dict[str, Any] = (await fast(node, path, AP)).json()
            return document

        assert (await warm(path))["content"] == "<p>Hello.</p>"
        async with node.db.session() as session:
            obj = await session.merge(note)
            await edit_note(session, FED, association, obj, text={"en": "Edited."})
            await session.commit()
        assert (await routed(node, path, AP)).json()["content"] == "<p>Edited.</p>"

        # association settings, from the settings page
        name = (await warm(actor_path))["name"]
        admin = node.reader()
        async with admin:
            await sign_in(admin, *ADMIN)
            page = f"/admin/{SLUG}/settings"
            saved = await submit(admin, page, page, {"name": "Renamed", "summary": "New words."})
            assert saved.status_code == 303, saved.text
        renamed = (await routed(node, actor_path, AP)).json()
        assert (name, renamed["name"]) == ("Tunis Migrants", "Renamed")
        assert "New words." in renamed["summary"]

        # key rotation
        key = (await warm(actor_path))["publicKey"]["publicKeyPem"]
        async with node.db.session() as session:
            await rotate_key(session, await get_association(session, SLUG))
            await session.commit()
        rotated = (await routed(node, actor_path, AP)).json()["publicKey"]["publicKeyPem"]
        assert rotated != key

        # NodeInfo counts, then a delete: a tombstone, itself kept
        nodeinfo = "/nodeinfo/2.1"
        assert (await warm(nodeinfo))["usage"]["localPosts"] == 1
        await warm(path)
        async with node.db.session() as session:
            await delete_object(session, FED, association, await session.merge(note))
            await session.commit()
        gone = await routed(node, path, AP)
        assert (gone.status_code, gone.json()["type"]) == (410, "Tombstone")
        assert same_response(gone, await fast(node, path, AP))
        assert (await routed(node, nodeinfo, {})).json()["usage"]["localPosts"] == 0

        # A change made by another process (`db`) is seen within the check interval.
        node.app.state.federation.rendered.check_seconds = 0
        await warm(actor_path)
        async with db.session() as session:
            await rotate_key(session, await get_association(session, SLUG))
            await session.commit()
        assert (await node.client.get(actor_path, headers=AP)).json()["publicKey"][
            "publicKeyPem"
        ] != rotated


async def test_signed_requests_and_authorized_fetch_take_the_checked_path(
    settings: Settings, association: Actor, remote_actor: RemoteActor
) -> None:
    async with serving(settings, authorized_fetch=True, render_cache_check_seconds=60) as node:
        note = await node.publish("Hello.")
        path = httpx.URL(note.ap_id).path
        url = f"{settings.base_url}{path}"
        for _ in range(2):  # kept after the first, yet checked each time
            assert (await routed(node, path, signed(remote_actor, url))).status_code == 200
        unsigned = await node.client.get(path, headers=AP)
        assert unsigned.status_code == 401  # never the kept document
        for _ in range(2):  # actor documents stay readable unsigned, through the routes
            assert (await routed(node, f"/@{SLUG}", AP)).status_code == 200
            assert (await routed(node, "/nodeinfo/2.1", {})).status_code == 200
    async with serving(settings, render_cache_check_seconds=60) as node:
        for kept in (path, f"/@{SLUG}"):
            await node.client.get(kept, headers=AP)
            await fast(node, kept, AP)
        admin = node.reader()
        async with admin:
            await sign_in(admin, *ADMIN)
            page = "/admin/moderation"
            done = await submit(admin, page, f"{page}/blocks", {"target": remote_actor.domain})
            assert done.status_code == 303, done.text
        # The gate refuses the blocked signer before the fast path is asked.
        for blocked in (path, f"/@{SLUG}"):
            refused = await node.client.get(
                blocked, headers=signed(remote_actor, f"{settings.base_url}{blocked}")
            )
            assert refused.status_code == 403


# --- the anonymous page cache --------------------------------------------------------------


PAGES = ["/", f"/@{SLUG}", f"/@{SLUG}?kind=note", "/agenda"]


async def test_public_pages_are_kept_byte_for_byte_and_changes_show_at_once(node: Node) -> None:
    note = await node.publish("First words.")
    object_path = httpx.URL(note.ap_id).path
    for path in [*PAGES, object_path]:
        built = await routed(node, path, HTML)
        assert built.status_code == 200, path
        kept = await fast(node, path, HTML)
        assert same_response(built, kept), path
        assert "Accept-Language" in kept.headers["vary"] and "Cookie" in kept.headers["vary"]
    assert "First words." in (await fast(node, "/", HTML)).text

    second = await node.publish("Second words.")
    assert len(node.app.state.page_cache) == 0  # the agenda too: any change drops every page
    for path in PAGES[:3]:
        assert "Second words." in (await routed(node, path, HTML)).text, path
    await fast(node, "/", HTML)
    async with node.db.session() as session:
        actor = await get_association(session, SLUG)
        await delete_object(session, FED, actor, await session.merge(second))
        await session.commit()
    assert "Second words." not in (await routed(node, "/", HTML)).text
    # A rolled-back change leaves kept pages alone.
    await fast(node, "/", HTML)
    async with node.db.session() as session:
        actor = await get_association(session, SLUG)
        await publish_note(session, Uris(str(node.client.base_url)), FED, actor, text={"en": "x"})
        await session.rollback()
    await fast(node, "/", HTML)
    # Errors and ActivityStreams are never kept as pages.
    for _ in range(2):
        await routed(node, "/@nobody", HTML)
        await routed(node, f"/@{SLUG}/objects/nothing", HTML)
    assert (await routed(node, f"/@{SLUG}", AP)).json()["type"] == "Organization"
    await routed(node, f"/@{SLUG}", HTML)
    assert "<html" in (await fast(node, f"/@{SLUG}", HTML)).text  # kept apart from the JSON
    assert (await fast(node, f"/@{SLUG}", AP)).json()["type"] == "Organization"


async def test_languages_do_not_mix(node: Node) -> None:
    asked = [
        {"Accept": "text/html", "Accept-Language": "fr"},
        {"Accept": "text/html", "Accept-Language": "ar, en;q=0.5"},
        {"Accept": "text/html"},
    ]
    pages = [await routed(node, "/", headers) for headers in asked]
    langs = [page.text.split('<html lang="', 1)[1][:2] for page in pages]
    assert langs == ["fr", "ar", "en"]
    for headers, page in zip(asked, pages, strict=True):
        assert same_response(await fast(node, "/", headers), page)
    assert '<html lang="es"' in (await routed(node, "/?lang=es", HTML)).text
    node.client.cookies.set("lang", "it")
    assert '<html lang="it"' in (await routed(node, "/", HTML)).text
    assert '<html lang="it"' in (await fast(node, "/", HTML)).text
    node.client.cookies.clear()
    assert '<html lang="en"' in (await fast(node, "/", HTML)).text


async def test_signed_in_readers_and_other_cookies_never_get_a_kept_page(node: Node) -> None:
    await node.publish("Hello.")
    for path in PAGES:
        await node.client.get(path, headers=HTML)
        await fast(node, path, HTML)
    admin = node.reader()
    async with admin:
        await sign_in(admin, *ADMIN)
        for path in PAGES:
            before = len(node.routed)
            page = await admin.get(path, headers=HTML)
            assert page.status_code == 200
            assert node.routed[before:] == [path.split("?")[0]], f"{path} was kept"
    # The agenda's zone cookie changes the page; a reply setting a cookie is not kept.
    node.client.cookies.set("tz", "America/Argentina/Buenos_Aires")
    await routed(node, "/agenda", HTML)
    node.client.cookies.clear()
    for _ in range(2):
        await routed(node, "/agenda?tz=Europe/Rome", HTML)


async def test_kept_pages_expire_and_stay_bounded(node: Node) -> None:
    cache = node.app.state.page_cache
    await routed(node, "/agenda", HTML)
    await fast(node, "/agenda", HTML)
    cache.ttl_seconds = 0
    await routed(node, "/agenda", HTML)
    cache.ttl_seconds = 60
    cache.entries = 2
    for query in ("?a=1", "?a=2", "?a=3"):
        await routed(node, "/" + query, HTML)
    assert len(cache) == 2
    await routed(node, "/?a=1", HTML)  # the oldest went first
    cache.clear()
    cache.max_bytes = None
    await routed(node, "/?b=1", HTML)
    one = cache.size_bytes
    cache.max_bytes = one + one // 2
    await routed(node, "/?b=2", HTML)
    assert (len(cache), cache.size_bytes) == (1, one)
    await routed(node, "/?b=1", HTML)
    cache.max_bytes = 1  # larger than the bound: not kept at all
    await routed(node, "/?b=3", HTML)
    await routed(node, "/?b=3", HTML)


async def test_the_pages_generation_moves_with_what_pages_show_only(node: Node) -> None:
    """Other processes learn of a change from the `pages` counter; writes no page reads (a
    domain's health, without its block) leave kept pages alone."""

    async def generation() -> int:
        async with node.db.session() as session:
            value = await session.scalar(
                select(NodeCounter.value).where(NodeCounter.name == PAGES_GENERATION)
            )
        return int(value or 0)

    await routed(node, "/", HTML)
    before = await generation()
    async with node.db.session() as session:
        session.add(DomainHealth(domain="peer.test", failure_days=["2026-12-01"]))
        await session.commit()
    async with node.db.session() as session:
        health = await session.get(DomainHealth, "peer.test")
        assert health is not None
        health.failure_days = ["2026-12-01", "2026-12-02"]
        await session.commit()
    started = datetime.now(UTC)
    await beat(node.db, "worker-1", started, started)  # its first beat makes its row
    await beat(node.db, "worker-1", started, started + timedelta(seconds=15))
    await fast(node, "/", HTML)
    assert await generation() == before
    async with node.db.session() as session:
        health = await session.get(DomainHealth, "peer.test")
        assert health is not None
        health.blocked = True
        await session.commit()
    assert await generation() == before + 1
    await routed(node, "/", HTML)
    await fast(node, "/", HTML)

    # A commit by another process reaches this one through the counter alone.
    node.app.state.page_cache.check_seconds = 0
    async with node.db.engine.begin() as connection:
        await connection.execute(
            update(NodeCounter)
            .where(NodeCounter.name == PAGES_GENERATION)
            .values(value=NodeCounter.value + 1)
        )
    await routed(node, "/", HTML)
    await fast(node, "/", HTML)


async def test_readers_arriving_while_a_page_is_built_wait_for_that_rendering(node: Node) -> None:
    await node.publish("Hello.")
    await routed(node, "/agenda", HTML)  # the first request reads the generation
    pages = await asyncio.gather(*(node.client.get("/", headers=HTML) for _ in range(8)))
    assert node.routed == ["/agenda", "/"]
    assert all(same_response(page, pages[0]) for page in pages)
    assert "Hello." in pages[0].text
