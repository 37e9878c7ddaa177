"""What an association lets be shown under its objects: peers' replies held, approved, hidden.

A reply from another server is a remote object like any other; the thread it is in belongs
to the association that wrote the thread's first object (found once, when the reply is
first stored: `replies.thread_owner`). An association that
holds replies (`Actor.hold_replies`) sees every new reply wait until one of its moderators
approves it, except those of accounts it follows itself (as GoToSocial lets an interaction
policy trust whom one follows). Its moderators may also hide any reply, or show it again.
A held or hidden reply is in no thread, `replies` collection, count or search result; every
decision has its line in the audit trail.

The peer is told nothing: there is no widely understood activity for "your reply is waiting"
(GoToSocial's interaction policies are not read by Mastodon), so the reply simply appears
when approved, as on a moderated blog.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.content.moderation import Moderator, record_action
from migrantnet.content.replies import thread_owner
from migrantnet.models import Actor, ContentObject, Follow, FollowState, ReplyState
from migrantnet.models.lifecycle import InvalidTransition, check_transition
from migrantnet.translations import N_

MAX_LISTED = 200
# The audit trail's name for each decision, by the state it moves from and to.
ACTION_OF = {
    (ReplyState.HELD, ReplyState.SHOWN): "reply_approved",
    (ReplyState.HELD, ReplyState.HIDDEN): "reply_hidden",
    (ReplyState.SHOWN, ReplyState.HIDDEN): "reply_hidden",
    (ReplyState.HIDDEN, ReplyState.SHOWN): "reply_shown",
}


def set_reply_policy(actor: Actor, *, hold: bool) -> bool:
    """Hold new replies for approval, or show them at once; True when it changed. Replies
    already stored keep their state: releasing the queue is each moderator's decision."""
    changed = actor.hold_replies != hold
    actor.hold_replies = hold
    return changed


async def _follows(session: AsyncSession, follower: Actor, followed_id: int) -> bool:
    found = await session.scalar(
        select(Follow.id).where(
            Follow.follower_id == follower.id,
            Follow.followed_id == followed_id,
            Follow.state == FollowState.ACCEPTED,
        )
    )
    return found is not None


async def place_new_reply(session: AsyncSession, reply: ContentObject) -> None:
    """Set the thread a newly stored reply is in, and hold it if its owner says so: a peer's,
    or one of another association of this node (an association's own replies are its own)."""
    if not reply.in_reply_to:
        return
    owner = await thread_owner(session, reply.in_reply_to)
    if owner is None or owner.id == reply.actor_id:
        return
    reply.thread_owner_id = owner.id
    if owner.hold_replies and not await _follows(session, owner, reply.actor_id):
        reply.reply_state = ReplyState.HELD


async def replies_of(
    session: AsyncSession, owner: Actor, state: ReplyState, *, limit: int = MAX_LISTED
) -> list[tuple[ContentObject, Actor]]:
    """Peers' replies in the owner's threads in one state: the held ones oldest first (a
    queue), the others newest first."""
    order = (
        (ContentObject.published_at, ContentObject.id)
        if state == ReplyState.HELD
        else (ContentObject.published_at.desc(), ContentObject.id.desc())
    )
    rows = await session.execute(
        select(ContentObject, Actor)
        .join(Actor, Actor.id == ContentObject.actor_id)
        .where(
            ContentObject.thread_owner_id == owner.id,
            ContentObject.reply_state == state,
            ContentObject.deleted_at.is_(None),
        )
        .order_by(*order)
        .limit(limit)
    )
    return [(obj, actor) for obj, actor in rows]


async def count_held(session: AsyncSession, owner: Actor) -> int:
    held = select(func.count(ContentObject.id)).where(
        ContentObject.thread_owner_id == owner.id,
        ContentObject.reply_state == ReplyState.HELD,
        ContentObject.deleted_at.is_(None),
    )
    return await session.scalar(held) or 0


async def decide_reply(
    session: AsyncSession,
    moderator: Moderator,
    owner: Actor,
    reply_ap_id: str,
    state: ReplyState,
    *,
    now: datetime | None = None,
) -> ContentObject:
    """Show (approve), hide or show again a reply in one of `owner`'s threads."""
    reply = await session.scalar(
        select(ContentObject).where(
            ContentObject.ap_id == reply_ap_id,
            ContentObject.thread_owner_id == owner.id,
            ContentObject.deleted_at.is_(None),
        )
    )
    if reply is None:
        raise NotFound(f"no reply {reply_ap_id!r} under the objects of {owner.slug}")
    try:
        check_transition(reply.reply_state, state)
    except InvalidTransition:
        raise InvalidInput("state", N_("this reply was already decided")) from None
    current = ReplyState(reply.reply_state)
    if current != state:
        reply.reply_state = state
        action = ACTION_OF[(current, state)]
        record_action(session, moderator, action, reply_ap_id, owner.ap_id, now=now)
        await session.flush()
    return reply
