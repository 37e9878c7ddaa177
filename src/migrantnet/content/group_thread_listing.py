"""Reading a group's threads: a page of them (newest activity first, keyset on the listing
index) and one thread with its replies nested, in two queries whatever its size: replies carry
`group_thread_id`, and nesting by `inReplyTo` is done in memory, at most `MAX_DEPTH` levels
and `MAX_REPLIES` replies, so a hostile peer cannot make a page unbounded. Shown are public
and unlisted threads and replies, not deleted, not by a blocked or deleted actor, not hidden by the
group's moderators (as an item) nor held by an association's reply moderation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from migrantnet.content.errors import NotFound
from migrantnet.content.listing import Cursor
from migrantnet.models import (
    Actor,
    Block,
    BlockKind,
    ContentObject,
    GroupItem,
    GroupThread,
    ReplyState,
    Visibility,
)

MAX_DEPTH = 6
MAX_REPLIES = 300
THREADS_PAGE = 20
SHOWN = (Visibility.PUBLIC, Visibility.UNLISTED)


def _author_shown(author: type[Actor]) -> list[ColumnElement[bool]]:
    """The author is not deleted, nor blocked (their account or their domain)."""
    return [
        author.deleted_at.is_(None),
        author.domain.not_in(select(Block.domain).where(Block.kind == BlockKind.DOMAIN)),
        author.ap_id.not_in(select(Block.target).where(Block.kind == BlockKind.ACCOUNT)),
    ]


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    thread: GroupThread
    root: ContentObject
    author: Actor


@dataclass(slots=True)
class ReplyNode:
    obj: ContentObject
    author: Actor
    children: list[ReplyNode] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ThreadTree:
    thread: GroupThread
    root: ContentObject
    author: Actor
    replies: list[ReplyNode]
    truncated: bool  # more replies than `MAX_REPLIES`: the oldest are shown


async def list_threads(
    session: AsyncSession,
    group: Actor,
    before: Cursor | None = None,
    limit: int = THREADS_PAGE,
    *,
    with_hidden: bool = False,
) -> list[ThreadSummary]:
    """A page of the group's threads, newest activity first (keyset on the listing index)."""
    author = aliased(Actor)
    query = (
        select(GroupThread, ContentObject, author)
        .join(ContentObject, ContentObject.ap_id == GroupThread.root_ap_id)
        .join(author, author.id == ContentObject.actor_id)
        .where(
            GroupThread.group_id == group.id,
            ContentObject.deleted_at.is_(None),
            ContentObject.visibility.in_(SHOWN),
            *_author_shown(author),
        )
    )
    if not with_hidden:
        query = query.where(GroupThread.hidden.is_(False))
    if before is not None:
        query = query.where(
            tuple_(GroupThread.last_activity_at, GroupThread.id)
            < tuple_(before.published_at, before.id)
        )
    query = query.order_by(GroupThread.last_activity_at.desc(), GroupThread.id.desc())
    rows = await session.execute(query.limit(limit))
    return [ThreadSummary(thread, root, who) for thread, root, who in rows]


def thread_cursor(thread: GroupThread) -> Cursor:
    return Cursor(thread.last_activity_at, thread.id)


async def get_thread(session: AsyncSession, group: Actor, thread_id: int) -> GroupThread:
    thread = await session.get(GroupThread, thread_id)
    if thread is None or thread.group_id != group.id:
        raise NotFound(f"{group.slug} has no thread {thread_id}")
    return thread


def _ancestors(node: ReplyNode, nodes: dict[str, ReplyNode]) -> list[str]:
    """The shown replies above `node`, its parent first; none when a loop of `inReplyTo`
    never reaches the thread (a peer's doing): such a reply answers the root."""
    chain: list[str] = []
    current = node
    while (parent := nodes.get(current.obj.in_reply_to or "")) is not None:
        if parent.obj.ap_id in chain or parent is node:
            return []
        chain.append(parent.obj.ap_id)
        current = parent
    return chain


def nest_replies(rows: list[tuple[ContentObject, Actor]]) -> list[ReplyNode]:
    """Replies nested under what they answer, in the order given within each level (their
    dates may not follow the order of answers). One whose parent is not shown answers the
    root; past `MAX_DEPTH` a reply joins the deepest level beside its parent."""
    nodes = {obj.ap_id: ReplyNode(obj, who) for obj, who in rows}
    top: list[ReplyNode] = []
    for node in nodes.values():
        chain = _ancestors(node, nodes)
        if not chain:
            top.append(node)
        elif len(chain) >= MAX_DEPTH:
            nodes[chain[-(MAX_DEPTH - 1)]].children.append(node)
        else:
            nodes[chain[0]].children.append(node)
    return top


async def thread_tree(session: AsyncSession, group: Actor, thread: GroupThread) -> ThreadTree:
    """The thread with its shown replies nested: two queries, whatever its size."""
    author = aliased(Actor)
    root_row = (
        await session.execute(
            select(ContentObject, author)
            .join(author, author.id == ContentObject.actor_id)
            .where(
                ContentObject.ap_id == thread.root_ap_id,
                ContentObject.deleted_at.is_(None),
                ContentObject.visibility.in_(SHOWN),
                *_author_shown(author),
            )
        )
    ).first()
    if root_row is None:
        raise NotFound(f"the first message of thread {thread.id} is gone")
    hidden_items = select(GroupItem.object_ap_id).where(
        GroupItem.group_id == group.id, GroupItem.hidden.is_(True)
    )
    query = (
        select(ContentObject, author)
        .join(author, author.id == ContentObject.actor_id)
        .where(
            ContentObject.group_thread_id == thread.id,
            ContentObject.deleted_at.is_(None),
            ContentObject.visibility.in_(SHOWN),
            ContentObject.reply_state == ReplyState.SHOWN,
            ContentObject.ap_id.not_in(hidden_items),
            *_author_shown(author),
        )
        .order_by(ContentObject.published_at, ContentObject.id)
        .limit(MAX_REPLIES + 1)
    )
    rows = [(obj, who) for obj, who in await session.execute(query)]
    root, who = root_row
    return ThreadTree(thread, root, who, nest_replies(rows[:MAX_REPLIES]), len(rows) > MAX_REPLIES)
