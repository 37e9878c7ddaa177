"""Struggles and campaigns: a status, countries, topics, and a timeline of updates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content import peer_values
from migrantnet.content.choices import check_choice
from migrantnet.content.languages import check_countries
from migrantnet.content.objects import KindSpec, edit_kind, publish_kind
from migrantnet.content.publishing import ChangeNotifier
from migrantnet.content.texts import TextsInput
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
    struggle_ap_id: str | None = None  # a struggle is not part of another
    noindex: bool = False  # kept out of search engines, the node's search and feeds


def check_struggle_status(value: str) -> StruggleStatus:
    return check_choice(StruggleStatus, value, "status")


def _apply(row: Struggle, data: StruggleInput) -> None:
    row.status = check_struggle_status(data.status)
    row.countries = check_countries(data.countries)
    row.topics = check_topics(data.topics)
    row.started_on = data.started_on


def store_remote(row: Struggle, values: dict[str, Any]) -> None:
    row.status = peer_values.member(StruggleStatus, values.get("status"), StruggleStatus.ONGOING)
    row.countries = peer_values.countries(values.get("countries"))
    row.topics = peer_values.topics(values.get("topics"))
    row.started_on = peer_values.as_date(values.get("started_on"))


STRUGGLE = KindSpec(
    kind=Kind.STRUGGLE,
    ap_type="Page",
    model=Struggle,
    title_required=True,
    body_required=True,
    apply=_apply,
    store_remote=store_remote,
    long_form=True,
)


async def publish_struggle(
    session: AsyncSession, uris: Uris, notifier: ChangeNotifier, actor: Actor, data: StruggleInput
) -> ContentObject:
    return await publish_kind(STRUGGLE, session, uris, notifier, actor, data)


async def edit_struggle(
    session: AsyncSession,
    notifier: ChangeNotifier,
    actor: Actor,
    obj: ContentObject,
    data: StruggleInput,
) -> ContentObject:
    return await edit_kind(STRUGGLE, session, notifier, actor, obj, data)


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
