"""Declarations and recommendations: adopted on a date, at a place; co-signed by others."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.media import attach_media
from migrantnet.content.objects import mark_edited, new_local_object
from migrantnet.content.publishing import Federator
from migrantnet.content.texts import TextsInput, apply_texts_input, prepare_texts
from migrantnet.models import Actor, ContentObject, Declaration, Kind, Visibility
from migrantnet.uris import Uris


@dataclass(frozen=True, slots=True)
class DeclarationInput:
    texts: TextsInput
    adopted_on: date | None = None
    adopted_at_place: str | None = None
    visibility: str = Visibility.PUBLIC
    media_ids: list[str] = field(default_factory=list)  # uploads to attach


def _apply(row: Declaration, data: DeclarationInput) -> None:
    row.adopted_on = data.adopted_on
    row.adopted_at_place = (data.adopted_at_place or "").strip()[:500] or None


async def publish_declaration(
    session: AsyncSession, uris: Uris, federator: Federator, actor: Actor, data: DeclarationInput
) -> ContentObject:
    texts = prepare_texts(data.texts, title_required=True, body_required=True)
    obj = await new_local_object(
        session,
        uris,
        actor,
        kind=Kind.DECLARATION,
        texts=texts,
        visibility=data.visibility,
        media_ids=data.media_ids,
    )
    row = Declaration(object_id=obj.id)
    _apply(row, data)
    session.add(row)
    await session.flush()
    await federator.object_created(session, obj, actor)
    return obj


async def edit_declaration(
    session: AsyncSession,
    federator: Federator,
    actor: Actor,
    obj: ContentObject,
    data: DeclarationInput,
) -> ContentObject:
    texts = prepare_texts(data.texts, title_required=True, body_required=True)
    row = await session.get(Declaration, obj.id)
    assert row is not None
    _apply(row, data)
    apply_texts_input(obj, texts)
    if data.media_ids:
        await attach_media(session, obj, actor, data.media_ids)
    mark_edited(obj)
    await session.flush()
    await federator.object_updated(session, obj, actor)
    return obj
