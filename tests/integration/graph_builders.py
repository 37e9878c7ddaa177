"""Rows of the social graph for tests that need a follower but no peer server: a remote
Person (never fetched: its host is not on loopback) and its accepted Follow."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

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
