"""The agenda's pages: upcoming events by day (`/agenda`) and a month (`/agenda/month/Y-M`).

No JavaScript: filters are a GET form, the reader's zone is a field of it (remembered in a
cookie), pages and months are links. A wrong filter is said on the page, beside the form.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from migrantnet.config import Settings
from migrantnet.content.agenda import DayEntries, agenda_page, month_days
from migrantnet.content.agenda_filters import RANGE_CAPPED, AgendaCursor, AgendaFilter
from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.translations import interface_language
from migrantnet.uris.paths import AGENDA_MONTH_PATH, AGENDA_PATH
from migrantnet.web.agenda_query import (
    FIRST_DAY,
    LAST_DAY,
    TZ_COOKIE,
    AgendaRequest,
    read_agenda_request,
)
from migrantnet.web.agenda_query import UTC as UTC_ZONE
from migrantnet.web.deps import SessionDep, SettingsDep, TemplatesDep
from migrantnet.web.errors import INVALID_FORM_STATUS
from migrantnet.web.i18n import accepted_languages, wanted_languages
from migrantnet.web.views.agenda import day_bounds, days_view, first_weekday, month_view

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
TZ_COOKIE_AGE = 365 * 24 * 3600


def _now() -> datetime:
    return datetime.now(UTC)


def _common(request: Request, settings: Settings) -> tuple[list[str], str, dict[str, Any]]:
    wanted = wanted_languages(
        request.headers.get("accept-language"), request.query_params.get("lang")
    )
    # dates and day names in the interface's language (`web/interface_language.py`)
    language = interface_language()
    return wanted, language, {"domain": settings.domain}


def _finish(response: Response, asked: AgendaRequest | None, settings: Settings) -> Response:
    if asked is not None and asked.zone_chosen:
        response.set_cookie(
            TZ_COOKIE,
            asked.zone_chosen,
            max_age=TZ_COOKIE_AGE,
            httponly=True,
            samesite="lax",
            secure=settings.https,
        )
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def _read(request: Request) -> tuple[AgendaRequest | None, str | None]:
    try:
        return read_agenda_request(request, _now()), None
    except InvalidInput as exc:
        return None, exc.shown()


@router.get(AGENDA_PATH, response_class=HTMLResponse)
async def agenda(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    after: str | None = None,
) -> Response:
    wanted, language, context = _common(request, settings)
    asked, error = _read(request)
    cursor = None
    if asked is not None and after:
        try:
            cursor = AgendaCursor.parse(after)
        except InvalidInput as exc:
            asked, error = None, exc.shown()
    if asked is None:
        response = templates.TemplateResponse(
            request,
            "agenda/upcoming.html",
            {
                **context,
                **_form_context(request, None),
                "error": error,
                "days": (),
                "under_way": (),
                "next_url": None,
            },
            status_code=INVALID_FORM_STATUS,
        )
        return _finish(response, None, settings)
    page = await agenda_page(session, asked.filters, _now(), after=cursor, limit=PAGE_SIZE)
    zone = asked.reader_zone
    next_url = None
    if page.next_cursor is not None:
        next_url = AGENDA_PATH + asked.query(after=page.next_cursor.encode())
    response = templates.TemplateResponse(
        request,
        "agenda/upcoming.html",
        {
            **context,
            **_form_context(request, asked),
            "error": None,
            "notice": RANGE_CAPPED if asked.capped else None,
            "under_way": days_view(page.under_way, zone, wanted, language),
            "days": days_view(page.entries, zone, wanted, language),
            "next_url": next_url,
            "paged": cursor is not None,
        },
    )
    return _finish(response, asked, settings)


def _form_context(request: Request, asked: AgendaRequest | None) -> dict[str, Any]:
    params = asked.params if asked is not None else dict(request.query_params)
    zone = asked.reader_zone if asked is not None else UTC_ZONE
    today = _now().astimezone(zone)
    return {
        "values": params,
        "reader_zone": zone.key,
        "this_month": f"{today.year:04}-{today.month:02}",
        "month_query": asked.query() if asked is not None else "",
    }


@router.get(AGENDA_MONTH_PATH, response_class=HTMLResponse)
async def agenda_month(
    month: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    match = _MONTH_RE.match(month)
    # The years a filter's day may name (`0001-01` overflowed the previous month's link).
    years = range(FIRST_DAY.year, LAST_DAY.year + 1)
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) not in years:
        raise NotFound(f"{month!r} is not a month such as 2026-12")
    year, number = int(match[1]), int(match[2])
    wanted, language, context = _common(request, settings)
    asked, error = _read(request)
    zone = asked.reader_zone if asked is not None else UTC_ZONE
    filters = asked.filters if asked is not None else AgendaFilter()
    # the month is the range: `from` and `to` do not apply here
    month_filters = AgendaFilter(
        tag=filters.tag,
        mode=filters.mode,
        language=filters.language,
        organiser=filters.organiser,
        group=filters.group,
    )
    days: list[DayEntries] = []
    query = ""
    if asked is not None:
        days = await month_days(session, month_filters, day_bounds(year, number, zone))
        query = asked.query(**{"from": "", "to": ""})

    def day_url(day: date) -> str:
        """The agenda's list of one day (its filters kept): every date of it, by pages."""
        if asked is None:
            return ""
        return AGENDA_PATH + asked.query(**{"from": day.isoformat(), "to": day.isoformat()})

    view = month_view(
        year,
        number,
        days,
        zone,
        wanted,
        language,
        _now().astimezone(zone).date(),
        week_start=first_weekday(
            language, accepted_languages(request.headers.get("accept-language"))
        ),
        day_url=day_url,
    )
    response = templates.TemplateResponse(
        request,
        "agenda/month.html",
        {
            **context,
            **_form_context(request, asked),
            "month": view,
            "month_query": query,
            "error": error,
        },
        status_code=200 if asked is not None else INVALID_FORM_STATUS,
    )
    return _finish(response, asked, settings)
