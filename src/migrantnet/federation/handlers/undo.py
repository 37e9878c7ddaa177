"""Undo of a Follow, Like, Announce, Block, Join or Lock, matched by the undone activity's
id or shape."""

from __future__ import annotations

from sqlalchemy import delete, select

from migrantnet.federation.follows import set_state
from migrantnet.federation.handlers.base import Inbound
from migrantnet.federation.handlers.joins import undo_join
from migrantnet.federation.handlers.locks import undo_lock
from migrantnet.models import ActorBlock, Follow, FollowState, InboxState, Interaction


async def handle_undo(inbound: Inbound) -> InboxState:
    session = inbound.session
    inner = inbound.activity.object or {}
    inner_id = inbound.activity.object_id
    kind = inner.get("type") if isinstance(inner, dict) else None

    if kind == "Join" and isinstance(inner, dict):
        return await undo_join(inbound, inner)
    if kind == "Lock" and isinstance(inner, dict):
        return await undo_lock(inbound, inner)

    if kind in (None, "Follow"):
        follow = None
        if inner_id:
            follow = await session.scalar(
                select(Follow).where(
                    Follow.ap_id == inner_id, Follow.follower_id == inbound.sender.id
                )
            )
        if follow is None and kind == "Follow":
            # Gancio's Undo omits the inner actor; match by who follows which of ours.
            target = await inbound.local_actor(_inner_object(inner))
            if target is not None:
                follow = await session.scalar(
                    select(Follow).where(
                        Follow.follower_id == inbound.sender.id, Follow.followed_id == target.id
                    )
                )
        if follow is not None:
            if follow.state in (FollowState.PENDING, FollowState.ACCEPTED):
                set_state(follow, FollowState.UNDONE)
            return InboxState.DONE

    if kind in (None, "Like", "Announce") and inner_id:
        result = await session.execute(
            delete(Interaction).where(
                Interaction.ap_id == inner_id, Interaction.actor_id == inbound.sender.id
            )
        )
        if result.rowcount:  # type: ignore[attr-defined]
            return InboxState.DONE

    if kind in (None, "Block") and inner_id:
        result = await session.execute(
            delete(ActorBlock).where(
                ActorBlock.ap_id == inner_id, ActorBlock.actor_id == inbound.sender.id
            )
        )
        if result.rowcount:  # type: ignore[attr-defined]
            return InboxState.DONE
    return InboxState.IGNORED


def _inner_object(inner: object) -> str | None:
    if not isinstance(inner, dict):
        return None
    value = inner.get("object")
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None
