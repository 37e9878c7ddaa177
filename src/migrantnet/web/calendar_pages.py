"""iCalendar feeds: the agenda (with the same filters), an association's events, one event.

`webcal:` links and `<link rel="alternate" type="text/calendar">` point here; calendar
programs poll these addresses, so they answer fast from one query and carry only events not
yet over (past ones are left out unless `from` asks for them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import ModuleType

from fastapi import APIRouter, Request
from fastapi.responses import Response

from migrantnet.content.agenda import calendar_events
from migrantnet.content.agenda_filters import AgendaFilter
from migrantnet.content.associations import get_association
from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.models.actor import ActorType
from migrantnet.translations import N_
from migrantnet.uris import Uris
from migrantnet.uris.paths import ACTOR_CALENDAR_PATH, AGENDA_CALENDAR_PATH, EVENT_CALENDAR_PATH
from migrantnet.web.agenda_query import read_agenda_request
from migrantnet.web.deps import SessionDep, SettingsDep
from migrantnet.web.sessions import VisitorDep

router = APIRouter(include_in_schema=False)
CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _ics() -> ModuleType:
    """`icalendar` (~10 MB resident) is loaded with the first calendar asked for, not by every
    web process at start-up."""
    from migrantnet.web import icalendar_export

    return icalendar_export


def _answer(
    body: bytes, filename: str, *, download: bool = False, private: bool = False
) -> Response:
    """`private`: a signed-in reader's copy (it may hold sensitive events), never kept by a
    shared cache."""
    disposition = "attachment" if download else "inline"
    return Response(
        body,
        media_type=CALENDAR_TYPE,
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "private, max-age=300" if private else "public, max-age=300",
            "Vary": "Cookie",
        },
    )


@router.get(AGENDA_CALENDAR_PATH)
async def agenda_calendar(
    request: Request, session: SessionDep, settings: SettingsDep, visitor: VisitorDep
) -> Response:
    """The agenda as a calendar to subscribe to, narrowed by the agenda's filters; sensitive
    events (`noindex`) only for signed-in members of the node."""
    now = datetime.now(UTC)
    asked = read_agenda_request(request, now)
    entries = await calendar_events(
        session, asked.filters, now, indexable_only=not visitor.signed_in
    )
    items = [_ics().CalendarItem(entry.obj, entry.event) for entry in entries]
    url = Uris(settings.base_url).agenda_calendar(asked.query())
    body = _ics().calendar_bytes(items, f"Agenda — {settings.domain}", url=url)
    return _answer(body, "agenda.ics", private=visitor.signed_in)


@router.get(EVENT_CALENDAR_PATH)
async def event_calendar(
    request: Request, session: SessionDep, settings: SettingsDep, id: str = ""
) -> Response:
    """One event of the agenda (by its id), to add to a calendar; a series with its dates."""
    if not id.startswith(("https://", "http://")) or len(id) > 2048:
        raise InvalidInput("id", N_("give the id (address) of an event of the agenda"))
    entries = await calendar_events(
        session,
        AgendaFilter(starts_from=datetime(1970, 1, 1, tzinfo=UTC)),
        datetime.now(UTC),
        ap_id=id,
    )
    if not entries:
        raise NotFound("no such event in this node's agenda")
    entry = entries[0]
    title = next(iter(entry.obj.name_map.values()), "event")
    return _answer(
        _ics().calendar_bytes([_ics().CalendarItem(entry.obj, entry.event)], str(title)),
        "event.ics",
        download=True,
    )


@router.get(ACTOR_CALENDAR_PATH)
async def association_calendar(
    slug: str, request: Request, session: SessionDep, settings: SettingsDep, visitor: VisitorDep
) -> Response:
    """The events an association organises (its own, and those naming it an organiser that
    reached it by a way it chose: `agenda_queries.co_organised`), or
    for a group its agenda: what members addressed to it and it shared (a group organises
    nothing itself); sensitive ones (`noindex`) only for signed-in readers."""
    actor = await get_association(session, slug)
    now = datetime.now(UTC)
    asked = read_agenda_request(request, now)
    filters = AgendaFilter(
        starts_from=asked.filters.starts_from,
        until=asked.filters.until,
        tag=asked.filters.tag,
        mode=asked.filters.mode,
        language=asked.filters.language,
        organised_by=None if actor.type == ActorType.GROUP else actor.ap_id,
        group=actor.ap_id if actor.type == ActorType.GROUP else None,
    )
    entries = await calendar_events(session, filters, now, indexable_only=not visitor.signed_in)
    items = [_ics().CalendarItem(entry.obj, entry.event) for entry in entries]
    name = actor.name or actor.slug or settings.domain
    url = Uris(settings.base_url).actor_calendar(slug)
    body = _ics().calendar_bytes(items, name, url=url)
    return _answer(body, f"{slug}.ics", private=visitor.signed_in)
