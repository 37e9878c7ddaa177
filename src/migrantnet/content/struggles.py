"""Struggles and campaigns: a status, countries, topics, and a timeline of updates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.content.languages import check_countries
from migrantnet.content.media import attach_media
from migrantnet.content.objects import mark_edited, new_local_object
from migrantnet.content.publishing import Federator
from migrantnet.content.texts import TextsInput, apply_texts_input, prepare_texts
from migrantnet.content.topics import check_topics
from migrantnet.models import Actor, ContentObject, Kind, Struggle, StruggleStatus, Visibility
from migrantnet.uris import Uris


@dataclass(frozen=True, slots=True)
class StruggleInput:
    texts: TextsInput
    status: str = StruggleStatus.ONGOING
    countries: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    started_on: date | None = None
    visibility: str = Visibility.PUBLIC
    media_ids: list[str] = field(default_factory=list)  # uploads to attach


def check_struggle_status(value: str) -> StruggleStatus:
    try:
        return StruggleStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in StruggleStatus)
        raise InvalidInput("status", f"{value!r} is not one of {allowed}") from None


def _apply(row: Struggle, data: StruggleInput) -> None:
    row.status = check_struggle_status(data.status)
    row.countries = check_countries(data.countries)
    row.topics = check_topics(data.topics)
    row.started_on = data.started_on


async def publish_struggle(
    session: AsyncSession, uris: Uris, federator: Federator, actor: Actor, data: StruggleInput
) -> ContentObject:
    texts = prepare_texts(data.texts, title_required=True, body_required=True)
    row = Struggle()
    _apply(row, data)
    obj = await new_local_object(
        session,
        uris,
        actor,
        kind=Kind.STRUGGLE,
        texts=texts,
        visibility=data.visibility,
        media_ids=data.media_ids,
    )
    row.object_id = obj.id
    session.add(row)
    await session.flush()
    await federator.object_created(session, obj, actor)
    return obj


async def edit_struggle(
    session: AsyncSession,
    federator: Federator,
    actor: Actor,
    obj: ContentObject,
    data: StruggleInput,
) -> ContentObject:
    texts = prepare_texts(data.texts, title_required=True, body_required=True)
    row = await session.get(Struggle, obj.id)
    assert row is not None
    _apply(row, data)
    apply_texts_input(obj, texts)
    if data.media_ids:
        await attach_media(session, obj, actor, data.media_ids)
    mark_edited(obj)
    await session.flush()
    await federator.object_updated(session, obj, actor)
    return obj


async def struggle_timeline(session: AsyncSession, struggle: ContentObject) -> list[ContentObject]:
    """Updates, events and outcomes linked to a struggle, oldest first."""
    rows = await session.scalars(
        select(ContentObject)
        .where(
            ContentObject.struggle_ap_id == struggle.ap_id,
            ContentObject.deleted_at.is_(None),
            ContentObject.visibility.in_((Visibility.PUBLIC, Visibility.UNLISTED)),
        )
        .order_by(ContentObject.published_at)
    )
    return list(rows)
