"""Collections and collection pages (followers, outboxes, featured, replies)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from migrantnet.federation.normalize import as_list, first_id, is_http_uri

__all__ = ["ParsedCollection", "parse_collection"]


@dataclass(frozen=True, slots=True)
class ParsedCollection:
    ap_id: str | None
    total_items: int | None
    first: str | None
    items: tuple[Any, ...]


def parse_collection(doc: Mapping[str, Any]) -> ParsedCollection:
    """Read a Collection, OrderedCollection or one of their pages.

    Items are returned as sent (ids or embedded objects).  When ``first`` is an
    inline page its items are included, and ``first`` then names the page to
    fetch *next* (that page's ``next``), so that following ``first`` never
    yields the same items twice.
    """
    if not isinstance(doc, Mapping):
        return ParsedCollection(None, None, None, ())
    items = _items(doc)
    first = doc.get("first")
    if isinstance(first, Mapping) and ("items" in first or "orderedItems" in first):
        items.extend(_items(first))
        first = first.get("next")
    ap_id = doc.get("id")
    return ParsedCollection(
        ap_id=ap_id if is_http_uri(ap_id) else None,
        total_items=_count(doc.get("totalItems")),
        first=first_id(first),
        items=tuple(items),
    )


def _items(doc: Mapping[str, Any]) -> list[Any]:
    ordered = doc.get("orderedItems")
    items = ordered if ordered is not None else doc.get("items")
    return [item for item in as_list(items) if item is not None]


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
