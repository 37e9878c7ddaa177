"""Events as iCalendar (RFC 5545), built with the `icalendar` library: pure, no database.

What calendar programs rely on, and Mobilizon and Gancio had to fix over the years:
- UID is the event's ActivityPub id, the same across edits; SEQUENCE is the row's edit count,
  so a client replaces the old version instead of showing two; STATUS:CANCELLED for cancelled
  events (kept, so subscribers see the cancellation).
- DTSTART/DTEND carry the event's own zone (TZID) with its VTIMEZONE, limited to the years
  the calendar spans; events in UTC are written in UTC.
- A series is one VEVENT with its RRULE and EXDATE (cancelled dates), plus one VEVENT per
  moved date (same UID, RECURRENCE-ID).
- DESCRIPTION is plain text (no HTML), lines are folded by the library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Calendar, vRecur
from icalendar import Event as VEvent

from migrantnet.content.formatting import zone
from migrantnet.content.html import html_to_text
from migrantnet.content.languages import country_name
from migrantnet.content.recurrence import parse_instants, parse_moved
from migrantnet.models import ContentObject, Event, EventStatus

PRODID = "-//migrantnet//agenda//EN"
STATUS = {
    EventStatus.CONFIRMED: "CONFIRMED",
    EventStatus.TENTATIVE: "TENTATIVE",
    EventStatus.CANCELLED: "CANCELLED",
}
DESCRIPTION_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class CalendarItem:
    """One event to write: its object, its row, and the language its texts are taken in."""

    obj: ContentObject
    event: Event
    language: str | None = None


def _text(values: dict[str, Any], language: str | None, primary: str | None) -> str:
    for key in (language, primary, *values):
        if key and isinstance(values.get(key), str) and values[key]:
            return str(values[key])
    return ""


def _location(event: Event) -> str:
    parts = [
        event.place_name,
        event.street,
        " ".join(p for p in (event.postal_code, event.locality) if p) or None,
        event.region,
        country_name(event.country, "en") if event.country else None,
    ]
    place = ", ".join(p for p in parts if p)
    if event.online_url:
        return f"{place} · {event.online_url}" if place else event.online_url
    return place


def _moment(value: datetime, event: Event) -> datetime:
    """In the event's zone (a TZID), or in UTC (a `Z`) for events kept in UTC."""
    where = zone(event.timezone)
    return value.astimezone(UTC) if where.key == "UTC" else value.astimezone(where)


def _common(component: VEvent, item: CalendarItem, stamp: datetime) -> None:
    obj, event = item.obj, item.event
    component.add("uid", obj.ap_id)
    component.add("dtstamp", stamp)
    component.add("sequence", event.sequence or 0)
    component.add("created", obj.published_at.astimezone(UTC))
    component.add("last-modified", (obj.updated_at or obj.published_at).astimezone(UTC))
    title = _text(obj.name_map, item.language, obj.primary_language)
    component.add("summary", title or obj.ap_id)
    summary = html_to_text(_text(obj.summary_map, item.language, obj.primary_language))
    body = html_to_text(_text(obj.content_map, item.language, obj.primary_language))
    description = "\n\n".join(part for part in (summary, body, obj.url or obj.ap_id) if part)
    component.add("description", description[:DESCRIPTION_LIMIT])
    location = _location(event)
    if location:
        component.add("location", location)
    if event.latitude is not None and event.longitude is not None:
        component.add("geo", (event.latitude, event.longitude))
    component.add("url", obj.url or obj.ap_id)
    component.add("status", STATUS.get(EventStatus(event.status), "CONFIRMED"))
    tags = [
        str(tag["name"]).lstrip("#")
        for tag in obj.tags
        if tag.get("type") == "Hashtag" and tag.get("name")
    ]
    if tags:
        component.add("categories", tags)


def _components(item: CalendarItem, stamp: datetime) -> list[VEvent]:
    event = item.event
    main = VEvent()
    _common(main, item, stamp)
    main.add("dtstart", _moment(event.starts_at, event))
    main.add("dtend", _moment(event.ends_at, event))
    found = [main]
    if event.rrule:
        main.add("rrule", vRecur.from_ical(event.rrule))
        cancelled = parse_instants(event.exdates)
        if cancelled:
            main.add("exdate", [_moment(value, event) for value in cancelled])
        for moved in parse_moved(event.moved):
            override = VEvent()
            _common(override, item, stamp)
            override.add("recurrence-id", _moment(moved.of, event))
            override.add("dtstart", _moment(moved.starts_at, event))
            override.add("dtend", _moment(moved.ends_at, event))
            found.append(override)
    return found


def _span(items: list[CalendarItem]) -> tuple[date, date]:
    """The years the VTIMEZONEs must cover: from the first start to the last end (series
    included), a year on each side."""
    starts = [item.event.starts_at for item in items]
    ends = [item.event.recurs_until or item.event.ends_at for item in items]
    first, last = min(starts) - timedelta(days=366), max(ends) + timedelta(days=366)
    return first.date(), last.date()


def calendar_bytes(
    items: list[CalendarItem], name: str, *, now: datetime | None = None, url: str | None = None
) -> bytes:
    """A VCALENDAR of `items`, named `name` (calendar programs show it)."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    if url:
        calendar.add("source", url, parameters={"VALUE": "URI"})
    for item in items:
        for component in _components(item, stamp):
            calendar.add_component(component)
    if items:
        first, last = _span(items)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()
