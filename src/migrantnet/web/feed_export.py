"""RSS 2.0 and Atom 1.0 feeds of objects, built with `feedgen`: pure, no database.

Each entry is written in the item's own language: its title, summary and content are taken
in the object's primary language, and the entry says so (`xml:lang` on an Atom entry,
`dc:language` on an RSS item), so a feed mixing Arabic and French items is read right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator
from lxml import etree  # feedgen's own XML library

from migrantnet.content.html import html_to_text
from migrantnet.models import ContentObject

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DC = "http://purl.org/dc/elements/1.1/"


class EntryLanguage(BaseEntryExtension):
    """feedgen has no per-entry language: this extension writes it."""

    def __init__(self) -> None:
        self.language: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"dc": DC}

    def extend_atom(self, entry: Any) -> Any:
        if self.language:
            entry.set(XML_LANG, self.language)
        return entry

    def extend_rss(self, item: Any) -> Any:
        if self.language:
            etree.SubElement(item, f"{{{DC}}}language").text = self.language
        return item


@dataclass(frozen=True, slots=True)
class FeedInfo:
    title: str
    page_url: str  # the HTML page the feed is of
    feed_url: str  # this feed's own address
    description: str
    language: str | None = None


def _language(obj: ContentObject) -> str | None:
    maps = (obj.content_map, obj.name_map, obj.summary_map)
    if obj.primary_language and any(obj.primary_language in m for m in maps):
        return obj.primary_language
    return next((key for m in maps for key in m), None)


def _entry(entry: FeedEntry, obj: ContentObject, kind_label: str) -> None:
    language = _language(obj)
    title = obj.name_map.get(language or "") if language else None
    content = obj.content_map.get(language or "", "") if language else ""
    summary = obj.summary_map.get(language or "", "") if language else ""
    excerpt = html_to_text(summary or content)
    entry.id(obj.ap_id)
    entry.guid(obj.ap_id, permalink=True)
    entry.link(href=obj.url or obj.ap_id, rel="alternate")
    entry.title(title or excerpt[:80] or kind_label)
    entry.published(obj.published_at)
    entry.updated(obj.updated_at or obj.published_at)
    entry.category(term=obj.kind, label=kind_label)
    if excerpt:
        entry.summary(excerpt[:500])
    if content:
        entry.content(content, type="html")  # already sanitised when stored
    entry.language_of.language = language


def feed_generator(
    info: FeedInfo, objects: list[ContentObject], labels: dict[str, str]
) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(info.feed_url)
    feed.title(info.title)
    feed.subtitle(info.description or info.title)
    feed.link(href=info.page_url, rel="alternate")
    feed.link(href=info.feed_url, rel="self")
    feed.generator("migrantnet")
    if info.language:
        feed.language(info.language)
    if objects:
        feed.updated(max(obj.updated_at or obj.published_at for obj in objects))
    for obj in reversed(objects):  # feedgen puts the last added first
        entry = feed.add_entry()
        entry.register_extension("language_of", EntryLanguage)
        _entry(entry, obj, labels.get(obj.kind, obj.kind))
    return feed


def atom_bytes(info: FeedInfo, objects: list[ContentObject], labels: dict[str, str]) -> bytes:
    return feed_generator(info, objects, labels).atom_str(pretty=False)


def rss_bytes(info: FeedInfo, objects: list[ContentObject], labels: dict[str, str]) -> bytes:
    return feed_generator(info, objects, labels).rss_str(pretty=False)
