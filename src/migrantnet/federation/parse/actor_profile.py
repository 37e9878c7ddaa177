"""What an actor document says of where an association works and what about, for the
directory: read leniently, raw (the store turns a country name into its code and keeps only
topics of the usual shape, `content.peer_values`).

- the country: a `PropertyValue` profile field named "Country" (in one of our languages, as
  Mastodon shows fields; ours send one), else the `addressCountry` of the actor's `location`
  (Mobilizon's groups);
- the topics: the actor's `Hashtag` tags (ours and Mastodon's), and a "Topics" field whose
  value lists them separated by commas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migrantnet.content.html import html_to_text
from migrantnet.federation.normalize import bounded, get_prop, plain_text, type_names

COUNTRY_FIELDS = frozenset({"country", "país", "pais", "pays", "paese", "بلد", "البلد"})
TOPIC_FIELDS = frozenset({"topics", "temas", "thèmes", "themes", "temi", "مواضيع"})
MAX_FIELDS = 16
MAX_TOPICS = 64


def _fields(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name casefolded, value as text) of each `PropertyValue` attachment."""
    found = []
    for item in bounded(doc.get("attachment"), MAX_FIELDS):
        if not isinstance(item, Mapping) or "PropertyValue" not in type_names(item):
            continue
        name, value = plain_text(item.get("name")), item.get("value")
        if name and isinstance(value, str):
            text = plain_text(html_to_text(value[:2000]))
            if text:
                found.append((name.casefold(), text))
    return found


def _location_country(doc: Mapping[str, Any]) -> str | None:
    for place in bounded(doc.get("location"), 4):
        if not isinstance(place, Mapping):
            continue
        address = place.get("address")
        if isinstance(address, Mapping):
            country = get_prop(address, "addressCountry")
            if isinstance(country, Mapping):  # a schema.org Country
                country = country.get("name")
            if text := plain_text(country):
                return text
    return None


def actor_country(doc: Mapping[str, Any]) -> str | None:
    for name, value in _fields(doc):
        if name in COUNTRY_FIELDS:
            return value[:200]
    return _location_country(doc)


def actor_topics(doc: Mapping[str, Any]) -> tuple[str, ...]:
    topics: dict[str, None] = {}
    for item in bounded(doc.get("tag"), 256):
        if isinstance(item, Mapping) and "Hashtag" in type_names(item):
            name = plain_text(item.get("name"))
            if name:
                topics.setdefault(name.lstrip("#")[:100], None)
    for name, value in _fields(doc):
        if name in TOPIC_FIELDS:
            for part in value.split(","):
                if part.strip():
                    topics.setdefault(part.strip().lstrip("#")[:100], None)
    return tuple(topics)[:MAX_TOPICS]
