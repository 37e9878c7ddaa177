"""Threads in a group, the permanent dialogue (FEP-1b12, as Lemmy's posts in a community).

A thread is a root object with a title addressed to the group (a member association's
`Note` with a `name` here; a `Page` from Lemmy), its replies the objects whose `inReplyTo`
chain leads to it. Each reply the group admitted carries `group_thread_id`, so a thread is
read in one query and nested in memory, at most `MAX_DEPTH` levels and `MAX_REPLIES`
replies. The group's moderators lock a thread (no new reply is announced) or hide it (off
the group's page), each action written to the moderation trail.

The same rows hold the threads of remote groups our associations are members of, learnt
from the group's `Announce`s (`record_group_share`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.content.groups import group_moderator, is_member
from migrantnet.content.moderation import record_action
from migrantnet.content.notes import NOTE, NoteInput
from migrantnet.content.objects import publish_kind
from migrantnet.content.publishing import ChangeNotifier
from migrantnet.content.texts import TextsInput
from migrantnet.models import (
    Actor,
    ActorType,
    ContentObject,
    Follow,
    FollowState,
    GroupThread,
    Membership,
    User,
)
from migrantnet.translations import N_
from migrantnet.uris import Uris

MAX_TITLE = 200
ROOT_TYPES = frozenset({"Note", "Page", "Article"})


def is_thread_root(obj: ContentObject) -> bool:
    """A titled object answering nothing: how Lemmy's posts and our threads look."""
    return obj.in_reply_to is None and obj.type in ROOT_TYPES and bool(obj.name_map)


async def _object(session: AsyncSession, ap_id: str) -> ContentObject | None:
    return await session.scalar(select(ContentObject).where(ContentObject.ap_id == ap_id))


async def thread_of_root(
    session: AsyncSession, group: Actor, root_ap_id: str
) -> GroupThread | None:
    return await session.scalar(
        select(GroupThread).where(
            GroupThread.group_id == group.id, GroupThread.root_ap_id == root_ap_id
        )
    )


async def thread_containing(session: AsyncSession, group: Actor, ap_id: str) -> GroupThread | None:
    """The group's thread whose root or admitted reply is `ap_id` (one query)."""
    reply_thread = (
        select(ContentObject.group_thread_id).where(ContentObject.ap_id == ap_id).scalar_subquery()
    )
    return await session.scalar(
        select(GroupThread).where(
            GroupThread.group_id == group.id,
            or_(GroupThread.root_ap_id == ap_id, GroupThread.id == reply_thread),
        )
    )


async def local_groups_answered(session: AsyncSession, in_reply_to: str) -> list[Actor]:
    """Our groups with a thread holding the object a reply answers: a fediverse reply
    that names only the author it answers (as Mastodon's) still reaches the group."""
    reply_thread = (
        select(ContentObject.group_thread_id)
        .where(ContentObject.ap_id == in_reply_to)
        .scalar_subquery()
    )
    rows = await session.scalars(
        select(Actor)
        .join(GroupThread, GroupThread.group_id == Actor.id)
        .where(
            or_(GroupThread.root_ap_id == in_reply_to, GroupThread.id == reply_thread),
            Actor.local.is_(True),
            Actor.deleted_at.is_(None),
        )
        .limit(20)
    )
    return list(rows)


async def ensure_thread(
    session: AsyncSession, group: Actor, root: ContentObject, now: datetime
) -> GroupThread:
    thread = await thread_of_root(session, group, root.ap_id)
    if thread is None:
        thread = GroupThread(
            group_id=group.id,
            author_id=root.actor_id,
            root_ap_id=root.ap_id,
            last_activity_at=root.published_at or now,
            created_at=now,
        )
        session.add(thread)
        await session.flush()
    return thread


async def attach_reply(
    session: AsyncSession, thread: GroupThread, reply: ContentObject, now: datetime
) -> None:
    """The reply is in the thread (once): counted, and the thread's newest activity."""
    if reply.group_thread_id == thread.id:
        return
    reply.group_thread_id = thread.id
    thread.reply_count += 1
    thread.last_activity_at = max(thread.last_activity_at, reply.published_at or now)
    await session.flush()


async def admit_to_group(
    session: AsyncSession, group: Actor, author: Actor, object_ap_id: str, now: datetime
) -> str | None:
    """Whether a group of ours announces this object of `author`: None if it does (a thread
    root is recorded, a reply attached to its thread), else why not. A reply in a thread is
    admitted from a member, or from anyone when the group has `open_replies`, unless the
    thread is locked or hidden; anything else only from a member."""
    member = await is_member(session, group, author)
    obj = await _object(session, object_ap_id)
    if obj is None:
        return None if member else "not_member"
    if obj.in_reply_to:
        thread = await thread_containing(session, group, obj.in_reply_to)
        if thread is not None:
            if obj.group_thread_id == thread.id:
                return None  # admitted before: an edit
            if thread.locked or thread.hidden:
                return "thread_closed"
            if not member and not group.open_replies:
                return "not_member"
            await attach_reply(session, thread, obj, now)
            return None
    if not member:
        return "not_member"
    if is_thread_root(obj):
        await ensure_thread(session, group, obj, now)
    return None


async def record_group_share(
    session: AsyncSession, group: Actor, object_ap_id: str, now: datetime
) -> GroupThread | None:
    """A remote group we follow announced an object: a thread root starts a thread of
    that group here, a reply in one of its threads joins it."""
    obj = await _object(session, object_ap_id)
    if obj is None or obj.deleted_at is not None:
        return None
    if obj.in_reply_to:
        thread = await thread_containing(session, group, obj.in_reply_to)
        if thread is not None:
            await attach_reply(session, thread, obj, now)
        return thread
    if is_thread_root(obj):
        return await ensure_thread(session, group, obj, now)
    return None


def _texts(title: str | None, text: str, language: str) -> TextsInput:
    return TextsInput(
        title={language: title} if title else {},
        body={language: text},
        primary_language=language,
    )


async def start_thread(
    session: AsyncSession,
    uris: Uris,
    notifier: ChangeNotifier,
    actor: Actor,
    group: Actor,
    *,
    title: str,
    text: str,
    language: str,
    now: datetime | None = None,
) -> GroupThread:
    """A member association starts a thread: a titled note addressed to the group."""
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("title", N_("a thread needs a title"))
    if len(title) > MAX_TITLE:
        raise InvalidInput("title", N_("at most %(num)s characters"), num=MAX_TITLE)
    data = NoteInput(texts=_texts(title, text, language))
    root = await publish_kind(
        NOTE, session, uris, notifier, actor, data, now=now, group_ap_id=group.ap_id
    )
    return await ensure_thread(session, group, root, now or datetime.now(UTC))


async def reply_in_thread(
    session: AsyncSession,
    uris: Uris,
    notifier: ChangeNotifier,
    actor: Actor,
    group: Actor,
    thread: GroupThread,
    *,
    text: str,
    language: str,
    parent_ap_id: str | None = None,
    now: datetime | None = None,
) -> ContentObject:
    """A member association answers the thread's root or one of its replies."""
    if thread.locked or thread.hidden:
        raise InvalidInput("thread", N_("this thread is closed to new replies"))
    parent = parent_ap_id or thread.root_ap_id
    found = await thread_containing(session, group, parent)
    if found is None or found.id != thread.id:
        raise InvalidInput("in_reply_to", N_("answer a message of this thread"))
    data = NoteInput(texts=_texts(None, text, language))
    reply = await publish_kind(
        NOTE,
        session,
        uris,
        notifier,
        actor,
        data,
        now=now,
        group_ap_id=group.ap_id,
        in_reply_to=parent,
    )
    await attach_reply(session, thread, reply, now or datetime.now(UTC))
    return reply


async def known_group(session: AsyncSession, ref: str) -> Actor:
    """A group we host (by slug) or know (its id, or `@name@host`), not deleted."""
    query = select(Actor).where(Actor.type == ActorType.GROUP, Actor.deleted_at.is_(None))
    if ref.startswith(("http://", "https://")):
        query = query.where(Actor.ap_id == ref)
    elif "@" in ref.lstrip("@"):
        name, _at, host = ref.lstrip("@").partition("@")
        query = query.where(Actor.username == name, Actor.domain == host.lower())
    else:
        query = query.where(Actor.slug == ref, Actor.local.is_(True))
    group = await session.scalar(query)
    if group is None:
        raise NotFound(f"no group known as {ref!r}")
    return group


async def member_associations_for(
    session: AsyncSession, user: User, group: Actor, roles: tuple[str, ...]
) -> list[Actor]:
    """Our associations that are members of the group and in which `user` holds one of
    `roles` (a node admin: every member association of ours): who may write in its threads."""
    query = (
        select(Actor)
        .join(Follow, Follow.follower_id == Actor.id)
        .where(
            Follow.followed_id == group.id,
            Follow.state == FollowState.ACCEPTED,
            Actor.local.is_(True),
            Actor.deleted_at.is_(None),
        )
        .order_by(Actor.slug)
        .limit(100)
    )
    if not user.is_admin:
        query = query.join(Membership, Membership.actor_id == Actor.id).where(
            Membership.user_id == user.id, Membership.role.in_(roles)
        )
    return list(await session.scalars(query))


async def thread_by_root(session: AsyncSession, group: Actor, root_ap_id: str) -> GroupThread:
    thread = await thread_of_root(session, group, root_ap_id)
    if thread is None:
        raise NotFound(f"{root_ap_id} does not start a thread of {group.handle}")
    return thread


async def _moderate(
    session: AsyncSession,
    user: User | None,
    group: Actor,
    thread: GroupThread,
    attribute: str,
    value: bool,
    action: str,
) -> GroupThread:
    moderator = await group_moderator(session, user, group)
    if getattr(thread, attribute) != value:
        setattr(thread, attribute, value)
        record_action(session, moderator, action, thread.root_ap_id, group.ap_id)
        await session.flush()
    return thread


async def lock_thread(
    session: AsyncSession, user: User | None, group: Actor, thread: GroupThread, *, locked: bool
) -> GroupThread:
    """Lock (no new reply is announced or accepted here) or unlock a thread."""
    action = "group_lock_thread" if locked else "group_unlock_thread"
    return await _moderate(session, user, group, thread, "locked", locked, action)


async def hide_thread(
    session: AsyncSession, user: User | None, group: Actor, thread: GroupThread, *, hidden: bool
) -> GroupThread:
    """Hide a thread from the group's page (and close it to replies), or show it again."""
    action = "group_hide_thread" if hidden else "group_unhide_thread"
    return await _moderate(session, user, group, thread, "hidden", hidden, action)


async def set_open_replies(
    session: AsyncSession, user: User | None, group: Actor, *, open_replies: bool
) -> None:
    """Whether the group announces replies in its threads from non-members too."""
    moderator = await group_moderator(session, user, group)
    if group.open_replies != open_replies:
        group.open_replies = open_replies
        record_action(
            session, moderator, "group_open_replies", group.ap_id, "on" if open_replies else "off"
        )
        await session.flush()
