"""The node's agenda as JSON: the same events, filters and pages as `/agenda`.

Public: it holds only public events, and names each event's author, never which of our
associations follows it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.agenda import AgendaEntry, agenda_page
from migrantnet.content.agenda_filters import RANGE_CAPPED, AgendaCursor
from migrantnet.content.formatting import zone
from migrantnet.models import EventStatus
from migrantnet.web.agenda_query import read_agenda_request
from migrantnet.web.api.responses import errors
from migrantnet.web.api.schemas import AgendaEvent, AgendaOrigin, AgendaOut, PlaceOut
from migrantnet.web.deps import SessionDep

router = APIRouter()


def agenda_event(entry: AgendaEntry) -> AgendaEvent:
    event, obj, author = entry.event, entry.obj, entry.author
    where = zone(event.timezone)
    place = None
    if any((event.place_name, event.street, event.locality, event.country, event.latitude)):
        place = PlaceOut(
            name=event.place_name,
            street=event.street,
            locality=event.locality,
            region=event.region,
            postal_code=event.postal_code,
            country=event.country,
            latitude=event.latitude,
            longitude=event.longitude,
        )
    return AgendaEvent(
        id=obj.ap_id,
        url=obj.url or obj.ap_id,
        name=obj.name_map,
        primary_language=obj.primary_language,
        tags=[
            str(tag.get("name", "")).lstrip("#")
            for tag in obj.tags
            if tag.get("type") == "Hashtag" and tag.get("name")
        ],
        starts=entry.starts_at.astimezone(where),
        ends=entry.ends_at.astimezone(where),
        timezone=event.timezone,
        status=EventStatus.CANCELLED if entry.cancelled else event.status,
        occurrence=entry.occurrence.astimezone(where) if entry.occurrence else None,
        place=place,
        online_url=event.online_url,
        organizers=event.organizers,
        origin=AgendaOrigin(
            actor=author.ap_id,
            name=author.name,
            handle=f"{author.username}@{author.domain}" if author.username else None,
            server=urlsplit(obj.ap_id).hostname or author.domain,
            local=obj.local,
            via_group=entry.via.ap_id if entry.via is not None else None,
        ),
    )


def agenda_params(
    from_: Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD.")] = None,
    to: Annotated[str | None, Query(description="Last day, included; at most 366 days.")] = None,
    tag: Annotated[str | None, Query(description="A hashtag, with or without #.")] = None,
    mode: Annotated[str | None, Query(description="online or in_person.")] = None,
    language: Annotated[str | None, Query(description="fr also matches fr-CA.")] = None,
    organiser: Annotated[str | None, Query(description="An organiser's id.")] = None,
    tz: Annotated[str | None, Query(description="Zone the days are read in; UTC.")] = None,
) -> None:
    """The agenda's filters, declared for the OpenAPI document; `read_agenda_request` reads
    and checks them (the same for pages, feeds and API)."""


AgendaParams = Annotated[None, Depends(agenda_params)]


async def agenda_answer(
    request: Request,
    session: AsyncSession,
    *,
    after: str | None,
    limit: int,
    group: str | None = None,
) -> AgendaOut:
    """One page of the agenda as the request's filters ask; `group` narrows it to a group's
    agenda whatever the query string says."""
    now = datetime.now(UTC)
    asked = read_agenda_request(request, now)
    filters = asked.filters if group is None else replace(asked.filters, group=group)
    cursor = AgendaCursor.parse(after) if after else None
    page = await agenda_page(session, filters, now, after=cursor, limit=limit)
    return AgendaOut(
        under_way=[agenda_event(entry) for entry in page.under_way],
        events=[agenda_event(entry) for entry in page.entries],
        next=page.next_cursor.encode() if page.next_cursor else None,
        notice=RANGE_CAPPED if asked.capped else None,
    )


AfterParam = Annotated[str | None, Query(description="`next` of the previous page.")]
LimitParam = Annotated[int, Query(ge=1, le=100)]


@router.get(
    "/agenda",
    response_model=AgendaOut,
    summary="The node's agenda",
    responses=errors(422),
)
async def agenda(
    request: Request,
    session: SessionDep,
    _filters: AgendaParams,
    group: Annotated[str | None, Query(description="A group's id: the events it shared.")] = None,
    after: AfterParam = None,
    limit: LimitParam = 30,
) -> AgendaOut:
    """Upcoming public events of this node's associations and of the actors they follow,
    in start order; past events are left out, cancelled ones kept with their status. A
    range longer than 366 days is shortened, and `notice` says so."""
    return await agenda_answer(request, session, after=after, limit=limit)
