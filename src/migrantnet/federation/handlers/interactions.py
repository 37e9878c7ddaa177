"""Announce, Like, Block, Flag and Move."""

from __future__ import annotations

import logging

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from migrantnet.federation.actors import ActorUnavailable, get_or_fetch_actor
from migrantnet.federation.follows import follow_remote, unfollow
from migrantnet.federation.handlers.base import Inbound
from migrantnet.federation.handlers.groups import handle_group_announce, wrapped_activity
from migrantnet.federation.handlers.locks import handle_announced_lock
from migrantnet.federation.handlers.objects import sender_is_followed, store_announced
from migrantnet.federation.normalize import ids
from migrantnet.logs import log_event
from migrantnet.models import (
    Actor,
    ActorBlock,
    Follow,
    FollowState,
    InboxState,
    Interaction,
    Report,
)
from migrantnet.models.lifecycle import advance, may_advance

logger = logging.getLogger("migrantnet.federation.handlers")


async def _store_interaction(inbound: Inbound, kind: str, *, remote_ok: bool = False) -> InboxState:
    object_id = inbound.activity.object_id
    if not object_id or inbound.activity.ap_id is None:
        return InboxState.IGNORED
    if not remote_ok and not inbound.fed.uris.is_local(object_id):
        return InboxState.IGNORED  # boosts and likes of others' posts are not ours to count
    session = inbound.session
    try:
        async with session.begin_nested():
            session.add(
                Interaction(
                    ap_id=inbound.activity.ap_id,
                    type=kind,
                    actor_id=inbound.sender.id,
                    object_ap_id=object_id,
                )
            )
    except IntegrityError:
        return InboxState.IGNORED
    return InboxState.DONE


async def handle_announce(inbound: Inbound) -> InboxState:
    """A boost of ours is counted; a share by an actor we follow brings the object to us; a
    group we follow relays a member's activity (FEP-1b12), or its moderator's `Lock`."""
    inner = inbound.activity.object
    wrapped = wrapped_activity(inner)
    if wrapped is not None and inner is not None:
        return await handle_group_announce(inbound, wrapped, inner)
    if inner is not None and (locking := await handle_announced_lock(inbound, inner)) is not None:
        return locking
    object_id = inbound.activity.object_id
    if object_id and not inbound.fed.uris.is_local(object_id):
        if not await sender_is_followed(inbound) or not await store_announced(inbound, object_id):
            return InboxState.IGNORED
        return await _store_interaction(inbound, "Announce", remote_ok=True)
    return await _store_interaction(inbound, "Announce")


async def handle_like(inbound: Inbound) -> InboxState:
    return await _store_interaction(inbound, "Like")


async def handle_block(inbound: Inbound) -> InboxState:
    """A remote actor blocks one of ours: stop delivering to them and end follows both ways."""
    target = await inbound.local_actor(inbound.activity.object_id)
    if target is None or inbound.activity.ap_id is None:
        return InboxState.IGNORED
    session = inbound.session
    exists = await session.scalar(
        select(ActorBlock.id).where(
            ActorBlock.actor_id == inbound.sender.id, ActorBlock.target_id == target.id
        )
    )
    if exists is None:
        session.add(
            ActorBlock(
                ap_id=inbound.activity.ap_id, actor_id=inbound.sender.id, target_id=target.id
            )
        )
    follows = await session.scalars(
        select(Follow).where(
            or_(
                (Follow.follower_id == inbound.sender.id) & (Follow.followed_id == target.id),
                (Follow.follower_id == target.id) & (Follow.followed_id == inbound.sender.id),
            )
        )
    )
    for follow in follows:  # a refused follow stays refused; the others end
        if may_advance(follow, FollowState.UNDONE):
            advance(follow, FollowState.UNDONE)
    return InboxState.DONE


async def handle_flag(inbound: Inbound) -> InboxState:
    """Reports are kept for the node's moderators; nothing is acted on automatically."""
    targets = [item for item in ids(inbound.payload.get("object")) if item]
    if not targets:
        return InboxState.IGNORED
    content = inbound.payload.get("content")
    inbound.session.add(
        Report(
            ap_id=inbound.activity.ap_id or f"urn:flag:{inbound.sender.ap_id}:{len(targets)}",
            reporter_id=inbound.sender.id,
            target_ap_ids=targets[:100],
            content=content[:10000] if isinstance(content, str) else None,
        )
    )
    log_event(logger, "report_received", domain=inbound.sender.domain)
    return InboxState.DONE


async def handle_move(inbound: Inbound) -> InboxState:
    """An account moved: each of ours that followed the old one follows the new one and
    stops following the old, once the new account confirms the move (its alsoKnownAs, fetched
    afresh, names the old), as Mastodon does."""
    sender = inbound.sender
    target_id = inbound.activity.target
    if inbound.activity.object_id != sender.ap_id or not target_id:
        return InboxState.IGNORED
    try:
        target = await get_or_fetch_actor(inbound.session, inbound.fed, target_id, refresh=True)
    except ActorUnavailable:
        return InboxState.IGNORED
    if target.id == sender.id or sender.ap_id not in (target.also_known_as or []):
        log_event(logger, "move_unconfirmed", domain=sender.domain)
        return InboxState.IGNORED
    sender.moved_to = target.ap_id
    followers = await inbound.session.scalars(
        select(Actor)
        .join(Follow, Follow.follower_id == Actor.id)
        .where(
            Follow.followed_id == sender.id,
            Follow.state == FollowState.ACCEPTED,
            Actor.local.is_(True),
        )
    )
    for local in list(followers):
        if target.local:
            continue  # an account moving to one of ours: its followers here stay as they are
        await follow_remote(inbound.session, inbound.fed, local, target.ap_id)
        await unfollow(inbound.session, inbound.fed, local, sender)
    log_event(logger, "move_followed", domain=sender.domain, target_domain=target.domain)
    return InboxState.DONE
