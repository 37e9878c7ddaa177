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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.agenda_filters import AgendaCursor, AgendaFilter
from migrantnet.content.agenda_queries import (
    base_query,
    day_params,
    month_counts_query,
    month_days_query,
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
MONTH_SHOWN = 3  # dates a day of the month's grid shows; "n more" links to the day's list
DAY_COUNT_CAP = 30  # each of a day's two walks is counted up to this ("27+ more")


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


@dataclass(frozen=True, slots=True)
class MonthDate:
    """What a cell of the month's grid shows of a date: its title, link, start and status.
    Read as columns, not as the list's entities (an event, its object and author, JSON
    columns decoded), which took most of a full month's time at 100,000 events."""

    event_id: int
    starts_at: datetime
    ends_at: datetime
    cancelled: bool  # this date, or the whole event
    timezone: str  # the event's
    ap_id: str
    url: str | None
    name_map: dict[str, str]
    primary_language: str | None

    @property
    def key(self) -> tuple[datetime, int]:
        return (self.starts_at, self.event_id)


@dataclass(frozen=True, slots=True)
class DayEntries:
    """A day of the month's grid: its first dates and how many it holds."""

    entries: list[MonthDate]  # in (start, event) order, at most `MONTH_SHOWN`
    count: int  # every date of the day, each walk counted up to `DAY_COUNT_CAP`
    capped: bool  # the day holds more than `count`


async def month_days(
    session: AsyncSession,
    filters: AgendaFilter,
    days: Sequence[tuple[datetime, datetime]],
    *,
    shown: int = MONTH_SHOWN,
) -> list[DayEntries]:
    """The first `shown` dates of each day [start, end) of `days` and its count, in two
    statements (dates, counts) of bounded walks, so a month costs what `shown` dates and
    `DAY_COUNT_CAP` counted ones a day cost, however many it holds. A day's dates are those
    starting in it and the multi-day ones begun before it and not over
    (`agenda_queries._day_walks`). No `via`: a cell of the grid shows no provenance."""
    dialect = session.get_bind().dialect.name
    found: dict[int, list[MonthDate]] = {number: [] for number in range(len(days))}
    params = day_params(days)
    query = month_days_query(filters, len(days), shown, dialect)
    for row in await session.execute(query, params):
        found[row.day].append(
            MonthDate(
                event_id=row.event_id,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                cancelled=row.cancelled or row.status == EventStatus.CANCELLED,
                timezone=row.timezone,
                ap_id=row.ap_id,
                url=row.url,
                name_map=row.name_map or {},
                primary_language=row.primary_language,
            )
        )
    firsts = [sorted(entries, key=lambda e: e.key)[:shown] for entries in found.values()]
    counts = [0] * len(days)
    capped = [False] * len(days)
    for number, *walks in await session.execute(
        month_counts_query(filters, len(days), DAY_COUNT_CAP + 1, dialect), params
    ):
        counts[number] = sum(min(dates, DAY_COUNT_CAP) for dates in walks)
        capped[number] = any(dates > DAY_COUNT_CAP for dates in walks)
    return [DayEntries(day, counts[number], capped[number]) for number, day in enumerate(firsts)]


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
