"""Storing what remote actors publish: their objects as received, and their deletions.

The federation parser has already normalised and sanitised every field; this module only
decides what to keep and how a deletion shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.content.languages import check_language, country_codes
from migrantnet.content.resources import ResourceKind
from migrantnet.content.topics import check_topics
from migrantnet.models import (
    Actor,
    ContentObject,
    Declaration,
    Event,
    EventStatus,
    Kind,
    Outcome,
    Practice,
    Resource,
    Struggle,
    StruggleStatus,
    Visibility,
)


def fitting(value: str | None, limit: int) -> str | None:
    """A peer's value that does not fit its column is dropped rather than cut: a cut URL or
    language tag would be wrong, not short."""
    return value if value is None or len(value) <= limit else None


@dataclass(slots=True)
class RemoteEventData:
    """An event as its sender described it; `store_remote_object` makes it an `events` row."""

    starts_at: datetime
    ends_at: datetime | None
    timezone: str | None
    status: str = EventStatus.CONFIRMED
    place_name: str | None = None
    street: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None  # an ISO code or a country name, in any language we know
    latitude: float | None = None
    longitude: float | None = None
    online_url: str | None = None
    organizers: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RemoteObjectData:
    ap_id: str
    type: str
    url: str | None
    in_reply_to: str | None
    primary_language: str | None
    name_map: dict[str, str]
    summary_map: dict[str, str]
    content_map: dict[str, str]
    sensitive: bool
    visibility: Visibility
    published_at: datetime
    updated_at: datetime | None
    tags: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    kind: str = Kind.NOTE
    struggle_ap_id: str | None = None
    event: RemoteEventData | None = None
    # The fields our extension terms carry, shaped by the parser, checked here.
    struggle: dict[str, Any] | None = None
    declaration: dict[str, Any] | None = None
    resource: dict[str, Any] | None = None
    practice: dict[str, Any] | None = None


async def find_object(session: AsyncSession, ap_id: str) -> ContentObject | None:
    return await session.scalar(select(ContentObject).where(ContentObject.ap_id == ap_id))


async def store_remote_object(
    session: AsyncSession, actor: Actor, data: RemoteObjectData
) -> ContentObject | None:
    """Insert or update; returns None when the object was deleted before (a late Create), or
    its id is longer than any we keep."""
    if len(data.ap_id) > 2048:
        return None
    obj = await find_object(session, data.ap_id)
    if obj is not None and (obj.deleted_at is not None or obj.actor_id != actor.id):
        return None
    if obj is None:
        obj = ContentObject(ap_id=data.ap_id, actor_id=actor.id, local=False)
        session.add(obj)
    obj.type = data.type[:64]
    obj.url = fitting(data.url, 2048)
    obj.in_reply_to = fitting(data.in_reply_to, 2048)
    obj.primary_language = fitting(data.primary_language, 35)
    obj.name_map = data.name_map
    obj.summary_map = data.summary_map
    obj.content_map = data.content_map
    obj.sensitive = data.sensitive
    obj.visibility = data.visibility
    obj.published_at = data.published_at
    obj.updated_at = data.updated_at
    obj.tags = data.tags
    obj.attachments = data.attachments
    obj.extra = data.extra
    obj.kind = data.kind
    obj.struggle_ap_id = fitting(data.struggle_ap_id, 2048)
    await session.flush()
    await _store_kind_row(session, obj, data)
    return obj


async def _store_kind_row(
    session: AsyncSession, obj: ContentObject, data: RemoteObjectData
) -> None:
    """The row of the object's kind, from what the sender said; unusable values are dropped."""
    if data.event is not None:
        row = await _row(session, Event, obj.id)
        _apply_event(row, data.event)
    elif data.struggle is not None:
        row = await _row(session, Struggle, obj.id)
        row.status = _member(StruggleStatus, data.struggle.get("status"), StruggleStatus.ONGOING)
        row.countries = _countries(data.struggle.get("countries"))
        row.topics = _topics(data.struggle.get("topics"))
        row.started_on = _as_date(data.struggle.get("started_on"))
    elif data.declaration is not None:
        row = await _row(session, Declaration, obj.id)
        row.adopted_on = _as_date(data.declaration.get("adopted_on"))
        row.adopted_at_place = _text(data.declaration.get("adopted_at_place"), 500)
    elif data.resource is not None:
        row = await _row(session, Resource, obj.id)
        values = data.resource
        row.resource_kind = _member(ResourceKind, values.get("resource_kind"), ResourceKind.OTHER)
        row.languages = _languages(values.get("languages"))
        row.topics = _topics(values.get("topics"))
        row.audience = _text(values.get("audience"), 200)
        row.links = [
            {"url": link["url"], "name": _text(link.get("name"), 500)}
            for link in values.get("links") or []
            if isinstance(link.get("url"), str) and len(link["url"]) <= 2048
        ]
    elif data.practice is not None:
        row = await _row(session, Practice, obj.id)
        row.outcome = _member(Outcome, data.practice.get("outcome"), Outcome.GOOD_PRACTICE)
    await session.flush()


async def _row(session: AsyncSession, model: Any, object_id: int) -> Any:
    row = await session.get(model, object_id)
    if row is None:
        row = model(object_id=object_id)
        session.add(row)
    return row


def _apply_event(row: Event, data: RemoteEventData) -> None:
    """UTC instants and the event's zone; without a zone from the sender, UTC (the instants
    stay exact, only the wall-clock shown is UTC's); without an end, the start."""
    row.starts_at = data.starts_at.astimezone(UTC)
    row.ends_at = max(data.ends_at or data.starts_at, data.starts_at).astimezone(UTC)
    row.timezone = _known_zone(data.timezone) or "UTC"
    row.status = _member(EventStatus, data.status, EventStatus.CONFIRMED)
    row.place_name = _text(data.place_name, 500)
    row.street = _text(data.street, 500)
    row.locality = _text(data.locality, 200)
    row.region = _text(data.region, 200)
    row.postal_code = _text(data.postal_code, 32)
    row.country = country_code(data.country)
    lat, lon = data.latitude, data.longitude
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    row.latitude, row.longitude = lat, lon
    row.online_url = data.online_url if data.online_url and len(data.online_url) <= 2048 else None
    row.organizers = [item for item in data.organizers if isinstance(item, str)][:50]


def _known_zone(name: str | None) -> str | None:
    if not name or len(name) > 64:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name


def _member(enum: Any, value: Any, default: Any) -> str:
    try:
        return str(enum(value))
    except ValueError:
        return str(default)


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:limit]


def _as_date(value: Any) -> date | None:
    return value if isinstance(value, date) else None


def _countries(values: Any) -> list[str]:
    found = [country_code(value) for value in values or []]
    return list(dict.fromkeys(code for code in found if code))


def _topics(values: Any) -> list[str]:
    result: list[str] = []
    for value in values or []:
        try:
            result += check_topics([value])
        except InvalidInput:
            continue
    return list(dict.fromkeys(result))[:20]


def _languages(values: Any) -> list[str]:
    result: list[str] = []
    for value in values or []:
        try:
            result.append(check_language(value))
        except (InvalidInput, AttributeError):
            continue
    return list(dict.fromkeys(result))


# Country names are matched in the languages our interface speaks, and a few more peers use.
_NAME_LANGUAGES = ("en", "fr", "es", "it", "ar", "de", "pt", "nl", "ca")


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    codes = country_codes()
    for language in _NAME_LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if code in codes:
                names.setdefault(name.casefold(), code)
    return names


def country_code(value: Any) -> str | None:
    """An ISO 3166 code from a code or a country name (Mobilizon sends "France"); else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) == 2 and text.upper() in country_codes():
        return text.upper()
    return _country_names().get(text.casefold())


async def delete_remote_object(
    session: AsyncSession, actor: Actor, ap_id: str, now: datetime
) -> bool:
    """Blank the object and keep a tombstone, so a Create arriving late is not stored again."""
    obj = await find_object(session, ap_id)
    if obj is None:
        session.add(
            ContentObject(
                ap_id=ap_id, type="Tombstone", actor_id=actor.id, local=False, deleted_at=now
            )
        )
        await session.flush()
        return False
    if obj.actor_id != actor.id or obj.local:
        return False
    obj.deleted_at = now
    obj.content_map, obj.summary_map, obj.name_map = {}, {}, {}
    obj.attachments, obj.tags = [], []
    await session.flush()
    return True
