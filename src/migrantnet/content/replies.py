"""Replies from the fediverse to our objects: the thread under an object, and its pages.

Replies are remote objects like any other (`content/remote.py`), found by their indexed
`in_reply_to`. A thread is read one level at a time (a reply to a reply nests), at most
`MAX_DEPTH` levels and `MAX_THREAD` replies, so a hostile peer cannot make a page unbounded.
Only what anyone may read is shown: public and unlisted replies (never followers-only or
direct), not deleted, by an actor not deleted and not blocked (an account or its domain), and
not held or hidden by the association whose thread it is in (`content/reply_moderation.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.listing import Cursor
from migrantnet.models import Actor, Block, BlockKind, ContentObject, ReplyState, Visibility

MAX_DEPTH = 8
MAX_THREAD = 200
SHOWN = (Visibility.PUBLIC, Visibility.UNLISTED)


def _shown_replies(parents: list[str]) -> Select:
    blocked_domains = select(Block.domain).where(Block.kind == BlockKind.DOMAIN)
    blocked_accounts = select(Block.target).where(Block.kind == BlockKind.ACCOUNT)
    return (
        select(ContentObject, Actor)
        .join(Actor, Actor.id == ContentObject.actor_id)
        .where(
            ContentObject.in_reply_to.in_(parents),
            ContentObject.deleted_at.is_(None),
            ContentObject.visibility.in_(SHOWN),
            ContentObject.reply_state == ReplyState.SHOWN,
            Actor.deleted_at.is_(None),
            Actor.domain.not_in(blocked_domains),
            Actor.ap_id.not_in(blocked_accounts),
        )
    )


async def thread(
    session: AsyncSession, root_ap_id: str, *, limit: int = MAX_THREAD
) -> list[tuple[ContentObject, Actor]]:
    """The replies under `root_ap_id`, level by level, oldest first within a level."""
    found: list[tuple[ContentObject, Actor]] = []
    parents = [root_ap_id]
    for _level in range(MAX_DEPTH):
        if not parents or len(found) >= limit:
            break
        query = _shown_replies(parents).order_by(ContentObject.published_at, ContentObject.id)
        result = await session.execute(query.limit(limit - len(found)))
        rows = [(obj, actor) for obj, actor in result]
        found += rows
        parents = [obj.ap_id for obj, _actor in rows]
    return found


async def direct_replies(
    session: AsyncSession, parent_ap_id: str, after: Cursor | None, limit: int
) -> list[ContentObject]:
    """One page of the replies to `parent_ap_id` itself (the `replies` collection), oldest
    first, strictly after `after` (keyset, so a page costs the same wherever it is)."""
    query = _shown_replies([parent_ap_id])
    if after is not None:
        query = query.where(
            tuple_(ContentObject.published_at, ContentObject.id)
            > tuple_(after.published_at, after.id)
        )
    query = query.order_by(ContentObject.published_at, ContentObject.id).limit(limit)
    return [obj for obj, _actor in await session.execute(query)]


async def count_direct_replies(session: AsyncSession, parent_ap_id: str) -> int:
    query = _shown_replies([parent_ap_id]).with_only_columns(func.count(ContentObject.id))
    return await session.scalar(query) or 0


async def thread_owner(session: AsyncSession, in_reply_to: str) -> Actor | None:
    """The local association (or group) whose object a thread starts from, if the thread is
    under one of our objects: `in_reply_to` walked up through the replies we keep, up to
    `MAX_DEPTH` levels, past none that was deleted."""
    current: str | None = in_reply_to
    for _level in range(MAX_DEPTH):
        if current is None:
            return None
        row = (
            await session.execute(
                select(ContentObject.local, ContentObject.actor_id, ContentObject.in_reply_to)
                .where(ContentObject.ap_id == current, ContentObject.deleted_at.is_(None))
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        if row.local:
            return await session.get(Actor, row.actor_id)
        current = row.in_reply_to
    return None


async def in_our_thread(
    session: AsyncSession, in_reply_to: str, is_ours: Callable[[str], bool]
) -> bool:
    """Whether a reply to `in_reply_to` belongs under one of our objects: it answers ours
    (`is_ours(url)`: a URL of this node), or a reply we keep that is under one."""
    return is_ours(in_reply_to) or await thread_owner(session, in_reply_to) is not None
