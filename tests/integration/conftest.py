"""Fixtures for talking to the node as a remote peer would: peers, the node, its services."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from browser_forms import signed_in
from federation_peer import ASSOCIATION_SLUG, PeerServer, RemoteActor, pooled_key_pair
from node_snapshot import initialised_node

from migrantnet.config import Settings
from migrantnet.content.node import NodeSetup
from migrantnet.db import Database
from migrantnet.federation.service import Federation
from migrantnet.models import Actor
from migrantnet.uris import Uris

MakeRemoteActor = Callable[..., RemoteActor]


@pytest.fixture(scope="session")
def shared_peer_server() -> Iterator[PeerServer]:
    """One peer host for the whole run; each test's actors live under a namespace of their own."""
    server = PeerServer().start()
    yield server
    server.stop()


@pytest.fixture
def make_peer_server() -> Iterator[Callable[[], PeerServer]]:
    """Another peer host, for a test that needs two (a different domain)."""
    started: list[PeerServer] = []

    def make() -> PeerServer:
        server = PeerServer().start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def make_remote_actor(
    shared_peer_server: PeerServer, make_peer_server: Callable[[], PeerServer]
) -> MakeRemoteActor:
    """`make_remote_actor("bob", own_server=True)`: another account, on its own host if asked."""
    namespace = uuid.uuid4().hex[:12]
    made = 0

    def make(
        username: str = "bob",
        *,
        own_server: bool = False,
        also_known_as: list[str] | None = None,
    ) -> RemoteActor:
        nonlocal made
        private_pem, public_pem = pooled_key_pair(made)
        made += 1
        return RemoteActor(
            server=make_peer_server() if own_server else shared_peer_server,
            username=username,
            private_pem=private_pem,
            public_pem=public_pem,
            also_known_as=list(also_known_as or []),
            namespace=namespace,
        )

    return make


@pytest.fixture
def remote_actor(make_remote_actor: MakeRemoteActor) -> RemoteActor:
    return make_remote_actor("alice")


@pytest.fixture
async def association(db: Database, uris: Uris) -> Actor:
    """The node initialised with its first association, `tunis_migrants`; its actor."""
    return await initialised_node(
        db,
        uris,
        NodeSetup(
            slug=ASSOCIATION_SLUG,
            name="Tunis Migrants",
            admin_email="admin@node-a.test",
            admin_password="correct horse battery",
        ),
    )


@pytest.fixture
async def fed(settings: Settings, db: Database) -> AsyncIterator[Federation]:
    """The node's federation service, for setting up what a test needs (our own follows)."""
    federation = Federation(settings, db)
    yield federation
    await federation.aclose()


@pytest.fixture
async def admin(
    settings: Settings, db: Database, association: Actor
) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in through the sign-in form as the association's admin."""
    async with signed_in(settings, "admin@node-a.test", "correct horse battery") as client:
        yield client


@pytest.fixture
def editor(admin: httpx.AsyncClient) -> httpx.AsyncClient:
    """The pages of authoring see the admin as an editor (the role includes it)."""
    return admin
