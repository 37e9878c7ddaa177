"""Awareness and education resources: guides, leaflets, videos, trainings, legal aid..."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.content.languages import check_language
from migrantnet.content.objects import KindSpec, edit_kind, publish_kind
from migrantnet.content.publishing import Federator
from migrantnet.content.texts import TextsInput
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


RESOURCE = KindSpec(
    kind=Kind.RESOURCE, model=Resource, title_required=True, body_required=False, apply=_apply
)


async def publish_resource(
    session: AsyncSession, uris: Uris, federator: Federator, actor: Actor, data: ResourceInput
) -> ContentObject:
    return await publish_kind(RESOURCE, session, uris, federator, actor, data)


async def edit_resource(
    session: AsyncSession,
    federator: Federator,
    actor: Actor,
    obj: ContentObject,
    data: ResourceInput,
) -> ContentObject:
    return await edit_kind(RESOURCE, session, federator, actor, obj, data)
