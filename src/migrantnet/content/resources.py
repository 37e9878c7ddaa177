"""Awareness and education resources: guides, leaflets, videos, trainings, legal aid..."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content import peer_values
from migrantnet.content.choices import check_choice
from migrantnet.content.errors import InvalidInput
from migrantnet.content.languages import check_language
from migrantnet.content.objects import KindSpec, edit_kind, publish_kind
from migrantnet.content.publishing import ChangeNotifier
from migrantnet.content.texts import TextsInput
from migrantnet.content.topics import check_topics
from migrantnet.models import Actor, ContentObject, Kind, Resource, Visibility
from migrantnet.translations import N_
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
    struggle_ap_id: str | None = None  # resources stand alone; the field keeps one shape


def _check_kind(value: str) -> ResourceKind:
    return check_choice(ResourceKind, value, "kind")


def _check_links(links: list[LinkInput]) -> list[dict[str, str | None]]:
    result = []
    for link in links:
        parts = urlsplit(link.url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput("links", N_("%(url)s is not an http(s) link"), url=repr(link.url))
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


def store_remote(row: Resource, values: dict[str, Any]) -> None:
    row.resource_kind = peer_values.member(
        ResourceKind, values.get("resource_kind"), ResourceKind.OTHER
    )
    row.languages = peer_values.languages(values.get("languages"))
    row.topics = peer_values.topics(values.get("topics"))
    row.audience = peer_values.text(values.get("audience"), 200)
    row.links = [
        {"url": link["url"], "name": peer_values.text(link.get("name"), 500)}
        for link in values.get("links") or []
        if isinstance(link.get("url"), str) and len(link["url"]) <= 2048
    ]


RESOURCE = KindSpec(
    kind=Kind.RESOURCE,
    ap_type="Page",  # Mastodon drops a Create{Document}; it shows a Page
    model=Resource,
    title_required=True,
    body_required=False,
    apply=_apply,
    store_remote=store_remote,
    long_form=True,
)


async def publish_resource(
    session: AsyncSession, uris: Uris, notifier: ChangeNotifier, actor: Actor, data: ResourceInput
) -> ContentObject:
    return await publish_kind(RESOURCE, session, uris, notifier, actor, data)


async def edit_resource(
    session: AsyncSession,
    notifier: ChangeNotifier,
    actor: Actor,
    obj: ContentObject,
    data: ResourceInput,
) -> ContentObject:
    return await edit_kind(RESOURCE, session, notifier, actor, obj, data)
