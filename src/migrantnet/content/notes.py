"""Short updates (`Note`s), optionally part of a struggle's timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.objects import KindSpec, edit_kind, publish_kind
from migrantnet.content.publishing import ChangeNotifier
from migrantnet.content.texts import TextsInput
from migrantnet.models import Actor, ContentObject, Kind, Visibility
from migrantnet.uris import Uris

MAX_NOTE_LENGTH = 5000


@dataclass(frozen=True, slots=True)
class NoteInput:
    """A note's text is its body alone, in one or more languages (language -> Markdown);
    `in_reply_to`: the id of the post it answers, ours or one this node keeps."""

    texts: TextsInput
    visibility: str = Visibility.PUBLIC
    struggle_ap_id: str | None = None
    media_ids: list[str] = field(default_factory=list)  # uploads to attach
    in_reply_to: str | None = None


def note_input(
    text: dict[str, str],
    *,
    primary_language: str | None = None,
    visibility: str = Visibility.PUBLIC,
    struggle_ap_id: str | None = None,
    media_ids: list[str] | None = None,
    in_reply_to: str | None = None,
) -> NoteInput:
    return NoteInput(
        texts=TextsInput(body=text, primary_language=primary_language),
        visibility=visibility,
        struggle_ap_id=struggle_ap_id,
        media_ids=list(media_ids or []),
        in_reply_to=in_reply_to or None,
    )


def _answered(data: NoteInput) -> str | None:
    return data.in_reply_to


NOTE: KindSpec[NoteInput, Any] = KindSpec(
    kind=Kind.NOTE,
    ap_type="Note",
    model=None,
    title_required=False,
    body_required=True,
    body_limit=MAX_NOTE_LENGTH,
    in_reply_to=_answered,
)


async def publish_note(
    session: AsyncSession,
    uris: Uris,
    notifier: ChangeNotifier,
    actor: Actor,
    *,
    text: dict[str, str],
    visibility: str = Visibility.PUBLIC,
    primary_language: str | None = None,
    struggle_ap_id: str | None = None,
    media_ids: list[str] | None = None,
    in_reply_to: str | None = None,
    now: datetime | None = None,
    followers_confirmed: bool = False,
) -> ContentObject:
    """Publish a note with its text in one or more languages (language -> Markdown),
    answering `in_reply_to` when given (a post this node keeps: `content.reply_targets`)."""
    data = note_input(
        text,
        primary_language=primary_language,
        visibility=visibility,
        struggle_ap_id=struggle_ap_id,
        media_ids=media_ids,
        in_reply_to=in_reply_to,
    )
    return await publish_kind(
        NOTE,
        session,
        uris,
        notifier,
        actor,
        data,
        now=now,
        followers_confirmed=followers_confirmed,
    )


async def edit_note(
    session: AsyncSession,
    notifier: ChangeNotifier,
    actor: Actor,
    obj: ContentObject,
    *,
    text: dict[str, str],
    primary_language: str | None = None,
    media_ids: list[str] | None = None,
) -> ContentObject:
    """Replace a note's text; it stays in the struggle it was part of, and a reply stays
    an answer to the same post."""
    data = note_input(
        text,
        primary_language=primary_language,
        visibility=obj.visibility,
        struggle_ap_id=obj.struggle_ap_id,
        media_ids=media_ids,
        in_reply_to=obj.in_reply_to,
    )
    return await edit_kind(NOTE, session, notifier, actor, obj, data)
