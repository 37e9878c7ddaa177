"""Declarations and recommendations: adopted on a date, at a place; co-signed by others."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.objects import KindSpec, edit_kind, publish_kind
from migrantnet.content.publishing import Federator
from migrantnet.content.texts import TextsInput
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


DECLARATION = KindSpec(
    kind=Kind.DECLARATION, model=Declaration, title_required=True, body_required=True, apply=_apply
)


async def publish_declaration(
    session: AsyncSession, uris: Uris, federator: Federator, actor: Actor, data: DeclarationInput
) -> ContentObject:
    return await publish_kind(DECLARATION, session, uris, federator, actor, data)


async def edit_declaration(
    session: AsyncSession,
    federator: Federator,
    actor: Actor,
    obj: ContentObject,
    data: DeclarationInput,
) -> ContentObject:
    return await edit_kind(DECLARATION, session, federator, actor, obj, data)
