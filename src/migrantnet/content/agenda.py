"""The node's agenda: its associations' events and those of every actor they follow.

One list for the whole node, from every source at once: the public events of our own
associations, the public events of actors an association of ours follows (migrantnet nodes,
Mobilizon groups, Gancio nodes, any server that sends `Event`s), and events those actors
shared with us (`Announce`). Each object is one row of `objects`, so an event that arrives
by two ways is listed once. The agenda names where each event comes from (its author and
server), never which of our associations follows whom: follow lists stay private.

Pages walk the events' dates (`event_occurrences`, one row per date of a single event or a
series, written with the event: `content/occurrences.py`) along `ix_event_occurrences_agenda`
in start order from a moment, paged by keyset on (start, event id); dates already under way
at that moment head the first page. So a page costs what its entries cost, however many
events and series the node keeps. A date range is capped (`MAX_RANGE`) so a request for a
century costs what a year does. iCalendar feeds take series whole (their RRULE and EXDATEs),
from `events`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.agenda_filters import AgendaCursor, AgendaFilter
from migrantnet.content.agenda_queries import (
    base_query,
    month_queries,
    under_way_queries,
    upcoming_query,
)
from migrantnet.content.events import town_only
from migrantnet.models import (
    Actor,
    ActorType,
    ContentObject,
    Event,
    EventStatus,
    GroupItem,
    Interaction,
)

MAX_PAGE = 100
MONTH_LIMIT = 1000  # events shown in one month's calendar


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    """One event of the agenda (or one occurrence of a series) with its object and its
    author (the provenance)."""

    event: Event
    obj: ContentObject
    author: Actor
    starts_at: datetime
    ends_at: datetime
    occurrence: datetime | None = None  # the start the series' rule gives it
    occurrence_cancelled: bool = False
    via: Actor | None = None  # the group that shared it with us, if any

    @property
    def local(self) -> bool:
        return self.obj.local

    @property
    def cancelled(self) -> bool:
        return self.occurrence_cancelled or self.event.status == EventStatus.CANCELLED

    @property
    def key(self) -> tuple[datetime, int]:
        return (self.starts_at, self.event.object_id)


@dataclass(frozen=True, slots=True)
class AgendaPage:
    under_way: list[AgendaEntry]  # started before the range's start, not yet ended
    entries: list[AgendaEntry]  # starting in the range, in start order
    next_cursor: AgendaCursor | None


async def with_groups(session: AsyncSession, entries: list[AgendaEntry]) -> list[AgendaEntry]:
    """Each entry with the group that shared it (`via`), in one query for the page."""
    ap_ids = {entry.obj.ap_id for entry in entries}
    if not ap_ids:
        return entries
    shared = select(GroupItem.object_ap_id.label("object_ap_id"), GroupItem.group_id.label("g"))
    shared = shared.where(GroupItem.object_ap_id.in_(ap_ids), GroupItem.hidden.is_(False))
    remote = select(Interaction.object_ap_id, Interaction.actor_id).where(
        Interaction.object_ap_id.in_(ap_ids), Interaction.type == "Announce"
    )
    union = shared.union_all(remote).subquery()
    rows = await session.execute(
        select(union.c.object_ap_id, Actor)
        .join(Actor, Actor.id == union.c.g)
        .where(Actor.type == ActorType.GROUP, Actor.deleted_at.is_(None))
        .order_by(Actor.id)
    )
    via: dict[str, list[Actor]] = {}
    for object_ap_id, group in rows:
        via.setdefault(object_ap_id, []).append(group)
    shown = []
    for entry in entries:
        # a group announcing its own event (Mobilizon) is its author, not a "via"
        others = [g for g in via.get(entry.obj.ap_id, []) if g.id != entry.author.id]
        shown.append(replace(entry, via=others[0]) if others else entry)
    return shown


def _entries(rows: Iterable[Any]) -> list[AgendaEntry]:
    """The agenda is public: an event whose address is hidden is in it with its town only."""
    return [
        AgendaEntry(
            town_only(event),
            obj,
            author,
            date.starts_at,
            date.ends_at,
            date.recurrence_id,
            date.cancelled,
        )
        for date, event, obj, author in rows
    ]


async def _merged(session: AsyncSession, queries: list[Any]) -> list[AgendaEntry]:
    """The entries of `queries` in (start, event) order, each date once."""
    found: dict[tuple[datetime, int], AgendaEntry] = {}
    for query in queries:
        for entry in _entries(await session.execute(query)):
            found.setdefault(entry.key, entry)
    return sorted(found.values(), key=lambda entry: entry.key)


async def agenda_page(
    session: AsyncSession,
    filters: AgendaFilter,
    now: datetime,
    *,
    after: AgendaCursor | None = None,
    limit: int = 30,
) -> AgendaPage:
    """One page of the agenda from `filters.starts_from` (now by default): three bounded walks
    of the dates (one on later pages) whatever the page holds. Past events are not in it; cancelled
    ones are, with their status."""
    limit = max(1, min(limit, MAX_PAGE))
    dialect = session.get_bind().dialect.name
    start = filters.starts_from or now
    under_way: list[AgendaEntry] = []
    if after is None:
        under_way = await _merged(session, under_way_queries(filters, start, limit, dialect))
        under_way = under_way[:limit]
    rows = _entries(
        await session.execute(
            upcoming_query(filters, start, filters.until, after, limit + 1, dialect)
        )
    )
    page = rows[:limit]
    cursor = None
    if len(rows) > limit:
        cursor = AgendaCursor(page[-1].starts_at, page[-1].event.object_id)
    shown = await with_groups(session, [*under_way, *page])
    return AgendaPage(shown[: len(under_way)], shown[len(under_way) :], cursor)


async def month_entries(
    session: AsyncSession, filters: AgendaFilter, starts: datetime, ends: datetime
) -> tuple[list[AgendaEntry], bool]:
    """Events overlapping [starts, ends) in start order, at most `MONTH_LIMIT`; the flag says
    whether more were left out."""
    dialect = session.get_bind().dialect.name
    rows = await _merged(session, month_queries(filters, starts, ends, MONTH_LIMIT + 1, dialect))
    return await with_groups(session, rows[:MONTH_LIMIT]), len(rows) > MONTH_LIMIT


CALENDAR_LIMIT = 1000  # events in one .ics answer


async def calendar_events(
    session: AsyncSession,
    filters: AgendaFilter,
    now: datetime,
    *,
    ap_id: str | None = None,
    indexable_only: bool = False,
) -> list[AgendaEntry]:
    """Events for an iCalendar feed, series whole (not expanded): those not over at the
    range's start (now by default: past events are left out), at most `CALENDAR_LIMIT`, in
    start order; `ap_id` keeps one event. `indexable_only` leaves out sensitive events
    (`noindex`): feeds that anonymous calendar programs poll, and may publish, hold none."""
    dialect = session.get_bind().dialect.name
    start = filters.starts_from or now
    query = base_query(filters, dialect).where(
        func.coalesce(Event.recurs_until, Event.ends_at) > start
    )
    if filters.until is not None:
        query = query.where(Event.starts_at < filters.until)
    if ap_id is not None:
        query = query.where(ContentObject.ap_id == ap_id)
    if indexable_only:
        query = query.where(ContentObject.noindex.is_(False))
    query = query.order_by(Event.starts_at, Event.object_id).limit(CALENDAR_LIMIT)
    return [
        AgendaEntry(town_only(event), obj, author, event.starts_at, event.ends_at)
        for event, obj, author in await session.execute(query)
    ]
