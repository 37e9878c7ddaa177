"""The pieces every page's view model shares: actors, links, badges, moments, excerpts.

View models are small, ready, localised values for templates, which hold no logic. Everything
a page shows is decided in `web/views/`, from rows already loaded: which language of a text
the reader gets, dates in the event's own zone and in UTC, country and language names in the
reader's language, links. Templates only loop and test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from migrantnet.content.formatting import datetime_text, day_text, iso
from migrantnet.content.html import html_to_text
from migrantnet.models import (
    Actor,
    ContentObject,
)
from migrantnet.translations import interface_language
from migrantnet.uris import Uris
from migrantnet.web.hrefs import safe_href
from migrantnet.web.labels import value_label

EXCERPT_LENGTH = 240
DESCRIPTION_LENGTH = 200


def label(value: str) -> str:
    """A stored value (a status, a resource kind) named in the interface language."""
    return value_label(value)


def instant(value: datetime) -> Moment:
    """When something was published: its UTC day, in the interface language."""
    return Moment(day_text(value.astimezone(UTC).date(), interface_language()), iso(value))


def text_excerpt(html: str, limit: int = EXCERPT_LENGTH) -> str:
    # Cut the HTML before extracting its text: a long declaration need not be parsed whole.
    text = " ".join(html_to_text(html[: limit * 20]).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


_HEADING = re.compile(r"<(/?)h([1-6])>")


def demote_headings(html: str) -> str:
    """Headings of a text sit below the page's one `<h1>` (the title): h1 becomes h2, etc."""
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 6)}>", html)


def host_and_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}".rstrip("/") or url


def local_moment(value: datetime, where: ZoneInfo, language: str | None) -> Moment:
    local = value.astimezone(where)
    return Moment(
        text=datetime_text(value, "EEEE d MMMM y, HH:mm", where, language),
        iso=local.isoformat(timespec="minutes"),
    )


def outcome_badge(outcome: str) -> Badge:
    return Badge(value_label(outcome), outcome)


@dataclass(frozen=True, slots=True)
class ActorView:
    slug: str
    name: str
    handle: str
    summary_html: str
    url: str


def actor_view(actor: Actor, domain: str) -> ActorView:
    return ActorView(
        slug=actor.slug or "",
        name=actor.name or actor.username or "",
        handle=f"@{actor.username}@{domain}",
        summary_html=actor.summary or "",
        url=Uris.actor_path(actor.slug or ""),
    )


@dataclass(frozen=True, slots=True)
class ActorLink:
    name: str
    url: str
    handle: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", safe_href(self.url))


def actor_link(actor: Actor) -> ActorLink:
    url = Uris.actor_path(actor.slug) if actor.local and actor.slug else actor.url or actor.ap_id
    handle = f"@{actor.username}@{actor.domain}" if actor.username else actor.domain
    return ActorLink(name=actor.name or actor.username or actor.domain, url=url, handle=handle)


@dataclass(frozen=True, slots=True)
class LinkView:
    url: str
    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", safe_href(self.url))


@dataclass(frozen=True, slots=True)
class Badge:
    label: str
    tone: str  # a status or outcome value, for the CSS class


@dataclass(frozen=True, slots=True)
class Moment:
    text: str
    iso: str


@dataclass(frozen=True, slots=True)
class LanguageLink:
    code: str
    name: str
    href: str
    direction: str


@dataclass(frozen=True, slots=True)
class ItemView:
    url: str
    kind: str
    kind_label: str
    microformat: str
    title: str | None
    title_language: str
    title_direction: str
    excerpt: str
    language: str
    direction: str
    published: str
    published_iso: str
    badge: Badge | None = None
    starts: Moment | None = None
    author: ActorLink | None = None


@dataclass(slots=True)
class Related:
    """What an object page shows besides the object's own rows, loaded by the route."""

    organizers: list[Actor] = field(default_factory=list)
    struggle: ContentObject | None = None
    timeline: list[ContentObject] = field(default_factory=list)
    timeline_rows: dict[int, Any] = field(default_factory=dict)  # their kinds' rows
    # The reader is a member of the author's association: an event's hidden address is shown.
    exact_address: bool = False
    # The post a reply of ours answers, with its author, when this node keeps it.
    answered: tuple[ContentObject, Actor] | None = None
