"""Follow, Accept and Reject."""

from __future__ import annotations

from sqlalchemy import select

from migrantnet.federation.follows import accept_follow, reject_follow, set_state
from migrantnet.federation.handlers.base import Inbound
from migrantnet.models import Actor, ActorType, Follow, FollowState, InboxState


async def handle_follow(inbound: Inbound) -> InboxState:
    target = await inbound.local_actor(inbound.activity.object_id)
    if target is None or inbound.activity.ap_id is None:
        return InboxState.IGNORED
    session = inbound.session
    follow = await session.scalar(
        select(Follow).where(
            Follow.follower_id == inbound.sender.id, Follow.followed_id == target.id
        )
    )
    removed = False
    if follow is None:
        follow = Follow(
            follower_id=inbound.sender.id, followed_id=target.id, ap_id=inbound.activity.ap_id
        )
        session.add(follow)
    else:
        # A repeated Follow (say after the follower lost its state): keep the newest id, since
        # the follower matches our Accept against it.
        follow.ap_id = inbound.activity.ap_id
        # a member a group's moderators removed asks again: they decide, not the open door
        removed = follow.state == FollowState.REJECTED and target.type == ActorType.GROUP
        if follow.state in (FollowState.REJECTED, FollowState.UNDONE):
            set_state(follow, FollowState.PENDING)
    await session.flush()
    if target.moved_to and follow.state != FollowState.ACCEPTED:
        # it moved to another node (`federation/moves.py`): new followers go there, as Mastodon
        await reject_follow(session, inbound.fed, follow)
        return InboxState.DONE
    if follow.state == FollowState.ACCEPTED or not (target.manually_approves_followers or removed):
        # Also when already accepted: answer again, as Mastodon fast-forwards a repeat Follow.
        await accept_follow(session, inbound.fed, follow)
    return InboxState.DONE


async def _our_follow(inbound: Inbound) -> Follow | None:
    """The Follow of ours that an Accept/Reject answers: by its id, else by who follows whom."""
    session = inbound.session
    object_id = inbound.activity.object_id
    if object_id:
        follow = await session.scalar(
            select(Follow).where(Follow.ap_id == object_id, Follow.followed_id == inbound.sender.id)
        )
        if follow is not None:
            return follow
    embedded = inbound.activity.object or {}
    follower_id = embedded.get("actor") if isinstance(embedded, dict) else None
    if not isinstance(follower_id, str):
        return None
    return await session.scalar(
        select(Follow)
        .join(Actor, Actor.id == Follow.follower_id)
        .where(
            Actor.ap_id == follower_id,
            Actor.local.is_(True),
            Follow.followed_id == inbound.sender.id,
        )
    )


async def handle_accept(inbound: Inbound) -> InboxState:
    follow = await _our_follow(inbound)
    if follow is None or follow.state != FollowState.PENDING:
        return InboxState.IGNORED
    set_state(follow, FollowState.ACCEPTED)
    return InboxState.DONE


async def handle_reject(inbound: Inbound) -> InboxState:
    follow = await _our_follow(inbound)
    if follow is None or follow.state not in (FollowState.PENDING, FollowState.ACCEPTED):
        return InboxState.IGNORED
    set_state(follow, FollowState.REJECTED)
    return InboxState.DONE
