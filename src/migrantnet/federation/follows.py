"""Follows in both directions: answering remote Follows, and following remote actors."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.federation.actors import parse_handle, resolve_handle
from migrantnet.federation.delivery import queue_activity
from migrantnet.federation.serialize.activities import (
    accept_activity,
    follow_activity,
    reject_activity,
    undo_activity,
)
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import Actor, ActorType, Follow, FollowState
from migrantnet.models.lifecycle import advance
from migrantnet.models.required import get_required
from migrantnet.translations import N_
from migrantnet.uris import Uris

logger = logging.getLogger("migrantnet.federation.follows")


def follow_document(follow: Follow, follower: Actor, followed: Actor) -> dict[str, str]:
    return follow_activity(follow.ap_id, follower.ap_id, followed.ap_id)


def set_state(follow: Follow, state: FollowState) -> None:
    advance(follow, state)


async def _answer_follow(
    session: AsyncSession, fed: Federation, follow: Follow, state: FollowState
) -> None:
    """Accept or Reject a remote follower, embedding their Follow verbatim: Mastodon matches
    the answer by the Follow's id."""
    follower = await get_required(session, Actor, follow.follower_id)
    followed = await get_required(session, Actor, follow.followed_id)
    set_state(follow, state)
    build = accept_activity if state == FollowState.ACCEPTED else reject_activity
    payload = build(
        fed.uris.activity(), followed.ap_id, follow_document(follow, follower, followed)
    )
    await queue_activity(session, fed, followed, payload, [follower.inbox_url])
    log_event(logger, f"follow_{state}", follower_domain=follower.domain, followed=followed.slug)


async def accept_follow(session: AsyncSession, fed: Federation, follow: Follow) -> None:
    await _answer_follow(session, fed, follow, FollowState.ACCEPTED)


async def reject_follow(session: AsyncSession, fed: Federation, follow: Follow) -> None:
    await _answer_follow(session, fed, follow, FollowState.REJECTED)


async def follow_remote(
    session: AsyncSession, fed: Federation, follower: Actor, handle: str
) -> Follow:
    """Resolve the handle, record the follow as pending and queue a signed Follow."""
    target = await resolve_handle(session, fed, handle)
    if target.local:
        if target.type != ActorType.GROUP or target.id == follower.id:
            raise InvalidInput("handle", N_("%(handle)s is on this node"), handle=handle)
        return await join_local_group(session, fed, follower, target)
    follow = await session.scalar(
        select(Follow).where(Follow.follower_id == follower.id, Follow.followed_id == target.id)
    )
    if follow is not None and follow.state in (FollowState.PENDING, FollowState.ACCEPTED):
        return follow
    if follow is None:
        follow = Follow(
            follower_id=follower.id,
            followed_id=target.id,
            ap_id=fed.uris.activity(),
            state=FollowState.PENDING,
        )
        session.add(follow)
    else:
        set_state(follow, FollowState.PENDING)
        follow.ap_id = fed.uris.activity()
    await session.flush()
    await queue_activity(
        session, fed, follower, follow_document(follow, follower, target), [target.inbox_url]
    )
    log_event(logger, "follow_sent", follower=follower.slug, domain=target.domain)
    return follow


async def join_local_group(
    session: AsyncSession, fed: Federation, follower: Actor, group: Actor
) -> Follow:
    """An association of this node joins a group of this node: the same Follow row a remote
    member would make, accepted at once unless the group approves its members (or removed
    this one: then its moderators decide)."""
    follow = await session.scalar(
        select(Follow).where(Follow.follower_id == follower.id, Follow.followed_id == group.id)
    )
    if follow is not None and follow.state in (FollowState.PENDING, FollowState.ACCEPTED):
        return follow
    removed = follow is not None and follow.state == FollowState.REJECTED
    if follow is None:
        follow = Follow(follower_id=follower.id, followed_id=group.id, ap_id=fed.uris.activity())
        session.add(follow)
    else:
        set_state(follow, FollowState.PENDING)
        follow.ap_id = fed.uris.activity()
    await session.flush()
    if not (group.manually_approves_followers or removed):
        await accept_follow(session, fed, follow)
    log_event(logger, "group_joined_locally", group=group.slug)
    return follow


async def unfollow_remote(
    session: AsyncSession, fed: Federation, follower: Actor, handle: str
) -> Follow:
    target = await resolve_handle(session, fed, handle)
    return await unfollow(session, fed, follower, target)


async def unfollow(
    session: AsyncSession, fed: Federation, follower: Actor, target: Actor
) -> Follow:
    """Undo a follow, pending or accepted (leaving a group is this too): an `Undo{Follow}` to
    the followed actor, none when it lives on this node (the same row is its follower)."""
    follow = await session.scalar(
        select(Follow).where(Follow.follower_id == follower.id, Follow.followed_id == target.id)
    )
    if follow is None or follow.state not in (FollowState.PENDING, FollowState.ACCEPTED):
        raise NotFound(f"{follower.slug} does not follow {target.ap_id}")
    set_state(follow, FollowState.UNDONE)
    payload = undo_activity(
        Uris.undo_of(follow.ap_id), follower.ap_id, follow_document(follow, follower, target)
    )
    await queue_activity(session, fed, follower, payload, [target.inbox_url])
    log_event(logger, "follow_undone", follower=follower.slug, domain=target.domain)
    return follow


async def find_follow(
    session: AsyncSession, followed: Actor, who: str, state: FollowState
) -> Follow | None:
    """The Follow of `followed` in `state` by the actor `who` names: an actor id, or a handle
    (`@user@host`) when it is not a URL. Follow requests and group members are both found so."""
    query = (
        select(Follow)
        .join(Actor, Actor.id == Follow.follower_id)
        .where(Follow.followed_id == followed.id, Follow.state == state)
    )
    if who.startswith(("http://", "https://")):
        query = query.where(Actor.ap_id == who)
    else:
        user, host = parse_handle(who)
        query = query.where(Actor.username == user, Actor.domain == host)
    return await session.scalar(query)


async def remove_follower(
    session: AsyncSession, fed: Federation, association: Actor, follower: str
) -> Follow:
    """Mastodon's "remove follower": a Reject of their accepted Follow (an actor id or a
    handle); they may ask again later. The caller commits."""
    follow = await find_follow(session, association, follower, FollowState.ACCEPTED)
    if follow is None:
        raise NotFound(f"{follower} does not follow {association.slug}")
    await reject_follow(session, fed, follow)
    return follow


async def pending_followers(session: AsyncSession, association: Actor) -> list[Actor]:
    """Who asked to follow an association that approves its followers by hand."""
    rows = await session.scalars(
        select(Actor)
        .join(Follow, Follow.follower_id == Actor.id)
        .where(Follow.followed_id == association.id, Follow.state == FollowState.PENDING)
        .order_by(Follow.created_at)
    )
    return list(rows)


async def decide_follow_request(
    session: AsyncSession, fed: Federation, association: Actor, follower: str, *, accept: bool
) -> Follow:
    """Accept or reject a pending follower named by handle (`@user@host`) or actor id."""
    follow = await find_follow(session, association, follower, FollowState.PENDING)
    if follow is None:
        raise NotFound(f"no pending follow request from {follower} to {association.slug}")
    if accept:
        await accept_follow(session, fed, follow)
    else:
        await reject_follow(session, fed, follow)
    return follow
