"""The hidden social graph: no public or API route names a follower or a follow.

Every GET route the app has is asked (as a browser, as a server, with and without a token of
a user with no role), so a route added later is checked too. The secret accounts follow and
are followed in every state (accepted, pending, rejected), by and of the association and the
node actor, and the followed accounts have published something the network would show.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.content.associations import create_association, get_node_actor
from migrantnet.content.node import NodeSetup, initialise_node
from migrantnet.content.notes import publish_note
from migrantnet.content.tokens import create_token
from migrantnet.content.users import create_user, get_user_by_email
from migrantnet.db import Database
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, ContentObject, Follow, FollowState, Visibility
from migrantnet.uris import Uris

SECRET = "hiddenperson"  # in every secret account's name, handle and id
STATES = (FollowState.ACCEPTED, FollowState.PENDING, FollowState.REJECTED)
ACCEPTS = ("text/html", "application/activity+json", "application/json")


def _remote(n: str, domain: str = "peer.example") -> Actor:
    return Actor(
        ap_id=f"https://{domain}/users/{SECRET}{n}",
        type="Person",
        local=False,
        username=f"{SECRET}{n}",
        domain=domain,
        name=f"Hidden Person {SECRET}{n}",
        inbox_url=f"https://{domain}/users/{SECRET}{n}/inbox",
        followers_url=f"https://{domain}/users/{SECRET}{n}/followers",
    )


async def _hidden_graph(session: AsyncSession, uris: Uris, fed: Federation) -> str:
    """The node, `red` (follows hidden), its secret graph; returns a public object's id."""
    red = await initialise_node(
        session,
        uris,
        NodeSetup(
            slug="red",
            name="Red",
            admin_email="admin@node-a.test",
            admin_password="correct horse battery",
        ),
    )
    node = await get_node_actor(session)
    assert node is not None and not red.show_follows
    for local in (red, node):
        for state in STATES:
            follower = _remote(f"f{local.id}{state}")
            followed = _remote(f"g{local.id}{state}", domain="other.example")
            session.add_all([follower, followed])
            await session.flush()
            session.add_all(
                [
                    Follow(
                        ap_id=f"{follower.ap_id}/follow",
                        follower_id=follower.id,
                        followed_id=local.id,
                        state=state,
                    ),
                    Follow(
                        ap_id=f"{local.ap_id}/follows/{followed.id}",
                        follower_id=local.id,
                        followed_id=followed.id,
                        state=state,
                    ),
                ]
            )
            session.add(
                ContentObject(
                    ap_id=f"{followed.ap_id}/notes/1",
                    type="Note",
                    actor_id=followed.id,
                    visibility=Visibility.PUBLIC,
                    content_map={"en": f"<p>written by {SECRET}</p>"},
                )
            )
    note = await publish_note(
        session, uris, ActivityPubNotifier(fed), red, text={"en": "A public note"}
    )
    await create_user(session, email="outsider@node-a.test", password="x" * 12)
    await create_association(session, uris, slug="blue", name="Blue")
    await session.commit()
    return note.ap_id


@pytest.fixture
async def app(settings: Settings, db: Database) -> AsyncIterator[FastAPI]:
    application = create_app(settings, run_worker=False)
    async with application.router.lifespan_context(application):
        yield application


def _get_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every GET route, also inside included routers (FastAPI >= 0.165 keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            if "GET" in route.methods:
                yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            inner = prefix + getattr(route.include_context, "prefix", "")
            yield from _get_routes(route.original_router.routes, inner)


def _paths(app: FastAPI, public_id: str) -> list[str]:
    """Every GET route with its parameters filled in as a visitor would."""
    values = {"slug": "red", "public_id": public_id}
    paths = []
    for path, route in _get_routes(app.routes):
        for name in route.param_convertors:
            path = path.replace(f"{{{name}}}", values.get(name, "x"))
        paths.append(path)
    return paths


async def test_no_route_names_a_follower_or_a_follow(
    app: FastAPI, session: AsyncSession, uris: Uris, settings: Settings, db: Database
) -> None:
    fed = Federation(settings, db)
    note_id = await _hidden_graph(session, uris, fed)
    await fed.aclose()
    async with db.session() as s:
        outsider = await get_user_by_email(s, "outsider@node-a.test")
        no_role = await create_token(s, outsider, "no role")
        await s.commit()
    paths = _paths(app, note_id.rsplit("/", 1)[1])
    assert {"/@red/followers", "/@red/following", "/api/v1/associations/red/following"} <= set(
        paths
    )
    assert "/api/v1/associations/red/network" in paths

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
        asked = 0
        for path in paths:
            for query in ("", "?page=true"):
                for accept in ACCEPTS:
                    for auth in ({}, {"Authorization": f"Bearer {no_role}"}):
                        response = await client.get(
                            path + query, headers={"Accept": accept, **auth}
                        )
                        asked += 1
                        assert response.status_code < 500, (path, response.text[:300])
                        assert SECRET not in response.text, (path + query, accept, auth)
        assert asked > 100

        # With a role on the association, the members see their own network: the same
        # check would fail if the graph were missing from the database.
        async with db.session() as s:
            admin = await get_user_by_email(s, "admin@node-a.test")
            member = await create_token(s, admin, "member")
            await s.commit()
        member_auth = {"Authorization": f"Bearer {member}"}
        following = await client.get("/api/v1/associations/red/following", headers=member_auth)
        assert following.status_code == 200
        assert len([f for f in following.json() if SECRET in f["handle"]]) == 3
        network = await client.get("/api/v1/associations/red/network", headers=member_auth)
        assert network.status_code == 200 and SECRET in network.text
        forbidden = await client.get(
            "/api/v1/associations/red/following", headers={"Authorization": f"Bearer {no_role}"}
        )
        assert forbidden.status_code == 403
        missing = await client.get("/api/v1/associations/red/network")
        assert missing.status_code == 401


async def test_an_association_may_choose_to_show_its_follows(
    app: FastAPI, session: AsyncSession, uris: Uris, settings: Settings, db: Database
) -> None:
    fed = Federation(settings, db)
    await _hidden_graph(session, uris, fed)
    await fed.aclose()
    async with db.session() as s:
        await s.execute(update(Actor).where(Actor.slug == "red").values(show_follows=True))
        await s.commit()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
        ap = {"Accept": "application/activity+json"}
        followers = (await client.get("/@red/followers", headers=ap)).json()
        following = (await client.get("/@red/following", headers=ap)).json()
    # Shown means accepted follows only: pending and rejected requests stay private.
    assert followers["totalItems"] == 1 and len(followers["orderedItems"]) == 1
    assert SECRET in followers["orderedItems"][0]
    assert following["totalItems"] == 1 and len(following["orderedItems"]) == 1
