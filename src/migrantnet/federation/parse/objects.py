"""Content objects: Note, Article, Page, Question, Video, Event and the rest.

One generic reader serves every type, because servers invent types freely
(``ChatMessage``, ``Quotation``, ``GeneratedNote`` …) and what we need from
each is the same: who wrote it, for whom, in which languages, with which tags
and media.  Unknown tag and attachment types are skipped, never fatal.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from markdown_it import MarkdownIt

from migrantnet.content.html import is_blank_html, sanitize_html
from migrantnet.federation.normalize import (
    PUBLIC,
    addresses,
    bounded,
    first_id,
    get_prop,
    is_http_uri,
    language_map,
    link_url,
    media_type_of,
    parse_datetime,
    plain_text,
    type_names,
)
from migrantnet.federation.parse.errors import ParseError
from migrantnet.federation.parse.event import ParsedEvent, parse_event

__all__ = ["ParsedAttachment", "ParsedObject", "ParsedTag", "parse_object"]


@dataclass(frozen=True, slots=True)
class ParsedTag:
    type: str  # "Hashtag" | "Mention" | "Emoji"
    name: str
    href: str | None


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    type: str
    url: str
    media_type: str | None
    name: str | None  # alt text


@dataclass(frozen=True, slots=True)
class ParsedObject:
    ap_id: str
    type: str
    attributed_to: str | None
    audience: tuple[str, ...]
    in_reply_to: str | None
    url: str | None
    published: datetime | None
    updated: datetime | None
    name_map: dict[str, str]
    summary_map: dict[str, str]
    content_map: dict[str, str]
    primary_language: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    sensitive: bool
    noindex: bool  # the author asked not to be indexed (`indexable: false`, `searchableBy`)
    tags: tuple[ParsedTag, ...]
    attachments: tuple[ParsedAttachment, ...]
    event: ParsedEvent | None
    is_public: bool


_PERSONAL_ACTORS = ("Person", "Organization", "Service", "Application")
_MEDIA_TYPES = {"Image": "image/", "Audio": "audio/", "Video": "video/"}
_markdown = MarkdownIt("commonmark", {"html": False})


def parse_object(doc: Mapping[str, Any]) -> ParsedObject:
    """Read any content object; ``ParseError`` without an id or, for an Event,
    without a usable ``startTime``."""
    if not isinstance(doc, Mapping):
        raise ParseError("", "object is not a JSON object")
    ap_id = doc.get("id")
    if not is_http_uri(ap_id):
        raise ParseError("id", "object has no usable http(s) id")
    names = type_names(doc)
    kind = names[0] if names else "Object"
    to = tuple(addresses(doc.get("to")))
    cc = tuple(addresses(doc.get("cc")))
    name_map = {
        lang: text for lang, raw in language_map(doc, "name").items() if (text := plain_text(raw))
    }
    summary_map = _html_map(language_map(doc, "summary"), ap_id, None)
    content_map = _html_map(language_map(doc, "content"), ap_id, media_type_of(doc))
    attachments = _attachments(doc, kind)
    return ParsedObject(
        ap_id=ap_id,
        type=kind,
        attributed_to=_author(doc.get("attributedTo")) or _author(doc.get("actor")),
        audience=_audience(doc),
        in_reply_to=first_id(doc.get("inReplyTo")),
        url=link_url(doc.get("url")),
        published=parse_datetime(doc.get("published")),
        updated=parse_datetime(doc.get("updated")),
        name_map=name_map,
        summary_map=summary_map,
        content_map=content_map,
        primary_language=_primary_language(content_map, name_map, summary_map),
        to=to,
        cc=cc,
        sensitive=get_prop(doc, "sensitive") is True,
        noindex=not_indexable(doc),
        tags=_tags(doc, ap_id),
        attachments=attachments,
        event=parse_event(doc) if "Event" in names else None,
        is_public=PUBLIC in to or PUBLIC in cc,
    )


def not_indexable(doc: Mapping[str, Any]) -> bool:
    """An object its author asked not to be indexed: `indexable: false` on the object (ours,
    FEDERATION.md "Sensitive items"), or Fedibird's `searchableBy` without Public."""
    if get_prop(doc, "indexable") is False:
        return True
    searchable = get_prop(doc, "searchableBy")
    if searchable is None:
        return False
    return PUBLIC not in addresses(searchable)


def _html_map(values: dict[str, str], base: str, media_type: str | None) -> dict[str, str]:
    result: dict[str, str] = {}
    for lang, raw in values.items():
        cleaned = sanitize_html(_as_html(raw, media_type), base_url=base)
        if not is_blank_html(cleaned):  # "<p></p>" or only dropped images: nothing to show
            result[lang] = cleaned
    return result


def _as_html(text: str, media_type: str | None) -> str:
    """``content`` is HTML unless the sender says otherwise (PeerTube: Markdown)."""
    if media_type in ("text/markdown", "text/x-markdown"):
        return _markdown.render(text)
    if media_type == "text/plain":
        paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
        return "".join(
            "<p>" + html.escape(p.strip()).replace("\n", "<br>") + "</p>" for p in paragraphs
        )
    return text


def _primary_language(*maps: dict[str, str]) -> str | None:
    for values in maps:
        for lang in values:
            if lang.lower() != "und":
                return lang
    return None


def _author(value: Any) -> str | None:
    """The writing actor among ``attributedTo`` entries.

    PeerTube and Plume list the author next to the channel or blog Group; a
    typed personal actor wins over an untyped id, which wins over a Group.
    """
    best: tuple[int, str] | None = None
    for item in bounded(value):
        found = first_id(item)
        if found is None:
            continue
        names = type_names(item) if isinstance(item, Mapping) else []
        if any(n in _PERSONAL_ACTORS for n in names):
            rank = 0
        elif not names:
            rank = 1
        elif "Group" in names:
            rank = 3
        else:
            rank = 2
        if best is None or rank < best[0]:
            best = (rank, found)
    return best[1] if best else None


def _audience(doc: Mapping[str, Any]) -> tuple[str, ...]:
    """Groups the object belongs to: ``audience`` plus Groups in ``attributedTo``."""
    found = dict.fromkeys(a for a in addresses(bounded(get_prop(doc, "audience"))) if a != PUBLIC)
    for item in bounded(doc.get("attributedTo")):
        if isinstance(item, Mapping) and "Group" in type_names(item):
            group = first_id(item)
            if group:
                found.setdefault(group, None)
    return tuple(found)


_TAG_TYPES = ("Hashtag", "Mention", "Emoji")
# Items read from `tag` and `attachment`; the rest is ignored (de-duplicated through a dict, so
# the work is linear in what is read: a quadratic check once froze the event loop for 46 s).
MAX_TAGS = 256
MAX_ATTACHMENTS = 64


def _tags(doc: Mapping[str, Any], base: str) -> tuple[ParsedTag, ...]:
    raw = doc.get("tag")
    if raw is None:
        raw = doc.get("tags")  # Prismo
    result: dict[ParsedTag, None] = {}
    for item in bounded(raw, MAX_TAGS):
        tag = _tag(item, base) if isinstance(item, Mapping) else None
        if tag is not None:
            result.setdefault(tag, None)
    return tuple(result)


def _tag(item: Mapping[str, Any], base: str) -> ParsedTag | None:
    kind = next((n for n in type_names(item) if n in _TAG_TYPES), None)
    if kind is None:
        return None
    name = plain_text(item.get("name"))
    if kind == "Emoji":
        icon = item.get("icon")
        href = link_url(icon.get("url") if isinstance(icon, Mapping) else icon, prefer="image/")
        return ParsedTag("Emoji", name, href) if name else None
    href = _absolute(item.get("href"), base)
    if kind == "Mention":
        if href is None:
            return None
        return ParsedTag("Mention", name or href, href)
    return ParsedTag("Hashtag", name, href) if name else None


def _absolute(value: Any, base: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    if is_http_uri(value):
        return value
    joined = urljoin(base, value.strip())  # Gancio sends "/tags/test"
    return joined if is_http_uri(joined) else None


def _attachments(doc: Mapping[str, Any], kind: str) -> tuple[ParsedAttachment, ...]:
    result: dict[ParsedAttachment, None] = {}
    for item in bounded(doc.get("attachment"), MAX_ATTACHMENTS):
        attachment = _attachment(item) if isinstance(item, Mapping) else None
        if attachment is not None:
            result.setdefault(attachment, None)
    if not result and kind in _MEDIA_TYPES:
        media = _own_media(doc, _MEDIA_TYPES[kind])
        if media is not None:
            result.setdefault(media, None)
    return tuple(result)


def _attachment(item: Mapping[str, Any]) -> ParsedAttachment | None:
    names = type_names(item)
    if "PropertyValue" in names:
        return None  # profile metadata, not media
    url = link_url(item.get("url"), prefer=None) or link_url(item.get("href"), prefer=None)
    if url is None:
        return None
    alt = plain_text(item.get("name"))
    if alt is None and isinstance(item.get("content"), str):
        alt = plain_text(item["content"])  # Owncast puts the alt text there
    return ParsedAttachment(
        type=names[0] if names else "Document",
        url=url,
        media_type=media_type_of(item) or _nested_media_type(item.get("url")),
        name=alt,
    )


def _nested_media_type(value: Any) -> str | None:
    for item in bounded(value):
        if isinstance(item, Mapping):
            found = media_type_of(item)
            if found:
                return found
    return None


def _own_media(doc: Mapping[str, Any], prefix: str) -> ParsedAttachment | None:
    """An Image/Audio/Video object carries its media in ``url``; take the
    largest rendition of the matching media type as its attachment."""
    best: tuple[int, ParsedAttachment] | None = None
    for item in bounded(doc.get("url")):
        if not isinstance(item, Mapping):
            continue
        media_type = media_type_of(item)
        url = link_url(item, prefer=None)
        if not media_type or not media_type.startswith(prefix) or url is None:
            continue
        width = item.get("width")
        width = width if isinstance(width, int) and not isinstance(width, bool) else 0
        candidate = ParsedAttachment(type_names(doc)[0], url, media_type, None)
        if best is None or width > best[0]:
            best = (width, candidate)
    return best[1] if best else None
