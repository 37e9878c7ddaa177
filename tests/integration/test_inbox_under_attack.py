"""The inbox under attack (issue 9, items 2 and 7): key hosts that never answer hold no
database connection, failed key fetches are remembered, fresh key ids per host are limited,
verified senders are rate limited per actor and per domain (429 with Retry-After).
Real app, real peers over loopback HTTP, real keys, a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from federation_peer import INBOX, RemoteActor, count

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.federation.inbox_guard import InboxGuard
from migrantnet.models import Actor, InboxActivity
from suite_settings import suite_settings

MakeRemoteActor = Callable[..., RemoteActor]
ACTOR_LIMIT = 5
DOMAIN_LIMIT = 8
KEY_FETCH_LIMIT = 4


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The suite's settings with small limits, so they are reached in a few requests."""
    return suite_settings(
        tmp_path,
        database_url,
        inbox_actor_per_minute=ACTOR_LIMIT,
        inbox_domain_per_minute=DOMAIN_LIMIT,
        inbox_key_fetches_per_minute=KEY_FETCH_LIMIT,
    )


class Node:
    def __init__(self, client: httpx.AsyncClient, database: Database) -> None:
        self.client = client
        self.database = database  # the app's own engine: its pool is what an attack drains


@pytest.fixture
async def node(settings: Settings, db: Database) -> AsyncIterator[Node]:
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        # The limits on a clock that stands still: what a test sends in a few (loaded) seconds
        # must not be refilled meanwhile, or the counts would depend on the machine's speed.
        app.state.federation.inbox_guard = InboxGuard(
            actor_per_minute=settings.inbox_actor_per_minute,
            domain_per_minute=settings.inbox_domain_per_minute,
            key_fetches_per_minute=settings.inbox_key_fetches_per_minute,
            failed_key_seconds=settings.inbox_failed_key_minutes * 60,
            clock=lambda: 1000.0,
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            yield Node(client, app.state.db)


class SilentHost:
    """A loopback server that accepts connections and never answers a byte."""

    def __init__(self) -> None:
        self.connections: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> SilentHost:
        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections.append(writer)

        self.server = await asyncio.start_server(hold, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    def key_id(self) -> str:
        return f"http://127.0.0.1:{self.port}/users/{uuid.uuid4().hex[:8]}#main-key"

    def hang_up(self) -> None:
        for writer in self.connections:
            writer.transport.abort()

    async def stop(self) -> None:
        self.hang_up()
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
async def silent_hosts() -> AsyncIterator[list[SilentHost]]:
    """Four of them: each takes only as many fresh key ids as the per-host fetch limit."""
    hosts = [await SilentHost().start() for _ in range(4)]
    yield hosts
    for host in hosts:
        await host.stop()


async def wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


# -- 2: no database connection held across a network call ------------------------------------


async def test_key_hosts_that_never_answer_hold_no_database_connection(
    node: Node, association: Actor, remote_actor: RemoteActor, silent_hosts: list[SilentHost]
) -> None:
    # 16 requests at once: more than the pool's 5 connections + 10 overflow.
    key_ids = [host.key_id() for host in silent_hosts for _ in range(KEY_FETCH_LIMIT)]
    posts = [
        asyncio.create_task(
            remote_actor.signed_post(
                node.client, INBOX, remote_actor.activity("Follow", association.ap_id), key_id=k
            )
        )
        for k in key_ids
    ]

    def waiting() -> int:
        return sum(len(host.connections) for host in silent_hosts)

    # Every request is now inside its key fetch, waiting on a silent host.
    await wait_for(lambda: waiting() >= len(key_ids))
    for engine in {node.database.engine, node.database.write_engine}:
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    page = await node.client.get(f"/@{association.slug}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert not any(post.done() for post in posts)

    for host in silent_hosts:
        host.hang_up()
    answers = await asyncio.gather(*posts)
    assert {answer.status_code for answer in answers} == {401}
    assert await count(node.database, InboxActivity) == 0


# -- 7: failed key fetches are remembered; fresh key ids per host are limited -------------------


async def test_a_key_that_could_not_be_fetched_is_not_fetched_again_soon(
    node: Node, association: Actor, remote_actor: RemoteActor
) -> None:
    missing = remote_actor.server.url(f"/{uuid.uuid4().hex}/users/ghost")  # answers 404
    for _ in range(3):
        answer = await remote_actor.signed_post(
            node.client,
            INBOX,
            remote_actor.activity("Follow", association.ap_id),
            key_id=f"{missing}#main-key",
        )
        assert answer.status_code == 401
    assert remote_actor.server.gets(missing) == 1


async def test_fresh_key_ids_on_one_host_are_fetched_only_so_often(
    node: Node, association: Actor, remote_actor: RemoteActor
) -> None:
    prefix = f"/{uuid.uuid4().hex}/users/"
    statuses = []
    for i in range(KEY_FETCH_LIMIT + 3):
        answer = await remote_actor.signed_post(
            node.client,
            INBOX,
            remote_actor.activity("Follow", association.ap_id),
            key_id=remote_actor.server.url(f"{prefix}u{i}#main-key"),
        )
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert int(answer.headers["retry-after"]) >= 1
    assert statuses == [401] * KEY_FETCH_LIMIT + [429] * 3
    assert len(remote_actor.server.seen_under(prefix)) == KEY_FETCH_LIMIT


# -- 7: verified senders are rate limited per actor and per domain -----------------------------


async def test_one_actor_past_its_limit_gets_429_with_retry_after_and_nothing_is_stored(
    node: Node, association: Actor, make_remote_actor: MakeRemoteActor
) -> None:
    peer = make_remote_actor("flood", own_server=True)
    statuses = []
    for _ in range(ACTOR_LIMIT + 3):
        answer = await peer.signed_post(
            node.client, INBOX, peer.activity("Follow", association.ap_id)
        )
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert 1 <= int(answer.headers["retry-after"]) <= 60
            assert "too many" in answer.json()["error"]
    assert statuses == [202] * ACTOR_LIMIT + [429] * 3
    assert await count(node.database, InboxActivity) == ACTOR_LIMIT
    # Another actor of the same host still gets through: the limit is per actor.
    other = RemoteActor(
        server=peer.server,
        username="calm",
        private_pem=peer.private_pem,
        public_pem=peer.public_pem,
        namespace=peer.namespace,
    )
    answer = await other.signed_post(
        node.client, INBOX, other.activity("Follow", association.ap_id)
    )
    assert answer.status_code == 202


async def test_one_domain_past_its_limit_gets_429(
    node: Node, association: Actor, make_remote_actor: MakeRemoteActor
) -> None:
    first = make_remote_actor("one", own_server=True)
    peers = [first] + [
        RemoteActor(
            server=first.server,
            username=f"u{i}",
            private_pem=first.private_pem,
            public_pem=first.public_pem,
            namespace=first.namespace,
        )
        for i in range(3)
    ]
    statuses = []
    for _ in range(3):
        for peer in peers:
            answer = await peer.signed_post(
                node.client, INBOX, peer.activity("Follow", association.ap_id)
            )
            statuses.append(answer.status_code)
    assert statuses.count(202) == DOMAIN_LIMIT
    assert statuses[DOMAIN_LIMIT:] == [429] * (len(statuses) - DOMAIN_LIMIT)
    assert await count(node.database, InboxActivity) == DOMAIN_LIMIT


async def test_unsigned_posts_naming_an_actor_do_not_spend_its_budget(
    node: Node, association: Actor, make_remote_actor: MakeRemoteActor
) -> None:
    peer = make_remote_actor("victim", own_server=True)
    forger = make_remote_actor("forger", own_server=True)
    statuses = set()
    for _ in range(ACTOR_LIMIT * 2):  # signed with another key: refused, not counted
        forged = await forger.signed_post(
            node.client, INBOX, peer.activity("Follow", association.ap_id)
        )
        statuses.add(forged.status_code)
    # 401 while the forger's key host may still be asked for its key; then 429 for that host.
    assert statuses == {401, 429}
    answer = await peer.signed_post(node.client, INBOX, peer.activity("Follow", association.ap_id))
    assert answer.status_code == 202
