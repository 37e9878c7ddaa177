"""The agenda's view models: events grouped by day, a month's grid, in two zones.

Each event is shown at its own wall-clock time in its own zone ("18:00 Europe/Rome") and,
when the reader chose another zone, at the reader's time too; days are the reader's days.
Both come from the UTC instant through `zoneinfo`, so a daylight-saving change between
now and the event moves nothing.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from migrantnet.content.agenda import AgendaEntry, DayEntries, MonthDate
from migrantnet.content.formatting import datetime_text, zone, zone_label
from migrantnet.content.languages import country_name
from migrantnet.content.reply_targets import comments_closed
from migrantnet.models import EventStatus
from migrantnet.uris import Uris
from migrantnet.web.hrefs import safe_href
from migrantnet.web.i18n import pick_language, text_direction
from migrantnet.web.views.parts import ActorLink, Badge, Moment, actor_link, label

DAY_PATTERN = "EEEE d MMMM y"


@dataclass(frozen=True, slots=True)
class AgendaEventView:
    url: str
    title: str
    title_language: str
    title_direction: str
    cancelled: bool
    status: Badge | None  # shown when tentative
    recurring: bool  # one occurrence of a series
    event_start: Moment  # in the event's zone
    event_end: Moment
    event_zone: str  # "Europe/Rome (CET, UTC+01:00)"
    reader_start: Moment | None  # in the reader's zone, when it differs from the event's
    reader_end: Moment | None
    reader_zone: str | None
    place: str | None
    online: bool
    clock: str  # the start's time of day in the reader's zone ("18:30"), for the month grid
    author: ActorLink
    via: ActorLink | None  # the group that shared it with us
    origin: str  # the server it comes from ("" for this node)
    local: bool
    calendar_url: str  # the event as iCalendar
    comments_closed: bool = False  # another server's event whose author takes no comments


@dataclass(frozen=True, slots=True)
class DayView:
    heading: str
    iso: str
    events: tuple[AgendaEventView, ...]


@dataclass(frozen=True, slots=True)
class CellEventView:
    url: str
    title: str
    title_language: str
    title_direction: str
    cancelled: bool
    start_iso: str  # in the event's zone
    clock: str  # the start's time of day in the reader's zone; "" on the days after its start


@dataclass(frozen=True, slots=True)
class CellView:
    day: int | None  # None: a day of the neighbouring month
    iso: str
    label: str  # "Friday 18 December 2026": for screen readers, and on narrow screens
    today: bool
    events: tuple[CellEventView, ...]  # the day's first few
    more: int = 0  # the day's other dates, not shown in the grid
    more_capped: bool = False  # at least `more`: the day was counted up to a cap
    day_url: str = ""  # the agenda's list of that day


@dataclass(frozen=True, slots=True)
class MonthView:
    heading: str
    weekdays: tuple[str, ...]
    weeks: tuple[tuple[CellView, ...], ...]
    previous: str  # "2026-11"
    next: str


def _span(
    starts: datetime, ends: datetime, where: ZoneInfo, language: str
) -> tuple[Moment, Moment]:
    start = Moment(
        datetime_text(starts, f"{DAY_PATTERN}, HH:mm", where, language),
        starts.astimezone(where).isoformat(timespec="minutes"),
    )
    same_day = starts.astimezone(where).date() == ends.astimezone(where).date()
    pattern = "HH:mm" if same_day else f"{DAY_PATTERN}, HH:mm"
    end = Moment(
        datetime_text(ends, pattern, where, language),
        ends.astimezone(where).isoformat(timespec="minutes"),
    )
    return start, end


def _place(entry: AgendaEntry, language: str) -> str | None:
    event = entry.event
    parts = [
        event.place_name,
        event.locality,
        country_name(event.country, language) if event.country else None,
    ]
    text = ", ".join(p for p in parts if p)
    return text or None


def event_view(
    entry: AgendaEntry, reader_zone: ZoneInfo, wanted: list[str], language: str
) -> AgendaEventView:
    obj, event = entry.obj, entry.event
    title_language = pick_language(obj.name_map, wanted, obj.primary_language) or ""
    title = obj.name_map.get(title_language) if title_language else None
    where = zone(event.timezone)
    event_start, event_end = _span(entry.starts_at, entry.ends_at, where, language)
    reader_start = reader_end = None
    reader_label = None
    if reader_zone.key != where.key:
        reader_start, reader_end = _span(entry.starts_at, entry.ends_at, reader_zone, language)
        reader_label = zone_label(reader_zone.key, entry.starts_at.astimezone(reader_zone))
    host = urlsplit(obj.ap_id).hostname or ""
    return AgendaEventView(
        url=safe_href(obj.url or obj.ap_id),
        title=title or host,
        title_language=title_language,
        title_direction=text_direction(title_language),
        cancelled=entry.cancelled,
        status=(
            Badge(label(event.status), event.status)
            if event.status not in (EventStatus.CONFIRMED, EventStatus.CANCELLED)
            else None
        ),
        recurring=entry.occurrence is not None,
        event_start=event_start,
        event_end=event_end,
        event_zone=zone_label(event.timezone, entry.starts_at.astimezone(where)),
        reader_start=reader_start,
        reader_end=reader_end,
        reader_zone=reader_label,
        place=_place(entry, language),
        online=event.online_url is not None,
        clock=datetime_text(entry.starts_at, "HH:mm", reader_zone, language),
        author=actor_link(entry.author),
        via=actor_link(entry.via) if entry.via is not None else None,
        origin="" if entry.local else host,
        local=entry.local,
        calendar_url=Uris.event_calendar_path(obj.ap_id),
        comments_closed=comments_closed(obj),
    )


def days_view(
    entries: list[AgendaEntry], reader_zone: ZoneInfo, wanted: list[str], language: str
) -> tuple[DayView, ...]:
    """Entries (in start order) grouped under the reader's day of their start."""
    days: dict[date, list[AgendaEventView]] = {}
    for entry in entries:
        day = entry.starts_at.astimezone(reader_zone).date()
        days.setdefault(day, []).append(event_view(entry, reader_zone, wanted, language))
    return tuple(
        DayView(
            heading=datetime_text(
                datetime.combine(day, time(12), reader_zone), DAY_PATTERN, reader_zone, language
            ),
            iso=day.isoformat(),
            events=tuple(views),
        )
        for day, views in days.items()
    )


_REGION_RE = re.compile(r"^([A-Za-z]{2,3})[-_](?:[A-Za-z]{4}[-_])?([A-Za-z]{2}|\d{3})\b")


def first_weekday(language: str, accepted: list[str]) -> int:
    """The day weeks start on (0 Monday ... 6 Sunday, as `calendar`), Babel's for the reader's
    region: the first of the reader's languages (`i18n.accepted_languages`, in order) that is the
    interface's and names a region (en-GB: Monday), else the language's most likely region
    (en: the US, Sunday; ar: Egypt, Saturday)."""
    territory = None
    for tag in accepted:
        match = _REGION_RE.match(tag)
        if match and match[1].lower() == language:
            territory = match[2].upper()
            break
    if territory is None:
        # "en" -> "en_Latn_US": the region a reader of the language most likely lives in
        likely = str(get_global("likely_subtags").get(language, ""))
        territory = next((p for p in likely.split("_")[1:] if p.isupper() or p.isdigit()), None)
    try:
        return Locale(language, territory).first_week_day
    except (UnknownLocaleError, ValueError, TypeError):
        return 0


def day_bounds(year: int, month: int, reader_zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Each day of the month as [midnight, next midnight) in the reader's zone (a day of a
    daylight-saving change is 23 or 25 hours long)."""
    last_day = calendar.monthrange(year, month)[1]
    days = [date(year, month, n) for n in range(1, last_day + 1)]
    return [
        (
            datetime.combine(d, time(0), reader_zone),
            datetime.combine(d + _DAY, time(0), reader_zone),
        )
        for d in days
    ]


_DAY = timedelta(days=1)


def cell_event_view(
    entry: MonthDate, day: date, reader_zone: ZoneInfo, wanted: list[str], language: str
) -> CellEventView:
    """What a cell shows of a date: a list's whole view (both zones' spans, place, author)
    took most of a full month's rendering. A date begun on an earlier day shows no time of
    day there (its start's would read as a new start)."""
    title_language = pick_language(entry.name_map, wanted, entry.primary_language) or ""
    title = entry.name_map.get(title_language) if title_language else None
    starts = entry.starts_at.astimezone(reader_zone)
    return CellEventView(
        url=safe_href(entry.url or entry.ap_id),
        title=title or urlsplit(entry.ap_id).hostname or "",
        title_language=title_language,
        title_direction=text_direction(title_language),
        cancelled=entry.cancelled,
        start_iso=entry.starts_at.astimezone(zone(entry.timezone)).isoformat(timespec="minutes"),
        # Babel's "HH:mm" in each interface language, without its per-call locale lookup
        clock=starts.strftime("%H:%M") if starts.date() >= day else "",
    )


def month_view(
    year: int,
    month: int,
    days: list[DayEntries],
    reader_zone: ZoneInfo,
    wanted: list[str],
    language: str,
    today: date,
    *,
    week_start: int = 0,
    day_url: Callable[[date], str] = lambda day: "",
) -> MonthView:
    """Weeks from `week_start`; `days` are the month's from the 1st (`month_days`; none when the
    filters were wrong, the page then says so): each cell shows its first dates and how many
    more the day holds, linked to that day's list."""
    by_day = {date(year, month, n + 1): day for n, day in enumerate(days)}
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    weeks = []
    for week in calendar.Calendar(firstweekday=week_start).monthdatescalendar(year, month):
        cells = []
        for d in week:
            found = by_day.get(d)
            shown = tuple(
                cell_event_view(entry, d, reader_zone, wanted, language)
                for entry in (found.entries if found is not None else ())
            )
            cells.append(
                CellView(
                    day=d.day if d.month == month else None,
                    iso=d.isoformat(),
                    # shown only for the month's own days
                    label=datetime_text(
                        datetime.combine(d, time(12), reader_zone),
                        DAY_PATTERN,
                        reader_zone,
                        language,
                    )
                    if d.month == month
                    else "",
                    today=d == today,
                    events=shown,
                    more=max(found.count - len(shown), 0) if found is not None else 0,
                    more_capped=found.capped if found is not None else False,
                    day_url=day_url(d) if found is not None else "",
                )
            )
        weeks.append(tuple(cells))
    monday = date(2024, 1, 1)  # a Monday
    noon = time(12)
    weekdays = tuple(
        datetime_text(
            datetime.combine(monday + timedelta(days=(week_start + n) % 7), noon, reader_zone),
            "EEEE",
            reader_zone,
            language,
        )
        for n in range(7)
    )
    middle = datetime(year, month, 15, 12, tzinfo=reader_zone)
    previous = first - timedelta(days=1)
    following = last + timedelta(days=1)
    return MonthView(
        heading=datetime_text(middle, "LLLL y", reader_zone, language),
        weekdays=weekdays,
        weeks=tuple(weeks),
        previous=f"{previous.year:04}-{previous.month:02}",
        next=f"{following.year:04}-{following.month:02}",
    )
