"""Create, Update and Delete of remote objects and actors."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from migrantnet.content.group_threads import local_groups_answered
from migrantnet.content.groups import local_group_by_id
from migrantnet.content.remote import (
    RemoteObjectData,
    delete_remote_object,
    find_object,
    store_remote_object,
)
from migrantnet.content.replies import in_our_thread
from migrantnet.federation.actors import (
    ActorUnavailable,
    get_or_fetch_actor,
    host_of,
    node_signer,
    store_actor,
)
from migrantnet.federation.fetch import FetchError
from migrantnet.federation.groups import groups_sharing, relay_member_activity
from migrantnet.federation.handlers.base import Inbound
from migrantnet.federation.normalize import addresses
from migrantnet.federation.parse import (
    ACTOR_TYPES,
    ParsedActivity,
    ParsedObject,
    ParseError,
    parse_actor,
)
from migrantnet.federation.parse.content import (
    ParsedContent,
    ap_to_content,
    content_by_type,
    content_to_remote,
)
from migrantnet.logs import log_event
from migrantnet.models import Actor, ContentObject, Follow, FollowState, InboxState

logger = logging.getLogger("migrantnet.federation.handlers")

OWNED_TYPES = frozenset({"Create", "Update"})  # those that carry an object of the sender's


def is_own_public_object(content: ParsedContent, object_id: str) -> bool:
    """Whether a fetched `content` may be kept as the object `object_id`: it is that object,
    public, and its author is on the object's own host (a server speaks only for its own
    actors). Objects announced to us and events added by URL are both fetched on hearsay."""
    author_id = content.obj.attributed_to
    if not author_id:
        return False
    return (
        content.obj.ap_id == object_id
        and host_of(author_id) == host_of(object_id)
        and content.obj.is_public
    )


def to_remote_data(
    parsed: ParsedContent | ParsedObject, sender: Actor, now: datetime
) -> RemoteObjectData:
    """What we keep of a remote object; a bare `ParsedObject` gets its kind from its type."""
    content = parsed if isinstance(parsed, ParsedContent) else content_by_type(parsed)
    return content_to_remote(content, sender.followers_url, now)


async def _is_relevant(inbound: Inbound, parsed: ParsedObject) -> bool:
    """Keep what concerns us (Mastodon's rule): from an actor one of ours follows, a reply to
    one of our objects or to a reply under one (threads nest), a reply in a thread of one of
    our groups, or addressed to one of ours."""
    if await sender_is_followed(inbound):
        return True
    if parsed.in_reply_to and await in_our_thread(
        inbound.session, parsed.in_reply_to, inbound.fed.uris.is_local
    ):
        return True
    if parsed.in_reply_to and await local_groups_answered(inbound.session, parsed.in_reply_to):
        return True
    return any(
        inbound.fed.uris.is_local(item) for item in (*parsed.to, *parsed.cc, *parsed.audience)
    )


async def _relay_to_groups(inbound: Inbound, parsed: ParsedObject) -> None:
    """A member's Create or Update addressed to a group of ours (in the activity's or the
    object's `to`/`cc`/`audience`): the group announces it to its members."""
    activity = inbound.activity
    named = [
        *activity.to,
        *activity.cc,
        *addresses(inbound.payload.get("audience")),
        *parsed.to,
        *parsed.cc,
        *parsed.audience,
    ]
    local = tuple(item for item in dict.fromkeys(named) if inbound.fed.uris.is_local(item))
    known = inbound.memo.groups.get(local)
    if known is None:
        known = inbound.memo.groups[local] = await local_group_by_id(inbound.session, list(local))
    groups = list(known)
    if parsed.in_reply_to:
        # a reply in a group's thread goes to the group, named or not
        answered = await local_groups_answered(inbound.session, parsed.in_reply_to)
        groups += [group for group in answered if group.id not in {g.id for g in groups}]
    if groups:
        await relay_member_activity(
            inbound.session, inbound.fed, groups, inbound.sender, inbound.payload, parsed.ap_id
        )


def _embedded(inbound: Inbound) -> dict[str, Any] | None:
    obj = inbound.activity.object
    return dict(obj) if obj is not None else None


def parse_embedded(activity: ParsedActivity) -> ParsedContent | ParseError | None:
    """The object a Create or Update carries, parsed (or why it cannot be): pure work, which
    the applier does before its transaction rather than while it holds SQLite's write lock.
    None where there is nothing to parse ahead."""
    if activity.type not in OWNED_TYPES or activity.object is None:
        return None
    try:
        return ap_to_content(dict(activity.object))
    except ParseError as exc:
        return exc
    except Exception:  # a bug of ours: met again in the handler, and recorded on its row
        return None


def _content(inbound: Inbound, doc: dict[str, Any], fetched: bool) -> ParsedContent:
    """`doc` parsed; the embedded object's parse done ahead is used where there is one."""
    if not fetched and inbound.embedded is not None:
        if isinstance(inbound.embedded, ParseError):
            raise inbound.embedded
        return inbound.embedded
    return ap_to_content(doc)


async def _parse_owned(inbound: Inbound) -> ParsedContent | None:
    doc = _embedded(inbound)
    fetched = doc is None
    if doc is None and inbound.activity.object_id:
        # Only the id was sent: fetch the object from its origin (its host is the sender's).
        try:
            doc = await inbound.fed.client.get_json(
                inbound.activity.object_id,
                sign=await node_signer(inbound.session, inbound.fed),
            )
        except FetchError as exc:
            log_event(logger, "object_fetch_failed", reason=str(exc), domain=inbound.sender.domain)
            return None
    if doc is None:
        return None
    try:
        parsed = _content(inbound, doc, fetched)
    except ParseError as exc:
        log_event(logger, "object_unusable", reason=str(exc), domain=inbound.sender.domain)
        return None
    author = parsed.obj.attributed_to or inbound.sender.ap_id
    if author != inbound.sender.ap_id or host_of(parsed.obj.ap_id) != host_of(inbound.sender.ap_id):
        return None
    return parsed


async def _store(inbound: Inbound, parsed: ParsedContent) -> InboxState:
    stored = await store_remote_object(
        inbound.session, inbound.sender, to_remote_data(parsed, inbound.sender, inbound.fed.now())
    )
    return InboxState.DONE if stored is not None else InboxState.IGNORED


async def handle_create(inbound: Inbound) -> InboxState:
    parsed = await _parse_owned(inbound)
    if parsed is None or not await _is_relevant(inbound, parsed.obj):
        return InboxState.IGNORED
    state = await _store(inbound, parsed)
    if state == InboxState.DONE:
        await _relay_to_groups(inbound, parsed.obj)
    return state


async def handle_update(inbound: Inbound) -> InboxState:
    doc = _embedded(inbound)
    if doc is None:
        return InboxState.IGNORED
    if doc.get("id") == inbound.sender.ap_id:
        types = doc.get("type")
        type_list = types if isinstance(types, list) else [types]
        if not any(t in ACTOR_TYPES for t in type_list):
            return InboxState.IGNORED
        try:
            await store_actor(inbound.session, parse_actor(doc), inbound.fed.now())
        except (ParseError, ActorUnavailable):
            return InboxState.IGNORED
        return InboxState.DONE
    parsed = await _parse_owned(inbound)
    if parsed is None:
        return InboxState.IGNORED
    existing = await find_object(inbound.session, parsed.obj.ap_id)
    if existing is None and not await _is_relevant(inbound, parsed.obj):
        return InboxState.IGNORED
    state = await _store(inbound, parsed)
    if state == InboxState.DONE:
        await _relay_to_groups(inbound, parsed.obj)
    return state


async def handle_delete(inbound: Inbound) -> InboxState:
    object_id = inbound.activity.object_id
    if not object_id:
        return InboxState.IGNORED
    now = inbound.fed.now()
    if object_id == inbound.sender.ap_id:
        sender = inbound.sender
        sender.deleted_at = now
        follows = await inbound.session.scalars(
            select(Follow).where(
                or_(Follow.follower_id == sender.id, Follow.followed_id == sender.id)
            )
        )
        for follow in follows:
            await inbound.session.delete(follow)
        # Its posts go with it, as on Mastodon: nothing of a deleted account is shown.
        await inbound.session.execute(
            update(ContentObject)
            .where(ContentObject.actor_id == sender.id, ContentObject.deleted_at.is_(None))
            .values(deleted_at=now)
        )
        log_event(logger, "actor_deleted", domain=sender.domain)
        return InboxState.DONE
    deleted = await delete_remote_object(inbound.session, inbound.sender, object_id, now)
    if deleted:
        # the groups of ours that shared it tell their members it is gone
        groups = await groups_sharing(inbound.session, object_id)
        await relay_member_activity(
            inbound.session, inbound.fed, groups, inbound.sender, inbound.payload, object_id
        )
    return InboxState.DONE if deleted else InboxState.IGNORED


async def sender_is_followed(inbound: Inbound) -> bool:
    """Whether one of our actors follows the sender (accepted); once per batch (`BatchMemo`)."""
    known = inbound.memo.followed.get(inbound.sender.id)
    if known is not None:
        return known
    followed = await inbound.session.scalar(
        select(Follow.id)
        .join(Actor, Actor.id == Follow.follower_id)
        .where(
            Follow.followed_id == inbound.sender.id,
            Follow.state == FollowState.ACCEPTED,
            Actor.local.is_(True),
        )
        .limit(1)
    )
    inbound.memo.followed[inbound.sender.id] = followed is not None
    return followed is not None


async def store_announced(inbound: Inbound, object_id: str, *, refresh: bool = False) -> bool:
    """A followed actor (a node actor relaying its node, a group, a boost) shares an object of
    someone else: fetch it from its origin and keep it under its author. `refresh`: fetch it
    again although we have it (a group announced its author's Update)."""
    existing = await find_object(inbound.session, object_id)
    if existing is not None and (not refresh or existing.deleted_at is not None):
        return existing.deleted_at is None
    try:
        doc = await inbound.fed.client.get_json(
            object_id, sign=await node_signer(inbound.session, inbound.fed)
        )
        content = ap_to_content(doc)
    except (FetchError, ParseError) as exc:
        log_event(logger, "announced_fetch_failed", reason=str(exc), domain=host_of(object_id))
        return False
    author_id = content.obj.attributed_to
    if author_id is None or not is_own_public_object(content, object_id):
        return False
    try:
        author = await get_or_fetch_actor(inbound.session, inbound.fed, author_id)
    except ActorUnavailable:
        return False
    stored = await store_remote_object(
        inbound.session, author, to_remote_data(content, author, inbound.fed.now())
    )
    return stored is not None
