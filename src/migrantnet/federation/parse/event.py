"""Events as Mobilizon, Gancio and FEP-8a8e senders write them.

An event is only worth storing if we know when it starts, so a missing or
unreadable ``startTime`` is fatal.  Locations are the messy part: a single
Place or a list, ``address`` as a string, a PostalAddress or a
VirtualLocation, coordinates at the top or under ``geo``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from migrantnet.federation.normalize import (
    as_list,
    bounded,
    get_prop,
    is_http_uri,
    link_url,
    media_type_of,
    parse_datetime,
    plain_text,
    type_names,
)
from migrantnet.federation.parse.errors import ParseError

# How much of a peer's lists is read (the rest is ignored): places and links are few in truth.
MAX_LOCATIONS = 16
MAX_ATTACHMENTS = 64

__all__ = ["ParsedEvent", "ParsedPlace", "parse_event", "parse_location"]


@dataclass(frozen=True, slots=True)
class ParsedPlace:
    name: str | None
    address: str | None  # one line; PostalAddress parts joined with ", "
    street: str | None
    locality: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    start: datetime
    end: datetime | None
    timezone: str | None
    places: tuple[ParsedPlace, ...]
    online_urls: tuple[str, ...]
    status: str
    join_mode: str | None
    external_participation_url: str | None
    category: str | None
    rrule: str | None = None  # `mn:rrule`; checked (and bounded) when stored
    exdates: tuple[datetime, ...] = ()
    moved: tuple[tuple[datetime, datetime, datetime], ...] = ()
    # Whether its author takes comments (Mobilizon's `commentsEnabled`, `_comments_enabled`)
    comments_enabled: bool = True


# schema.org eventStatus and iCalendar STATUS, both folded to three states.
_STATUS: dict[str, str] = {
    "eventscheduled": "confirmed",
    "eventrescheduled": "confirmed",
    "eventmovedonline": "confirmed",
    "confirmed": "confirmed",
    "eventtentative": "tentative",
    "eventpostponed": "tentative",
    "tentative": "tentative",
    "eventcancelled": "cancelled",
    "eventcanceled": "cancelled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}


def parse_event(doc: Mapping[str, Any]) -> ParsedEvent:
    """Read the event part of an ``Event`` object."""
    if not isinstance(doc, Mapping):
        raise ParseError("", "event is not a JSON object")
    start = parse_datetime(get_prop(doc, "startTime"))
    if start is None:
        raise ParseError("startTime", "event has no usable startTime")
    end = parse_datetime(get_prop(doc, "endTime"))
    if end is not None and end < start:
        end = None  # an end before the start is a sender bug, not information
    places, online = parse_location(get_prop(doc, "location"))
    online_urls = tuple(dict.fromkeys((*online, *_website_links(doc))))
    return ParsedEvent(
        start=start,
        end=end,
        timezone=valid_timezone(get_prop(doc, "timezone")),
        places=places,
        online_urls=online_urls,
        status=_status(doc),
        join_mode=_lower_word(get_prop(doc, "joinMode")),
        external_participation_url=_participation_url(get_prop(doc, "externalParticipationUrl")),
        category=_category(get_prop(doc, "category")),
        rrule=_rrule(get_prop(doc, "rrule")),
        exdates=_instants(get_prop(doc, "exdate")),
        moved=_moved(get_prop(doc, "movedOccurrences")),
        comments_enabled=_comments_enabled(doc),
    )


# Mobilizon's `repliesModerationOption`: "moderated" still takes comments (held for review).
_REPLIES_OPEN = {"allow_all": True, "moderated": True, "closed": False}


def _comments_enabled(doc: Mapping[str, Any]) -> bool:
    """Mobilizon reads `repliesModerationOption` first and then `commentsEnabled`, absent
    meaning yes; it writes `commentsEnabled` true only for "allow_all", so a moderated event
    says false while still taking comments. Read the same way: closed only when the option
    says "closed", or, without a known option, when `commentsEnabled` is false."""
    option = _lower_word(get_prop(doc, "repliesModerationOption"))
    if option in _REPLIES_OPEN:
        return _REPLIES_OPEN[option]
    return get_prop(doc, "commentsEnabled") is not False


MAX_SERIES_ITEMS = 200


def _rrule(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and 0 < len(value.strip()) <= 600 else None


def _instants(value: Any) -> tuple[datetime, ...]:
    items = value if isinstance(value, list) else [value]
    found = (parse_datetime(item) for item in items[:MAX_SERIES_ITEMS] if isinstance(item, str))
    return tuple(item for item in found if item is not None)


def _moved(value: Any) -> tuple[tuple[datetime, datetime, datetime], ...]:
    items = value if isinstance(value, list) else [value]
    result = []
    for item in items[:MAX_SERIES_ITEMS]:
        if not isinstance(item, Mapping):
            continue
        of, starts, ends = (
            parse_datetime(get_prop(item, key)) for key in ("recurrenceId", "startTime", "endTime")
        )
        if of is not None and starts is not None and ends is not None:
            result.append((of, starts, ends))
    return tuple(result)


def parse_location(value: Any) -> tuple[tuple[ParsedPlace, ...], tuple[str, ...]]:
    """Split a ``location`` value into physical places and online URLs.

    A Place whose ``address`` is a VirtualLocation, a VirtualLocation itself,
    and any location flagged ``isOnline`` contribute URLs, not places.
    """
    places: list[ParsedPlace] = []
    online: list[str] = []
    for item in bounded(value, MAX_LOCATIONS):
        if isinstance(item, str):
            text = item.strip()
            if is_http_uri(text):
                _add(online, text)
            elif text:
                places.append(_place(name=plain_text(text)))
            continue
        if not isinstance(item, Mapping):
            continue
        virtual = _virtual_url(item)
        if virtual is not None:
            _add(online, virtual)
            continue
        place = _parse_place(item)
        if place is not None:
            places.append(place)
    return tuple(places), tuple(online)


def _add(urls: list[str], url: str) -> None:
    if url not in urls:
        urls.append(url)


def _virtual_url(item: Mapping[str, Any]) -> str | None:
    if "VirtualLocation" in type_names(item) or get_prop(item, "isOnline") is True:
        return link_url(item.get("url") or item.get("href"))
    address = item.get("address")
    if isinstance(address, Mapping) and "VirtualLocation" in type_names(address):
        return link_url(address.get("url") or address.get("href")) or link_url(item.get("url"))
    return None


def _place(**fields: Any) -> ParsedPlace:
    values: dict[str, Any] = dict.fromkeys(ParsedPlace.__slots__)
    values.update(fields)
    return ParsedPlace(**values)


def _parse_place(item: Mapping[str, Any]) -> ParsedPlace | None:
    parts: dict[str, str | None] = {}
    line: str | None = None
    for address in as_list(item.get("address"))[:1]:
        if isinstance(address, str):
            line = plain_text(address)
        elif isinstance(address, Mapping):
            parts = {
                "street": plain_text(get_prop(address, "streetAddress")),
                "postal_code": _code(get_prop(address, "postalCode")),
                "locality": plain_text(get_prop(address, "addressLocality")),
                "region": plain_text(get_prop(address, "addressRegion")),
                "country": _country(get_prop(address, "addressCountry")),
            }
            joined = [
                parts[key]
                for key in ("street", "postal_code", "locality", "region", "country")
                if parts[key]
            ]
            line = ", ".join(p for p in joined if p) or None
    latitude, longitude = _coordinates(item)
    place = _place(
        name=plain_text(item.get("name")),
        address=line,
        latitude=latitude,
        longitude=longitude,
        **parts,
    )
    if all(getattr(place, field) is None for field in ParsedPlace.__slots__):
        return None  # Mobilizon sends all-null placeholders
    return place


def _code(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return plain_text(value)


def _country(value: Any) -> str | None:
    if isinstance(value, Mapping):  # schema.org Country object
        return plain_text(value.get("name"))
    return plain_text(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _coordinates(item: Mapping[str, Any]) -> tuple[float | None, float | None]:
    sources = [item]
    geo = item.get("geo")
    if isinstance(geo, Mapping):
        sources.append(geo)
    for source in sources:
        lat, lon = _number(source.get("latitude")), _number(source.get("longitude"))
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    return None, None


def _website_links(doc: Mapping[str, Any]) -> list[str]:
    """Mobilizon puts the online address in an attachment Link named "Website"."""
    urls: list[str] = []
    for item in bounded(doc.get("attachment"), MAX_ATTACHMENTS):
        if not isinstance(item, Mapping) or "Link" not in type_names(item):
            continue
        name = item.get("name")
        media_type = media_type_of(item)
        if not isinstance(name, str) or name.strip().lower() != "website":
            continue
        if media_type not in (None, "text/html"):
            continue
        url = link_url(item.get("href") or item.get("url"))
        if url:
            _add(urls, url)
    return urls


_TZ_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*$")


@lru_cache(maxsize=512)
def _known_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def valid_timezone(value: Any) -> str | None:
    """``value`` if it is an IANA zone name this system knows, else ``None``."""
    if not isinstance(value, str):
        return None
    name = value.strip()
    if not name or len(name) > 64 or not _TZ_NAME.match(name):
        return None
    return name if _known_timezone(name) else None


def _status(doc: Mapping[str, Any]) -> str:
    for key in ("eventStatus", "status"):
        for raw in bounded(get_prop(doc, key), 16):
            if isinstance(raw, Mapping):
                raw = raw.get("id") or raw.get("name")
            if isinstance(raw, str) and raw.strip():
                word = re.split(r"[#/:]", raw.strip().rstrip("/"))[-1].lower()
                if word in _STATUS:
                    return _STATUS[word]
    return "confirmed"


def _lower_word(value: Any) -> str | None:
    text = plain_text(value)
    return text.lower() if text else None


def _participation_url(value: Any) -> str | None:
    if is_http_uri(value):
        return value
    if isinstance(value, str) and value.strip().lower().startswith("mailto:"):
        return value.strip()
    return None


def _category(value: Any) -> str | None:
    for item in bounded(value, 16):
        if isinstance(item, Mapping):
            item = item.get("name") or item.get("identifier")
        text = plain_text(item)
        if text:
            return text
    return None
