"""Rows of the social graph for tests that need a follower or a followed actor but no peer
server: a remote Person (never fetched: its host is not on loopback) and its accepted Follow,
or a peer's organisation stored from its actor document and followed by one of ours."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.federation.actors import store_actor
from migrantnet.federation.parse import parse_actor
from migrantnet.models import Actor, Follow, FollowState

PEER = "https://peer.example"


async def remote_follower(session: AsyncSession, followed: Actor, name: str = "rita") -> Actor:
    person = Actor(
        ap_id=f"{PEER}/users/{name}",
        type="Person",
        username=name,
        domain="peer.example",
        inbox_url=f"{PEER}/users/{name}/inbox",
    )
    session.add(person)
    await session.flush()
    session.add(
        Follow(
            ap_id=f"{PEER}/follows/{name}",
            follower_id=person.id,
            followed_id=followed.id,
            state=FollowState.ACCEPTED,
        )
    )
    return person


def org_document(name: str, *, kind: str = "Organization", **extra: Any) -> dict[str, Any]:
    """A peer's actor document (never fetched: its host is not on loopback)."""
    ap_id = f"{PEER}/actors/{name}"
    return {
        "id": ap_id,
        "type": kind,
        "preferredUsername": name,
        "name": name.capitalize(),
        "inbox": f"{ap_id}/inbox",
        **extra,
    }


async def peer_actor(session: AsyncSession, document: dict[str, Any]) -> Actor:
    """A peer's actor stored from its document as a fetch would (`store_actor`)."""
    return await store_actor(session, parse_actor(document), datetime.now(UTC))


async def followed_remote(
    session: AsyncSession,
    follower: Actor,
    document: dict[str, Any],
    state: FollowState = FollowState.ACCEPTED,
) -> Actor:
    """A peer's actor stored from its document (`peer_actor`), followed by one of ours in
    `state`."""
    followed = await peer_actor(session, document)
    session.add(
        Follow(
            ap_id=f"{follower.ap_id}/follows/{followed.id}",
            follower_id=follower.id,
            followed_id=followed.id,
            state=state,
        )
    )
    await session.flush()
    return followed
