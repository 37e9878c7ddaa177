"""What a reader asked of the agenda, read from the query string for pages, API and feeds.

Days (`from`, `to`) are the reader's days: midnight in the reader's zone, `to` included. The
reader's zone is `?tz=` (kept in a cookie for the next pages), then that cookie, then UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request

from migrantnet.content.agenda_filters import (
    AgendaFilter,
    check_group_filter,
    check_language_filter,
    check_mode,
    check_organiser,
    check_range,
    check_tag,
)
from migrantnet.content.errors import InvalidInput
from migrantnet.content.events import check_timezone
from migrantnet.translations import N_

TZ_COOKIE = "tz"
UTC = ZoneInfo("UTC")
# The query parameters that narrow the agenda, kept in the links between its pages.
FILTER_PARAMS = ("from", "to", "tag", "mode", "language", "organiser", "group", "tz")


@dataclass(frozen=True, slots=True)
class AgendaRequest:
    filters: AgendaFilter
    reader_zone: ZoneInfo
    zone_chosen: str | None  # a valid `?tz=` to remember in the cookie
    capped: bool  # the date range was cut to the longest allowed
    params: dict[str, str]  # the filters as given, to build links and refill the form

    def query(self, **extra: str) -> str:
        """The filters as a query string (`?a=b`), with `extra` added; "" without any."""
        values = {**self.params, **extra}
        values = {key: value for key, value in values.items() if value}
        return f"?{urlencode(values)}" if values else ""


def reader_zone(request: Request) -> tuple[ZoneInfo, str | None]:
    """The reader's zone and, when `?tz=` named a valid one, its name (to remember)."""
    asked = (request.query_params.get("tz") or "").strip()
    if asked:
        return check_timezone(asked), asked
    remembered = request.cookies.get(TZ_COOKIE)
    if remembered:
        try:
            return check_timezone(remembered), None
        except InvalidInput:
            pass
    return UTC, None


# The days a filter may name: `to=9999-12-31` overflowed the day after it (a 500), and an
# agenda has nothing to say about year 1 or 9000 anyway.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def _day(value: str | None, name: str) -> date | None:
    if not value or not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValueError(value)
        return day
    except ValueError:
        raise InvalidInput(
            name, N_("%(value)s is not a day such as 2026-12-18"), value=repr(value[:40])
        ) from None


def read_agenda_request(request: Request, now: datetime) -> AgendaRequest:
    """Every filter checked (`InvalidInput` names the wrong one); a range over the longest
    allowed is shortened, and `capped` says so."""
    params = {
        key: request.query_params[key].strip()
        for key in FILTER_PARAMS
        if request.query_params.get(key, "").strip()
    }
    where, chosen = reader_zone(request)
    first = _day(params.get("from"), "from")
    last = _day(params.get("to"), "to")
    starts = datetime.combine(first, time(0), where) if first else None
    until = datetime.combine(last + timedelta(days=1), time(0), where) if last else None
    if until is not None and starts is None and until <= now:
        raise InvalidInput("to", N_("the end of the range must come after its start"))
    checked = check_range(starts, until, now)
    filters = AgendaFilter(
        starts_from=starts,
        until=checked.until,
        tag=check_tag(params.get("tag")),
        mode=check_mode(params.get("mode")),
        language=check_language_filter(params.get("language")),
        organiser=check_organiser(params.get("organiser")),
        group=check_group_filter(params.get("group")),
    )
    return AgendaRequest(filters, where, chosen, checked.capped, params)
