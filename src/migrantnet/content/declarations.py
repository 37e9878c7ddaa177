"""Declarations and recommendations: adopted on a date, at a place; co-signed by others."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content import peer_values
from migrantnet.content.objects import KindSpec, edit_kind, publish_kind
from migrantnet.content.publishing import ChangeNotifier
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
    struggle_ap_id: str | None = None  # declarations stand alone; the field keeps one shape


def _apply(row: Declaration, data: DeclarationInput) -> None:
    row.adopted_on = data.adopted_on
    row.adopted_at_place = (data.adopted_at_place or "").strip()[:500] or None


def store_remote(row: Declaration, values: dict[str, Any]) -> None:
    row.adopted_on = peer_values.as_date(values.get("adopted_on"))
    row.adopted_at_place = peer_values.text(values.get("adopted_at_place"), 500)


DECLARATION = KindSpec(
    kind=Kind.DECLARATION,
    ap_type="Article",
    model=Declaration,
    title_required=True,
    body_required=True,
    apply=_apply,
    store_remote=store_remote,
    long_form=True,
    cosigned=True,
)


async def publish_declaration(
    session: AsyncSession,
    uris: Uris,
    notifier: ChangeNotifier,
    actor: Actor,
    data: DeclarationInput,
) -> ContentObject:
    return await publish_kind(DECLARATION, session, uris, notifier, actor, data)


async def edit_declaration(
    session: AsyncSession,
    notifier: ChangeNotifier,
    actor: Actor,
    obj: ContentObject,
    data: DeclarationInput,
) -> ContentObject:
    return await edit_kind(DECLARATION, session, notifier, actor, obj, data)
