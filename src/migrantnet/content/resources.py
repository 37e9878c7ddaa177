"""Awareness and education resources: guides, leaflets, videos, trainings, legal aid..."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.content.languages import check_language
from migrantnet.content.media import attach_media
from migrantnet.content.objects import mark_edited, new_local_object
from migrantnet.content.publishing import Federator
from migrantnet.content.texts import TextsInput, apply_texts_input, prepare_texts
from migrantnet.content.topics import check_topics
from migrantnet.models import Actor, ContentObject, Kind, Resource, Visibility
from migrantnet.uris import Uris


class ResourceKind(StrEnum):
    GUIDE = "guide"
    LEAFLET = "leaflet"
    VIDEO = "video"
    AUDIO = "audio"
    TRAINING = "training"
    LEGAL_AID = "legal_aid"
    POSTER = "poster"
    REPORT = "report"
    EXPERIENCE = "experience"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class LinkInput:
    url: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceInput:
    texts: TextsInput
    kind: str = ResourceKind.GUIDE
    languages: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    audience: str | None = None
    links: list[LinkInput] = field(default_factory=list)
    visibility: str = Visibility.PUBLIC
    media_ids: list[str] = field(default_factory=list)  # uploads to attach


def _check_kind(value: str) -> ResourceKind:
    try:
        return ResourceKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in ResourceKind)
        raise InvalidInput("kind", f"{value!r} is not one of {allowed}") from None


def _check_links(links: list[LinkInput]) -> list[dict[str, str | None]]:
    result = []
    for link in links:
        parts = urlsplit(link.url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput("links", f"{link.url!r} is not an http(s) link")
        result.append({"url": link.url.strip(), "name": (link.name or "").strip() or None})
    return result


def _apply(row: Resource, data: ResourceInput) -> None:
    row.resource_kind = _check_kind(data.kind)
    row.languages = list(
        dict.fromkeys(check_language(lang, "languages") for lang in data.languages)
    )
    row.topics = check_topics(data.topics)
    row.audience = (data.audience or "").strip()[:200] or None
    row.links = _check_links(data.links)


async def publish_resource(
    session: AsyncSession, uris: Uris, federator: Federator, actor: Actor, data: ResourceInput
) -> ContentObject:
    texts = prepare_texts(data.texts, title_required=True, body_required=False)
    row = Resource()
    _apply(row, data)
    obj = await new_local_object(
        session,
        uris,
        actor,
        kind=Kind.RESOURCE,
        texts=texts,
        visibility=data.visibility,
        media_ids=data.media_ids,
    )
    row.object_id = obj.id
    session.add(row)
    await session.flush()
    await federator.object_created(session, obj, actor)
    return obj


async def edit_resource(
    session: AsyncSession,
    federator: Federator,
    actor: Actor,
    obj: ContentObject,
    data: ResourceInput,
) -> ContentObject:
    texts = prepare_texts(data.texts, title_required=True, body_required=False)
    row = await session.get(Resource, obj.id)
    assert row is not None
    _apply(row, data)
    apply_texts_input(obj, texts)
    if data.media_ids:
        await attach_media(session, obj, actor, data.media_ids)
    mark_edited(obj)
    await session.flush()
    await federator.object_updated(session, obj, actor)
    return obj
