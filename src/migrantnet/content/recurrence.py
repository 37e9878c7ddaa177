"""Recurring events: an RFC 5545 RRULE on the event, expanded in bounded time.

A series is its first occurrence (the event's start and end) plus a rule, expanded in the
event's own wall-clock time, so a weekly 18:00 in Rome stays 18:00 across the change to
summer time. Every series ends: a rule without UNTIL or COUNT gets an UNTIL `HORIZON` after
the first start when it is checked (the author sees it), and no series yields more than
`MAX_OCCURRENCES`. One occurrence can be cancelled (kept as an EXDATE) or moved (a new start
and end for it, as a RECURRENCE-ID override in iCalendar). Pure functions: no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from migrantnet.content.errors import InvalidInput
from migrantnet.translations import N_

HORIZON = timedelta(days=2 * 366)
MAX_OCCURRENCES = 1000
MAX_EXCEPTIONS = 200  # cancelled or moved occurrences of one series
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_PART_RE = re.compile(r"^[A-Z]+=[A-Z0-9,+\-]+$")
_UNTIL_RE = re.compile(r"^(\d{8})(T(\d{6})(Z?))?$")


@dataclass(frozen=True, slots=True)
class Occurrence:
    starts_at: datetime  # UTC
    ends_at: datetime
    of: datetime  # the start the rule gives it (its RECURRENCE-ID), UTC
    cancelled: bool = False
    moved: bool = False


@dataclass(frozen=True, slots=True)
class Moved:
    of: datetime  # UTC
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Series:
    """What `check_series` accepted: the rule as stored and the end of its last occurrence."""

    rule: str
    last_end: datetime
    exdates: list[datetime]
    moved: list[Moved]


def _parts(text: str) -> dict[str, str]:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts: dict[str, str] = {}
    for part in body.upper().split(";"):
        if not part:
            continue
        if not _PART_RE.match(part):
            raise InvalidInput(
                "recurrence", N_("%(part)s is not a part of an RRULE (NAME=VALUE)"), part=repr(part)
            )
        name, _, value = part.partition("=")
        if name in parts:
            raise InvalidInput("recurrence", N_("%(name)s is given twice"), name=name)
        parts[name] = value
    return parts


def _until(value: str, zone: ZoneInfo) -> datetime:
    """An UNTIL as a UTC instant: `...Z` as given, a floating time or a day in the event's zone
    (a day means its end)."""
    match = _UNTIL_RE.match(value)
    if match is None:
        raise InvalidInput(
            "recurrence", N_("UNTIL=%(value)s is not a date or date-time"), value=value
        )
    try:
        day = datetime.strptime(match[1], "%Y%m%d")
        if match[3] is None:
            local = day.replace(hour=23, minute=59, second=59)
        else:
            local = datetime.strptime(match[1] + match[3], "%Y%m%d%H%M%S")
    except ValueError:
        raise InvalidInput(
            "recurrence", N_("UNTIL=%(value)s is not a date or date-time"), value=value
        ) from None
    if match[4]:
        return local.replace(tzinfo=UTC)
    return local.replace(tzinfo=zone).astimezone(UTC)


def _text(parts: dict[str, str]) -> str:
    order = ["FREQ", "INTERVAL", "COUNT", "UNTIL"]
    names = [n for n in order if n in parts] + sorted(n for n in parts if n not in order)
    return ";".join(f"{name}={parts[name]}" for name in names)


def _rule(text: str, starts_at: datetime, zone: ZoneInfo) -> rrule:
    """dateutil's rule on the event's wall-clock time (naive), UNTIL turned into it too."""
    parts = _parts(text)
    local_start = starts_at.astimezone(zone).replace(tzinfo=None)
    if "UNTIL" in parts:
        until = _until(parts["UNTIL"], zone).astimezone(zone).replace(tzinfo=None)
        parts["UNTIL"] = until.strftime("%Y%m%dT%H%M%S")
    try:
        parsed = rrulestr(_text(parts), dtstart=local_start, forceset=False)
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        raise InvalidInput(
            "recurrence", N_("not an RRULE this node can read: %(exc)s"), exc=exc
        ) from None
    if not isinstance(parsed, rrule):
        raise InvalidInput("recurrence", N_("give one RRULE"))
    return parsed


def check_rule(text: str, starts_at: datetime, zone: ZoneInfo) -> str:
    """The rule as stored: FREQ daily to yearly, COUNT at most `MAX_OCCURRENCES`, UNTIL in UTC
    (RFC 5545 wants it so beside a DTSTART with a zone), and an UNTIL `HORIZON` after the
    start when the rule gave no end."""
    parts = _parts(text)
    if parts.get("FREQ") not in FREQUENCIES:
        raise InvalidInput("recurrence", N_("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"))
    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidInput("recurrence", N_("give COUNT or UNTIL, not both"))
    if "COUNT" in parts:
        if not parts["COUNT"].isdigit() or not 1 <= int(parts["COUNT"]) <= MAX_OCCURRENCES:
            raise InvalidInput(
                "recurrence",
                N_("COUNT must be between 1 and %(limit)s"),
                limit=MAX_OCCURRENCES,
            )
    elif "UNTIL" in parts:
        until = _until(parts["UNTIL"], zone)
        if until < starts_at:
            raise InvalidInput("recurrence", N_("UNTIL comes before the first occurrence"))
        parts["UNTIL"] = until.strftime("%Y%m%dT%H%M%SZ")
    else:
        parts["UNTIL"] = (starts_at + HORIZON).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    rule = _text(parts)
    _rule(rule, starts_at, zone)  # dateutil reads it
    return rule


def _starts(rule: str, starts_at: datetime, zone: ZoneInfo) -> Iterator[datetime]:
    """The rule's starts as UTC instants, in order, at most `MAX_OCCURRENCES`."""
    for number, local in enumerate(_rule(rule, starts_at, zone)):
        if number >= MAX_OCCURRENCES:
            return
        yield local.replace(tzinfo=zone).astimezone(UTC)


def _instant(value: datetime, zone: ZoneInfo) -> datetime:
    return (value.replace(tzinfo=zone) if value.tzinfo is None else value).astimezone(UTC)


def check_series(
    rule: str,
    starts_at: datetime,
    ends_at: datetime,
    zone: ZoneInfo,
    cancelled: list[datetime],
    moved: list[tuple[datetime, datetime, datetime]],
) -> Series:
    """Every rule of a series: the RRULE, and each cancelled or moved occurrence is one of its
    starts (naive times are wall-clock times in the event's zone)."""
    stored = check_rule(rule, starts_at, zone)
    if len(cancelled) + len(moved) > MAX_EXCEPTIONS:
        raise InvalidInput(
            "recurrence",
            N_("at most %(limit)s cancelled or moved dates"),
            limit=MAX_EXCEPTIONS,
        )
    starts = list(_starts(stored, starts_at, zone))
    known = set(starts)
    exdates: list[datetime] = []
    for value in cancelled:
        instant = _instant(value, zone)
        if instant not in known:
            raise InvalidInput(
                "cancelled_occurrences",
                N_("%(date)s is not a date of this series"),
                date=value.isoformat(),
            )
        if instant not in exdates:
            exdates.append(instant)
    changes: list[Moved] = []
    for of, new_start, new_end in moved:
        original = _instant(of, zone)
        if original not in known:
            raise InvalidInput(
                "moved_occurrences",
                N_("%(date)s is not a date of this series"),
                date=of.isoformat(),
            )
        begins, finishes = _instant(new_start, zone), _instant(new_end, zone)
        if finishes <= begins:
            raise InvalidInput("moved_occurrences", N_("a moved date must end after it starts"))
        changes.append(Moved(original, begins, finishes))
    duration = ends_at - starts_at
    last = max([starts[-1] + duration, *(m.ends_at for m in changes)]) if starts else ends_at
    return Series(stored, last, exdates, changes)


def occurrences(
    rule: str,
    starts_at: datetime,
    ends_at: datetime,
    zone: ZoneInfo,
    exdates: list[datetime],
    moved: list[Moved],
    *,
    window_start: datetime,
    window_end: datetime | None = None,
    limit: int = MAX_OCCURRENCES,
) -> list[Occurrence]:
    """Occurrences that end after `window_start` and start before `window_end`, in start order,
    at most `limit`; cancelled ones are included and marked (the agenda shows them)."""
    duration = ends_at - starts_at
    cancelled = set(exdates)
    moves = {m.of: m for m in moved}
    found: list[Occurrence] = []
    for start in _starts(rule, starts_at, zone):
        if window_end is not None and start >= window_end and not moves:
            break
        move = moves.get(start)
        occurrence = (
            Occurrence(move.starts_at, move.ends_at, start, start in cancelled, True)
            if move
            else Occurrence(start, start + duration, start, start in cancelled)
        )
        if occurrence.ends_at <= window_start:
            continue
        if window_end is not None and occurrence.starts_at >= window_end:
            continue
        found.append(occurrence)
        if len(found) >= limit and not moves:
            break
    found.sort(key=lambda o: o.starts_at)
    return found[:limit]


def parse_instants(values: list[str]) -> list[datetime]:
    """Stored ISO instants back to datetimes; unreadable ones are skipped."""
    result = []
    for value in values:
        try:
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            continue
        result.append(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    return result


def parse_moved(values: list[dict[str, str]]) -> list[Moved]:
    result = []
    for value in values:
        try:
            of, starts, ends = parse_instants([value["of"], value["starts"], value["ends"]])
        except (KeyError, TypeError, ValueError):
            continue
        result.append(Moved(of, starts, ends))
    return result
