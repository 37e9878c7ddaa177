"""The agenda's statements: which events are the node's agenda (`sources`), a filter applied,
and the upcoming, under-way and month walks of their dates along `ix_event_occurrences_agenda`
(`content/occurrences.py` writes one row per date, series included). Pure SQLAlchemy selects,
so their plans can be checked on both databases."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased

from migrantnet.content.agenda_filters import AgendaCursor, AgendaFilter
from migrantnet.content.occurrences import LONG
from migrantnet.models import (
    Actor,
    ActorType,
    AgendaImport,
    Block,
    BlockKind,
    ContentObject,
    Event,
    EventOccurrence,
    Follow,
    FollowState,
    GroupItem,
    IcsSubscription,
    Interaction,
    Kind,
    Visibility,
)
from migrantnet.models.base import UTCDateTime


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


def co_organised(association: str, dialect: str) -> ColumnElement[bool]:
    """Events naming this association of ours among their `organizers` that reached it by a
    way it chose: published on this node, by an actor it follows, or shared with it by one
    (a group it is a member of, ours or another node's: its `GroupItem`s, its Announces).
    Anyone can name anyone an organiser; so a stranger's claim is not enough to put an event
    in an association's agenda, calendar and feeds."""
    follows = select(Follow.followed_id).where(
        Follow.follower_id.in_(select(Actor.id).where(Actor.ap_id == association)),
        Follow.state == FollowState.ACCEPTED,
    )
    shared = select(GroupItem.object_ap_id).where(
        GroupItem.group_id.in_(follows), GroupItem.hidden.is_(False)
    )
    announced = select(Interaction.object_ap_id).where(
        Interaction.type == "Announce", Interaction.actor_id.in_(follows)
    )
    return and_(
        _json_text_like(Event.organizers, association, dialect),
        or_(
            ContentObject.local.is_(True),
            ContentObject.actor_id.in_(follows),
            ContentObject.ap_id.in_(shared),
            ContentObject.ap_id.in_(announced),
        ),
    )


def _json_text_like(column: Any, needle: str, dialect: str) -> ColumnElement[bool]:
    """`needle` (a JSON string value) inside a JSON column, on both databases: SQLite keeps
    the JSON text as Python wrote it (non-ASCII escaped), PostgreSQL writes it out from JSONB."""
    literal = json.dumps(needle, ensure_ascii=dialect == "sqlite")
    escaped = literal.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(cast(column, String)).like(f"%{escaped.lower()}%", escape="\\")


def base_query(filters: AgendaFilter, dialect: str) -> Select:
    """Public, live events of the agenda's sources with the filters applied; no order yet."""
    query = select(Event, ContentObject, Actor).join(
        ContentObject, ContentObject.id == Event.object_id
    )
    return narrowed(query, filters, dialect)


def dates_query(filters: AgendaFilter, dialect: str, *columns: Any) -> Select:
    """The dates (`event_occurrences`) of the events `base_query` gives, each with its event,
    object and author (or only `columns`, for a key or a count); no order yet."""
    event_id: ColumnElement[int] = EventOccurrence.event_id.expression
    if dialect == "sqlite":
        # `+ 0` keeps SQLite from reaching the dates through their key from the events it
        # would read first (then sorting them all): with few actors and many series its
        # planner chose that, which costs what every running series holds. The dates are
        # walked in order, each event found by its primary key.
        event_id = EventOccurrence.event_id + 0
    query = (
        select(*(columns or (EventOccurrence, Event, ContentObject, Actor)))
        .select_from(EventOccurrence)
        .join(Event, Event.object_id == event_id)
        .join(ContentObject, ContentObject.id == Event.object_id)
    )
    return narrowed(query, filters, dialect)


def narrowed(query: Select, filters: AgendaFilter, dialect: str) -> Select:
    """`query` (joined to `events` and `objects`) kept to the agenda: its sources, public and
    live, nothing blocked, and the reader's filters."""
    query = query.join(Actor, Actor.id == ContentObject.actor_id).where(
        ContentObject.kind == Kind.EVENT,
        ContentObject.visibility == Visibility.PUBLIC,
        ContentObject.deleted_at.is_(None),
        Actor.deleted_at.is_(None),
        _sources(),
        # nothing of a domain or account the node blocked, even when relayed by another
        Actor.domain.not_in(select(Block.domain).where(Block.kind == BlockKind.DOMAIN)),
        Actor.ap_id.not_in(select(Block.target).where(Block.kind == BlockKind.ACCOUNT)),
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
    if filters.organised_by is not None:
        query = query.where(
            or_(
                and_(Actor.ap_id == filters.organised_by, ContentObject.local.is_(True)),
                co_organised(filters.organised_by, dialect),
            )
        )
    return query


def upcoming_query(
    filters: AgendaFilter,
    starts_from: datetime,
    until: datetime | None,
    after: AgendaCursor | None,
    limit: int,
    dialect: str,
) -> Select:
    """Dates starting at or after `starts_from` (and before `until`), in (start, event) order,
    after the cursor: a keyset walk of `ix_event_occurrences_agenda`."""
    when = EventOccurrence.starts_at
    query = dates_query(filters, dialect).where(when >= starts_from)
    if until is not None:
        query = query.where(when < until)
    if after is not None:
        query = query.where(
            tuple_(when, EventOccurrence.event_id) > tuple_(after.starts_at, after.object_id)
        )
    return query.order_by(when, EventOccurrence.event_id).limit(limit)


def _overlapping(
    filters: AgendaFilter, starts: datetime, ends: datetime | None, limit: int, dialect: str
) -> list[Select]:
    """Dates overlapping [starts, ends), as two bounded walks: those that started at most
    `LONG` before `starts` (every short one), in (start, event) order along
    `ix_event_occurrences_agenda`; the `multi_day` ones not over by `starts`, soonest ended
    first along `ix_event_occurrences_multi_day` (they are few: a limit reached there keeps
    those ending first). The caller sorts their union by start, each date once. One walk of
    every date starting before `ends` would read the node's whole past."""
    date = EventOccurrence
    # No condition on `multi_day` here (a long date begun within `LONG` comes twice; the
    # caller keeps it once): with one, SQLite walked the other index, every date to come.
    short = dates_query(filters, dialect).where(
        date.starts_at >= starts - LONG, date.ends_at > starts
    )
    # `= true`, not `IS TRUE`: PostgreSQL's index takes only the first as a condition
    long = dates_query(filters, dialect).where(date.multi_day == true(), date.ends_at > starts)
    if ends is not None:
        short = short.where(date.starts_at < ends)
        long = long.where(date.starts_at < ends)
    return [
        short.order_by(date.starts_at, date.event_id).limit(limit),
        long.order_by(date.multi_day, date.ends_at).limit(limit),
    ]


def under_way_queries(
    filters: AgendaFilter, moment: datetime, limit: int, dialect: str
) -> list[Select]:
    """Dates that started before `moment` and end after it: a meeting begun, a camp, a week
    of action; each query in (start, event) order, their union the answer."""
    return _overlapping(filters, moment, moment, limit, dialect)


def _days_table(count: int, dialect: str) -> Subquery:
    """`count` days as rows (day number, starts, ends), their instants bound as `day_params`
    names them: a compound of one-row selects, since SQLite names no columns of a VALUES list.
    PostgreSQL is told the instants' type (a compound's column has none of its own); SQLite
    is not (its CAST to DATETIME makes "2030-01-01 ..." the number 2030)."""

    def instant(name: str) -> Any:
        value = bindparam(name, type_=UTCDateTime)
        return cast(value, UTCDateTime) if dialect == "postgresql" else value

    arms = [
        select(
            # the number written in the statement: PostgreSQL gives a bound one no type here
            literal_column(str(number), Integer).label("day"),
            instant(f"day_starts_{number}").label("starts"),
            instant(f"day_ends_{number}").label("ends"),
        )
        for number in range(count)
    ]
    return union_all(*arms).subquery("days")


def day_params(days: Sequence[tuple[datetime, datetime]]) -> dict[str, datetime]:
    """The values of `month_days_query` and `month_counts_query` for these days [starts, ends)."""
    params = {}
    for number, (start, end) in enumerate(days):
        params[f"day_starts_{number}"] = start
        params[f"day_ends_{number}"] = end
    return params


def _day_walks(
    filters: AgendaFilter, days: Subquery, limit: int, dialect: str, *columns: Any
) -> list[Select]:
    """A day's dates (the day a row of `days`, so each walk is correlated to it), as two walks
    of at most `limit` rows of `columns`: those starting in the day, along
    `ix_event_occurrences_agenda`, and the `multi_day` ones begun before it and not over, along
    `ix_event_occurrences_multi_day`. The two never hold the same date. A short date across
    midnight is its first day's only: a walk for the dates begun the day before would read that
    whole day to find them (the day's list shows it as under way)."""
    date = EventOccurrence
    starting = dates_query(filters, dialect, *columns).where(
        date.starts_at >= days.c.starts, date.starts_at < days.c.ends
    )
    # `= true`, not `IS TRUE`: PostgreSQL's index takes only the first as a condition
    begun = dates_query(filters, dialect, *columns).where(
        date.multi_day == true(), date.ends_at > days.c.starts, date.starts_at < days.c.starts
    )
    return [
        starting.order_by(date.starts_at, date.event_id).limit(limit).correlate(days),
        begun.order_by(date.multi_day, date.ends_at).limit(limit).correlate(days),
    ]


@lru_cache(maxsize=64)
def month_days_query(filters: AgendaFilter, days: int, limit: int, dialect: str) -> Select:
    """The first dates of each day (at most `limit` of each walk), each with its day number
    and what a cell shows of it, in one statement: two bounded walks a day, however many events
    the month holds. PostgreSQL runs each walk once a day as a LATERAL subquery; SQLite, which
    has no LATERAL, as a correlated `IN` list of the day's keys. `days` is how many; their
    instants are bound (`day_params`), so one statement (built, keyed and compiled once: a month
    of walks took 20-40 ms of Python to build each time) serves every month of that length."""
    table = _days_table(days, dialect)
    date = EventOccurrence
    arms = []
    for walk in _day_walks(
        filters, table, limit, dialect, date.event_id.label("event_id"), date.starts_at
    ):
        if dialect == "postgresql":
            found = walk.subquery().lateral()
            arms.append(
                select(table.c.day, found.c.event_id, found.c.starts_at)
                .select_from(table)
                .join(found, true())
            )
        else:
            found_date = aliased(EventOccurrence)
            arms.append(
                select(table.c.day, found_date.event_id, found_date.starts_at)
                .select_from(table)
                .join(found_date, tuple_(found_date.event_id, found_date.starts_at).in_(walk))
            )
    keys = union_all(*arms).subquery("day_keys")
    # the columns a cell shows (`agenda.MonthDate`), not the entities
    return (
        select(
            keys.c.day,
            date.event_id,
            date.starts_at,
            date.ends_at,
            date.cancelled,
            Event.timezone,
            Event.status,
            ContentObject.ap_id,
            ContentObject.url,
            ContentObject.name_map,
            ContentObject.primary_language,
        )
        .select_from(keys)
        .join(date, and_(date.event_id == keys.c.event_id, date.starts_at == keys.c.starts_at))
        .join(Event, Event.object_id == date.event_id)
        .join(ContentObject, ContentObject.id == Event.object_id)
    )


@lru_cache(maxsize=64)
def month_counts_query(filters: AgendaFilter, days: int, cap: int, dialect: str) -> Select:
    """How many dates each day holds, each of its two walks counted up to `cap` (so a day with
    thousands costs what one with `cap` does): rows of (day number, starting, begun); bound
    as `month_days_query` is."""
    table = _days_table(days, dialect)
    counted = [
        select(func.count()).select_from(walk.subquery()).scalar_subquery()
        for walk in _day_walks(filters, table, cap, dialect, EventOccurrence.event_id)
    ]
    return select(table.c.day, *counted).select_from(table)
