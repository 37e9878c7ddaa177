"""What a reply of ours may answer, and whom it is then addressed to.

A local note can answer a post (`in_reply_to`): one of ours, or a peer's that this node keeps
(the federation layer fetches and stores a peer's post given by its address before the note
is published). The post must be there, not deleted, public or unlisted, since the reply is
shown in its thread to anyone; its author is remembered on the reply (`extra["answered"]`:
actor id and handle), so the serialiser can address the reply to them (`cc` and a `Mention`,
as Mastodon does, which puts it in the thread and notifies them) and the publisher can
deliver it to their inbox. A reply answers the same post for good: an edit cannot move it.
An event whose author closed its comments (Mobilizon's `commentsEnabled`) cannot be answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.content.reply_moderation import place_new_reply
from migrantnet.models import Actor, ContentObject, Visibility
from migrantnet.translations import N_

ANSWERABLE = (Visibility.PUBLIC, Visibility.UNLISTED)
FIELD = "in_reply_to"


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """The post a reply answers, and its author."""

    obj: ContentObject
    author: Actor


async def reply_target(session: AsyncSession, ap_id: str) -> ReplyTarget:
    """The post `ap_id` names, if a reply may answer it; else `InvalidInput` on the field."""
    url = ap_id.strip()
    obj = await session.scalar(select(ContentObject).where(ContentObject.ap_id == url))
    if obj is None:
        raise InvalidInput(FIELD, N_("%(url)s is not a post this node knows"), url=url)
    author = await session.get(Actor, obj.actor_id)
    if obj.deleted_at is not None or author is None or author.deleted_at is not None:
        raise InvalidInput(FIELD, N_("%(url)s was deleted"), url=url)
    if obj.visibility not in ANSWERABLE:
        raise InvalidInput(FIELD, N_("only a public or unlisted post can be answered"))
    if comments_closed(obj):
        raise InvalidInput(FIELD, N_("comments are closed on this event: it takes no reply"))
    return ReplyTarget(obj, author)


def comments_closed(obj: ContentObject) -> bool:
    """An event of another server whose author takes no comments: its `commentsEnabled`
    (or `repliesModerationOption`), kept with the event as it was read (`extra["event"]`).
    Our own events always take them: they have no such setting."""
    event = (obj.extra or {}).get("event") if not obj.local else None
    return isinstance(event, dict) and event.get("comments_enabled") is False


def answered_author(obj: ContentObject) -> tuple[str, str] | None:
    """The author a reply of ours answers: (actor id, `@user@host`), if it is a reply."""
    answered = (obj.extra or {}).get("answered") if obj.local else None
    if not isinstance(answered, dict):
        return None
    actor, handle = answered.get("actor"), answered.get("handle")
    if not isinstance(actor, str) or not isinstance(handle, str):
        return None
    return actor, handle


async def make_reply(session: AsyncSession, reply: ContentObject, target: ReplyTarget) -> None:
    """Make a newly written object of ours a reply to `target`; placed in the thread as a
    peer's reply would be (the thread's owner, when another association, decides)."""
    author = target.author
    reply.in_reply_to = target.obj.ap_id
    handle = f"@{author.username}@{author.domain}" if author.username else author.ap_id
    reply.extra = {**(reply.extra or {}), "answered": {"actor": author.ap_id, "handle": handle}}
    await place_new_reply(session, reply)


def check_same_target(obj: ContentObject, wanted: str | None) -> None:
    """An edit keeps the post a reply answers: leave it out or repeat it."""
    if wanted is not None and wanted.strip() and wanted.strip() != (obj.in_reply_to or ""):
        raise InvalidInput(
            FIELD, N_("a reply keeps answering the same post (delete it and write anew)")
        )
