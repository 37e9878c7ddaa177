"""Short updates (`Note`s), optionally part of a struggle's timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.objects import new_local_object, save_edit
from migrantnet.content.publishing import Federator
from migrantnet.content.texts import TextsInput, prepare_texts
from migrantnet.models import Actor, ContentObject, Kind, Visibility
from migrantnet.uris import Uris

MAX_NOTE_LENGTH = 5000


def _note_texts(text: dict[str, str], primary_language: str | None) -> TextsInput:
    return TextsInput(body=text, primary_language=primary_language)


async def publish_note(
    session: AsyncSession,
    uris: Uris,
    federator: Federator,
    actor: Actor,
    *,
    text: dict[str, str],
    visibility: str = Visibility.PUBLIC,
    primary_language: str | None = None,
    struggle_ap_id: str | None = None,
    media_ids: list[str] | None = None,
    now: datetime | None = None,
) -> ContentObject:
    """Publish a note with its text in one or more languages (language -> Markdown)."""
    texts = prepare_texts(
        _note_texts(text, primary_language),
        title_required=False,
        body_required=True,
        body_limit=MAX_NOTE_LENGTH,
    )
    obj = await new_local_object(
        session,
        uris,
        actor,
        kind=Kind.NOTE,
        texts=texts,
        visibility=visibility,
        struggle_ap_id=struggle_ap_id,
        media_ids=media_ids,
        now=now,
    )
    await federator.object_created(session, obj, actor)
    return obj


async def edit_note(
    session: AsyncSession,
    federator: Federator,
    actor: Actor,
    obj: ContentObject,
    *,
    text: dict[str, str],
    primary_language: str | None = None,
    media_ids: list[str] | None = None,
) -> ContentObject:
    texts = prepare_texts(
        _note_texts(text, primary_language),
        title_required=False,
        body_required=True,
        body_limit=MAX_NOTE_LENGTH,
    )
    return await save_edit(session, federator, actor, obj, texts=texts, media_ids=media_ids)
