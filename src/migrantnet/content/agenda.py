"""The node's agenda: its associations' events and those of every actor they follow.

One list for the whole node, from every source at once: the public events of our own
associations, the public events of actors an association of ours follows (migrantnet nodes,
Mobilizon groups, Gancio nodes, any server that sends `Event`s), and events those actors
shared with us (`Announce`). Each object is one row of `objects`, so an event that arrives
by two ways is listed once. The agenda names where each event comes from (its author and
server), never which of our associations follows whom: follow lists stay private.

Upcoming pages walk `ix_events_agenda` in start order from a moment, paged by keyset on
(start, id); events already under way at that moment come from `ix_events_ends_at` and head
the first page. A date range is capped (`MAX_RANGE`) so a request for a century costs what a
year does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.content.events import town_only
from migrantnet.content.formatting import zone
from migrantnet.content.recurrence import occurrences, parse_instants, parse_moved
from migrantnet.models import (
    Actor,
    ActorType,
    AgendaImport,
    Block,
    BlockKind,
    ContentObject,
    Event,
    EventStatus,
    Follow,
    FollowState,
    GroupItem,
    IcsSubscription,
    Interaction,
    Kind,
    Visibility,
)
from migrantnet.models.base import MAX_ROW_ID
from migrantnet.translations import N_

MAX_RANGE = timedelta(days=366)
MAX_PAGE = 100
MONTH_LIMIT = 1000  # events shown in one month's calendar
MAX_SERIES = 500  # recurring events looked at for one page
MODES = ("online", "in_person")
_TAG_RE = re.compile(r"^#?(\w{1,100})$")
_LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_CURSOR_RE = re.compile(r"^(-?\d{1,19})_(\d{1,19})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RANGE_CAPPED = "A range of at most 366 days is shown: it was shortened."


@dataclass(frozen=True, slots=True)
class AgendaFilter:
    """What a reader narrowed the agenda to; every field optional, all of them checked."""

    starts_from: datetime | None = None  # aware; events that end at or after it
    until: datetime | None = None  # aware; events that start before it
    tag: str | None = None  # a hashtag, without `#`, lower-cased
    mode: str | None = None  # "online" | "in_person" (a hybrid event is both)
    language: str | None = None  # BCP 47; "fr" also matches "fr-CA"
    organiser: str | None = None  # an actor's id: its events and those it co-organises
    group: str | None = None  # a group's id: the events it shared (its agenda)


@dataclass(frozen=True, slots=True)
class CheckedRange:
    starts_from: datetime
    until: datetime | None
    capped: bool  # the range asked for was longer than MAX_RANGE


def check_range(
    starts_from: datetime | None, until: datetime | None, now: datetime
) -> CheckedRange:
    """From `now` by default; an end before the start is refused, a range longer than
    `MAX_RANGE` is cut to it (`capped` says so, for the reader)."""
    start = starts_from or now
    if until is None:
        return CheckedRange(start, None, False)
    if until <= start:
        raise InvalidInput("to", N_("the end of the range must come after its start"))
    if until - start > MAX_RANGE:
        return CheckedRange(start, start + MAX_RANGE, True)
    return CheckedRange(start, until, False)


def check_tag(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    match = _TAG_RE.match(value.strip())
    if match is None:
        raise InvalidInput("tag", N_("%(value)s is not a hashtag"), value=repr(value))
    return match.group(1).lower()


def check_mode(value: str | None) -> str | None:
    if not value:
        return None
    if value not in MODES:
        raise InvalidInput("mode", N_("choose online or in_person"))
    return value


def check_language_filter(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    if not _LANGUAGE_RE.match(value.strip()):
        raise InvalidInput(
            "language", N_("%(value)s is not a language code such as fr or ar"), value=repr(value)
        )
    return value.strip().lower()


def check_organiser(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    value = value.strip()
    if not value.startswith(("https://", "http://")) or len(value) > 2048:
        raise InvalidInput("organiser", N_("give the address (id) of an organiser"))
    return value


def check_group_filter(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    value = value.strip()
    if not value.startswith(("https://", "http://")) or len(value) > 2048:
        raise InvalidInput("group", N_("give the address (id) of a group"))
    return value


@dataclass(frozen=True, slots=True)
class AgendaCursor:
    """Where an upcoming page ends: the start and id of its last event."""

    starts_at: datetime
    object_id: int

    def encode(self) -> str:
        micros = (self.starts_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}_{self.object_id}"

    @classmethod
    def parse(cls, value: str) -> AgendaCursor:
        match = _CURSOR_RE.match(value)
        if match is None:
            raise InvalidInput(
                "after", N_("%(value)s is not a page position from this site"), value=repr(value)
            )
        micros, object_id = int(match[1]), int(match[2])
        if not 0 < object_id <= MAX_ROW_ID:
            raise InvalidInput("after", N_("%(value)s is out of range"), value=repr(value))
        try:
            starts = _EPOCH + timedelta(microseconds=micros)
        except OverflowError:
            raise InvalidInput(
                "after", N_("%(value)s is out of range"), value=repr(value)
            ) from None
        return cls(starts, object_id)


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


def _associations() -> Select:
    return select(Actor.id).where(
        Actor.local.is_(True),
        Actor.slug.is_not(None),
        Actor.deleted_at.is_(None),
        Actor.type != ActorType.APPLICATION,
    )


def _sources() -> ColumnElement[bool]:
    """Ours, followed by one of ours, shared with us by an actor one of ours follows,
    shared by a group of ours (and not hidden by its moderators), or in an .ics feed one of
    ours subscribed to."""
    followed = select(Follow.followed_id).where(
        Follow.follower_id.in_(_associations()), Follow.state == FollowState.ACCEPTED
    )
    announced = select(Interaction.object_ap_id).where(
        Interaction.type == "Announce", Interaction.actor_id.in_(followed)
    )
    return or_(
        and_(ContentObject.local.is_(True), ContentObject.actor_id.in_(_associations())),
        and_(
            ContentObject.local.is_(False),
            or_(
                ContentObject.actor_id.in_(followed),
                ContentObject.ap_id.in_(announced),
                ContentObject.ap_id.in_(_group_items()),
                # an .ics feed one of ours subscribed to (`content/ics_import.py`)
                ContentObject.actor_id.in_(select(IcsSubscription.feed_id)),
                # a remote event one of ours added by its URL
                ContentObject.ap_id.in_(select(AgendaImport.object_ap_id)),
            ),
        ),
    )


def _group_items(group: str | None = None) -> Select:
    """What our groups (or the one named) shared and did not hide."""
    query = select(GroupItem.object_ap_id).where(GroupItem.hidden.is_(False))
    if group is not None:
        query = query.where(GroupItem.group_id.in_(select(Actor.id).where(Actor.ap_id == group)))
    return query


def _shared_by_group(group: str) -> ColumnElement[bool]:
    """A group's agenda: what it shared, ours (`GroupItem`) or one we follow (its Announces)."""
    announced = select(Interaction.object_ap_id).where(
        Interaction.type == "Announce",
        Interaction.actor_id.in_(
            select(Actor.id).where(Actor.ap_id == group, Actor.local.is_(False))
        ),
    )
    return or_(ContentObject.ap_id.in_(_group_items(group)), ContentObject.ap_id.in_(announced))


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


def _json_text_like(column: Any, needle: str, dialect: str) -> ColumnElement[bool]:
    """`needle` (a JSON string value) inside a JSON column, on both databases: SQLite keeps
    the JSON text as Python wrote it (non-ASCII escaped), PostgreSQL writes it out from JSONB."""
    literal = json.dumps(needle, ensure_ascii=dialect == "sqlite")
    escaped = literal.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(cast(column, String)).like(f"%{escaped.lower()}%", escape="\\")


def base_query(filters: AgendaFilter, dialect: str) -> Select:
    """Public, live events of the agenda's sources with the filters applied; no order yet."""
    query = (
        select(Event, ContentObject, Actor)
        .join(ContentObject, ContentObject.id == Event.object_id)
        .join(Actor, Actor.id == ContentObject.actor_id)
        .where(
            ContentObject.kind == Kind.EVENT,
            ContentObject.visibility == Visibility.PUBLIC,
            ContentObject.deleted_at.is_(None),
            Actor.deleted_at.is_(None),
            _sources(),
            # nothing of a domain or account the node blocked, even when relayed by another
            Actor.domain.not_in(select(Block.domain).where(Block.kind == BlockKind.DOMAIN)),
            Actor.ap_id.not_in(select(Block.target).where(Block.kind == BlockKind.ACCOUNT)),
        )
    )
    if filters.tag is not None:
        query = query.where(
            or_(
                _json_text_like(ContentObject.tags, f"#{filters.tag}", dialect),
                _json_text_like(ContentObject.tags, filters.tag, dialect),
            )
        )
    if filters.mode == "online":
        query = query.where(Event.online_url.is_not(None))
    elif filters.mode == "in_person":
        query = query.where(
            or_(
                Event.place_name.is_not(None),
                Event.street.is_not(None),
                Event.locality.is_not(None),
                Event.country.is_not(None),
                Event.latitude.is_not(None),
            )
        )
    if filters.language is not None:
        query = query.where(
            or_(
                func.lower(ContentObject.primary_language) == filters.language,
                func.lower(ContentObject.primary_language).like(f"{filters.language}-%"),
            )
        )
    if filters.organiser is not None:
        query = query.where(
            or_(
                Actor.ap_id == filters.organiser,
                _json_text_like(Event.organizers, filters.organiser, dialect),
            )
        )
    if filters.group is not None:
        query = query.where(_shared_by_group(filters.group))
    return query


def upcoming_query(
    filters: AgendaFilter,
    starts_from: datetime,
    until: datetime | None,
    after: AgendaCursor | None,
    limit: int,
    dialect: str,
) -> Select:
    """Events starting at or after `starts_from` (and before `until`), in start order."""
    query = base_query(filters, dialect).where(
        Event.rrule.is_(None), Event.starts_at >= starts_from
    )
    if until is not None:
        query = query.where(Event.starts_at < until)
    if after is not None:
        query = query.where(
            tuple_(Event.starts_at, Event.object_id) > tuple_(after.starts_at, after.object_id)
        )
    return query.order_by(Event.starts_at, Event.object_id).limit(limit)


def under_way_query(filters: AgendaFilter, moment: datetime, limit: int, dialect: str) -> Select:
    """Events that started before `moment` and end after it: a camp, a week of action."""
    query = base_query(filters, dialect).where(
        Event.rrule.is_(None), Event.ends_at > moment, Event.starts_at < moment
    )
    return query.order_by(Event.starts_at, Event.object_id).limit(limit)


def series_query(
    filters: AgendaFilter, starts: datetime, ends: datetime | None, dialect: str
) -> Select:
    """Series with an occurrence that may fall in [starts, ends): at most `MAX_SERIES`, by
    `ix_events_recurs_until` (every series ends, see `content/recurrence.py`)."""
    query = base_query(filters, dialect).where(
        Event.rrule.is_not(None), Event.recurs_until > starts
    )
    if ends is not None:
        query = query.where(Event.starts_at < ends)
    return query.order_by(Event.starts_at, Event.object_id).limit(MAX_SERIES)


def _entries(rows: Iterable[Any]) -> list[AgendaEntry]:
    """The agenda is public: an event whose address is hidden is in it with its town only."""
    return [
        AgendaEntry(town_only(event), obj, author, event.starts_at, event.ends_at)
        for event, obj, author in rows
    ]


def _occurrences(
    rows: Iterable[Any],
    window_start: datetime,
    window_end: datetime | None,
    limit: int,
) -> list[AgendaEntry]:
    """Each series' occurrences in the window, at most `limit` of each."""
    found = []
    for event, obj, author in rows:
        for occurrence in occurrences(
            event.rrule or "",
            event.starts_at,
            event.ends_at,
            zone(event.timezone),
            parse_instants(event.exdates),
            parse_moved(event.moved),
            window_start=window_start,
            window_end=window_end,
            limit=limit,
        ):
            found.append(
                AgendaEntry(
                    town_only(event),
                    obj,
                    author,
                    occurrence.starts_at,
                    occurrence.ends_at,
                    occurrence.of,
                    occurrence.cancelled,
                )
            )
    return found


async def agenda_page(
    session: AsyncSession,
    filters: AgendaFilter,
    now: datetime,
    *,
    after: AgendaCursor | None = None,
    limit: int = 30,
) -> AgendaPage:
    """One page of the agenda from `filters.starts_from` (now by default): two queries
    whatever the page holds. Past events are not in it; cancelled ones are, with their status."""
    limit = max(1, min(limit, MAX_PAGE))
    dialect = session.get_bind().dialect.name
    start = filters.starts_from or now
    # occurrences of series from the page's start (the cursor's start on later pages)
    series = _occurrences(
        await session.execute(series_query(filters, start, filters.until, dialect)),
        max(start, after.starts_at) if after else start,
        filters.until,
        limit + 1 + (0 if after is None else MAX_PAGE),
    )
    under_way: list[AgendaEntry] = []
    if after is None:
        under_way = _entries(await session.execute(under_way_query(filters, start, limit, dialect)))
        under_way += [o for o in series if o.starts_at < start]
        under_way.sort(key=lambda entry: entry.key)
        under_way = under_way[:limit]
    later = [o for o in series if o.starts_at >= start]
    if after is not None:
        later = [o for o in later if o.key > (after.starts_at, after.object_id)]
    rows = _entries(
        await session.execute(
            upcoming_query(filters, start, filters.until, after, limit + 1, dialect)
        )
    )
    rows = sorted([*rows, *later], key=lambda entry: entry.key)
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
    query = (
        base_query(filters, dialect)
        .where(Event.rrule.is_(None), Event.starts_at < ends, Event.ends_at > starts)
        .order_by(Event.starts_at, Event.object_id)
        .limit(MONTH_LIMIT + 1)
    )
    rows = _entries(await session.execute(query))
    rows += _occurrences(
        await session.execute(series_query(filters, starts, ends, dialect)),
        starts,
        ends,
        MONTH_LIMIT + 1,
    )
    rows.sort(key=lambda entry: entry.key)
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
    return _entries(await session.execute(query))


__all__ = [
    "MAX_RANGE",
    "RANGE_CAPPED",
    "AgendaCursor",
    "AgendaEntry",
    "AgendaFilter",
    "AgendaPage",
    "agenda_page",
    "calendar_events",
    "check_range",
    "month_entries",
]
