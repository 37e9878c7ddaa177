"""Our extension terms (FEDERATION.md, "Content types"): reading them, and each kind's fields.

A term may come as sent (`kind`), with our prefix (`mn:kind`) or as the full IRI. Values are
only shaped here (strings, lists of strings, dates); which codes are acceptable is the
content layer's rule, applied when the rows are stored. Each kind's `*_fields` function is
registered in `parse/content.py`'s `KIND_PARSERS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from migrantnet.federation.normalize import bounded, first_id, ids, plain_text, type_names
from migrantnet.federation.parse.objects import MAX_ATTACHMENTS, ParsedObject

_MEDIA_KINDS = {"Video": "video", "Audio": "audio"}  # a resource kind for others' media


def prop(doc: Mapping[str, Any], name: str) -> Any:
    """Our term as sent (`kind`), or with our prefix, or as the full IRI."""
    for key in (name, f"mn:{name}", f"https://migrantnet.org/ns#{name}"):
        value = doc.get(key)
        if value is not None:
            return value
    return None


def word(value: Any) -> str | None:
    text = plain_text(value) if isinstance(value, str) else None
    return text.lower() if text else None


def words(value: Any) -> list[str]:
    result: dict[str, None] = {}
    for item in bounded(value):
        text = plain_text(item) if isinstance(item, str) else None
        if text:
            result.setdefault(text, None)
    return list(result)


def date_of(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def collection_ids(value: Any) -> list[str]:
    """Ids in a Collection (`items`, `orderedItems`, an embedded `first` page) or a list."""
    if isinstance(value, Mapping) and ("type" in value or "items" in value or "first" in value):
        found = ids(value.get("items")) or ids(value.get("orderedItems"))
        first = value.get("first")
        if not found and isinstance(first, Mapping):
            found = ids(first.get("items")) or ids(first.get("orderedItems"))
        return found
    return ids(value)


def struggle_fields(doc: Mapping[str, Any], obj: ParsedObject) -> dict[str, Any]:
    return {
        "status": word(prop(doc, "struggleStatus")),
        "countries": [c.upper() for c in words(prop(doc, "countries"))],
        "topics": words(prop(doc, "topics")),
        "started_on": date_of(prop(doc, "startedOn")),
    }


def declaration_fields(doc: Mapping[str, Any], obj: ParsedObject) -> dict[str, Any]:
    place = prop(doc, "adoptedAt")
    return {
        "adopted_on": date_of(prop(doc, "adoptedOn")),
        "adopted_at_place": plain_text(place) if isinstance(place, str) else None,
    }


def resource_fields(doc: Mapping[str, Any], obj: ParsedObject) -> dict[str, Any]:
    audience = prop(doc, "resourceAudience") or doc.get("mn:audience")
    links = []
    for item in bounded(doc.get("attachment"), MAX_ATTACHMENTS):
        if isinstance(item, Mapping) and "Link" in type_names(item):
            url = first_id({"type": "Link", "href": item.get("href") or item.get("url")})
            if url:
                name = item.get("name")
                links.append(
                    {"url": url, "name": plain_text(name) if isinstance(name, str) else None}
                )
    return {
        "resource_kind": word(prop(doc, "resourceKind")) or _MEDIA_KINDS.get(obj.type),
        "languages": words(prop(doc, "languages")),
        "topics": words(prop(doc, "topics")),
        "audience": plain_text(audience) if isinstance(audience, str) else None,
        "links": links,
    }


def practice_fields(doc: Mapping[str, Any], obj: ParsedObject) -> dict[str, Any]:
    return {"outcome": word(prop(doc, "outcome"))}
