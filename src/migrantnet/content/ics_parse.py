"""Parsing a partner's `.ics` feed (RFC 5545) into the events `ics_import` stores. Pure.

Each VEVENT becomes a `FeedEvent` whose object id is `<feed URL>#uid=<UID>` (`event_ap_id`);
times keep their zone, unknown zones fall back to the calendar's, and a feed over
`MAX_EVENTS` is refused whole with a `FeedError`.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from migrantnet.content import peer_values
from migrantnet.content.errors import InvalidInput
from migrantnet.content.events import RemoteEventData
from migrantnet.content.remote import RemoteObjectData
from migrantnet.models import (
    EventStatus,
    Kind,
    Visibility,
)
from migrantnet.translations import N_

FEED_ACTOR_TYPE = "Calendar"
MAX_EVENTS = 2000  # VEVENTs one feed may hold; a larger feed is refused whole
MAX_URL = 1900  # leaves room for `#uid=...` in an object id of at most 2048
_UNDETERMINED = "und"


class FeedError(Exception):
    """A feed that cannot be imported, said in one line for the subscription's page."""


@dataclass(slots=True)
class FeedEvent:
    uid: str
    data: RemoteObjectData
    digest: str  # of the values we keep: an edit changes it, a regenerated DTSTAMP does not


@dataclass(slots=True)
class ParsedFeed:
    name: str | None
    events: list[FeedEvent] = field(default_factory=list)
    # UIDs of VEVENTs that could not be read (no DTSTART, ...): what was imported of them stays
    unreadable: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def check_feed_url(value: str) -> str:
    """An http(s) URL without fragment or credentials; `webcal:` is read as https."""
    value = value.strip()
    if value.lower().startswith("webcal://"):
        value = "https://" + value[len("webcal://") :]
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise InvalidInput("url", N_("give the http(s) address of an .ics feed"))
    if len(value) > MAX_URL:
        raise InvalidInput(
            "url", N_("the address is longer than %(limit)s characters"), limit=MAX_URL
        )
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def event_ap_id(feed_url: str, uid: str) -> str:
    return f"{feed_url}#uid={quote(uid, safe='')}"


def _zone_of(value: datetime, default: tzinfo) -> tuple[datetime, str | None]:
    """An aware instant and the IANA name of its zone, if it has one we know."""
    if value.tzinfo is None:  # floating time: the calendar's zone
        value = value.replace(tzinfo=default)
    name = getattr(value.tzinfo, "key", None) or getattr(value.tzinfo, "zone", None)
    if name is None and value.utcoffset() == timedelta(0):
        name = "UTC"
    return value, peer_values.known_zone(name) if isinstance(name, str) else None


def _instant(prop: Any, default: tzinfo) -> tuple[datetime, str | None, bool]:
    """(instant, zone, all day) of a DTSTART/DTEND/RECURRENCE-ID property."""
    value = prop.dt
    if isinstance(value, datetime):
        aware, zone_name = _zone_of(value, default)
        return aware, zone_name, False
    if isinstance(value, date):
        aware, zone_name = _zone_of(datetime.combine(value, time()), default)
        return aware, zone_name, True
    raise ValueError("not a date")


def _text(component: Any, name: str, limit: int) -> str | None:
    value = component.get(name)
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] if text else None


def _paragraphs(text: str) -> str:
    """A plain-text DESCRIPTION as safe HTML: escaped, one paragraph per blank-line block."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return "".join(
        "<p>" + html.escape(block).replace("\n", "<br>") + "</p>" for block in blocks if block
    )


def _default_zone(calendar: Any) -> tzinfo:
    name = calendar.get("X-WR-TIMEZONE")
    if name is not None:
        try:
            return ZoneInfo(str(name).strip())
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    return UTC


def _event(feed_url: str, component: Any, default: tzinfo, now: datetime) -> FeedEvent:
    uid = _text(component, "UID", 1000)
    if uid is None:
        raise ValueError("an event without UID")
    if component.get("DTSTART") is None:
        raise ValueError(f"the event {uid!r} has no DTSTART")
    starts, zone_name, all_day = _instant(component["DTSTART"], default)
    if component.get("DTEND") is not None:
        ends = _instant(component["DTEND"], default)[0]
    elif component.get("DURATION") is not None:
        ends = starts + component["DURATION"].dt
    else:
        ends = starts + timedelta(days=1) if all_day else starts
    status = {
        "CANCELLED": EventStatus.CANCELLED,
        "TENTATIVE": EventStatus.TENTATIVE,
    }.get(str(component.get("STATUS", "")).upper(), EventStatus.CONFIRMED)
    rrule = None
    if component.get("RRULE") is not None:
        rrule = component["RRULE"].to_ical().decode("ascii", "replace")
    exdates: list[datetime] = []
    raw_exdates = component.get("EXDATE")
    for group in raw_exdates if isinstance(raw_exdates, list) else [raw_exdates]:
        for item in getattr(group, "dts", []):
            exdates.append(_instant(item, default)[0].astimezone(UTC))
    latitude = longitude = None
    geo = component.get("GEO")
    if geo is not None:
        latitude, longitude = float(geo.latitude), float(geo.longitude)
    url = _text(component, "URL", 2048)
    if url is not None and not url.startswith(("https://", "http://")):
        url = None
    description = _text(component, "DESCRIPTION", 20000)
    summary = _text(component, "SUMMARY", 500) or uid[:500]
    location = _text(component, "LOCATION", 500)
    online = location if location and location.startswith(("https://", "http://")) else None
    values = RemoteEventData(
        starts_at=starts,
        ends_at=ends,
        timezone=zone_name,
        status=status,
        place_name=None if online else location,
        latitude=latitude,
        longitude=longitude,
        online_url=online,
        rrule=rrule,
        exdates=exdates,
    )
    modified = component.get("LAST-MODIFIED")
    data = RemoteObjectData(
        ap_id=event_ap_id(feed_url, uid),
        type="Event",
        url=url,
        in_reply_to=None,
        primary_language=None,
        name_map={_UNDETERMINED: summary},
        summary_map={},
        content_map={_UNDETERMINED: _paragraphs(description)} if description else {},
        sensitive=False,
        visibility=Visibility.PUBLIC,
        published_at=now,
        updated_at=modified.dt.astimezone(UTC) if modified is not None else None,
        kind=Kind.EVENT,
        values=values,
    )
    kept = [
        summary,
        description,
        url,
        starts.isoformat(),
        ends.isoformat(),
        zone_name,
        status,
        location,
        latitude,
        longitude,
        rrule,
        [item.isoformat() for item in exdates],
    ]
    digest = hashlib.sha256(json.dumps(kept, default=str).encode()).hexdigest()
    return FeedEvent(uid=uid, data=data, digest=digest)


def parse_feed(feed_url: str, body: bytes, now: datetime) -> ParsedFeed:
    """The events of a feed; raises `FeedError` when it is not an iCalendar feed at all or
    holds more than `MAX_EVENTS` events. Private events (CLASS other than PUBLIC) and
    overrides of one occurrence (RECURRENCE-ID) are left out."""
    import icalendar

    if not body.lstrip()[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        raise FeedError("this is not an iCalendar feed (no BEGIN:VCALENDAR)")
    counted = body.upper().count(b"BEGIN:VEVENT")  # refused before the (slower) parse
    if counted > MAX_EVENTS:
        raise FeedError(f"the feed holds {counted} events, more than {MAX_EVENTS}")
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except Exception as exc:  # icalendar raises ValueError and others on broken input
        raise FeedError(f"this iCalendar feed cannot be read: {str(exc)[:200]}") from None
    components = [c for c in calendar.walk("VEVENT")]
    if len(components) > MAX_EVENTS:
        raise FeedError(f"the feed holds {len(components)} events, more than {MAX_EVENTS}")
    name = calendar.get("X-WR-CALNAME")
    parsed = ParsedFeed(name=str(name).strip()[:200] or None if name is not None else None)
    default = _default_zone(calendar)
    seen: set[str] = set()
    for component in components:
        if component.get("RECURRENCE-ID") is not None:
            continue
        if str(component.get("CLASS", "PUBLIC")).upper() != "PUBLIC":
            uid = _text(component, "UID", 1000)
            if uid is not None:
                seen.add(uid)  # not shown, and not "gone" either: removed below
            continue
        try:
            event = _event(feed_url, component, default, now)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            uid = _text(component, "UID", 1000)
            if uid is not None:
                parsed.unreadable.add(uid)
            parsed.problems.append(str(exc)[:200])
            continue
        if event.uid in seen:
            continue
        seen.add(event.uid)
        parsed.events.append(event)
    return parsed
