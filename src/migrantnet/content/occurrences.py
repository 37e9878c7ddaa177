"""The dates of events, written down: one `event_occurrences` row per date, so the agenda
walks dates by index instead of expanding every running series on every request.

When: every flush of an `events` row whose dates changed (a local publish or edit, a peer's
Create or Update through the inbox, an `.ics` import, an event imported by URL) rewrites its
rows, so no writer can forget it (the same way `content/search.py` indexes objects). An
object deleted loses them (its tombstone is no date of the agenda). Bulk inserts skip the
flush: the migration and the benchmark's seed call `write_all_occurrences`.

How far: a single event is one row. A series is expanded in its own zone
(`recurrence.occurrences`: a weekly 18:00 in Rome stays 18:00 across the change to summer
time) from its first date up to `HORIZON` after now (or after its first date, when that is
later), at most `MAX_PER_SERIES` dates. Two years, as `recurrence.HORIZON` gives a rule
without end, so such a series is written whole when it is published; the agenda's ranges are
at most a year (`agenda_filters.MAX_RANGE`). A series whose rule runs on past the horizon (an
explicit UNTIL or COUNT years ahead) keeps where writing stopped in `occurrences_until`, and
the worker's periodic loop writes it again as time goes by (`top_up_occurrences`), a batch a
pass, a month before its dates run out. Cancelled dates (EXDATE) are rows marked
`cancelled` (the agenda shows them, struck); moved ones are at their new time, with the date
the rule gave them as `recurrence_id`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import JSON, Connection, Table, column, delete, event, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.attributes import set_committed_value

from migrantnet.content.errors import InvalidInput
from migrantnet.content.formatting import zone
from migrantnet.content.recurrence import (
    HORIZON,
    MAX_OCCURRENCES,
    occurrences,
    parse_instants,
    parse_moved,
)
from migrantnet.models import ContentObject, Event, EventOccurrence, Kind
from migrantnet.models.base import UTCDateTime

MAX_PER_SERIES = MAX_OCCURRENCES  # what expanding a series on each request gave before
LONG = timedelta(days=1)  # a date longer than this is `multi_day`
TOP_UP_MARGIN = timedelta(days=31)  # written again this long before its dates run out
TOP_UP_BATCH = 100  # series written again in one pass of the worker
_DATE_COLUMNS = ("starts_at", "ends_at", "timezone", "rrule", "exdates", "moved")
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class EventDates:
    """An event's rows of `event_occurrences`, and where writing stopped (None: all of them)."""

    rows: list[dict[str, Any]]
    until: datetime | None


def dates_of(event: Any, now: datetime) -> EventDates:
    """The rows for one event (an `Event` or a row with its columns). A stored rule this node
    cannot read any more leaves the series its first date, as a peer's unreadable rule does."""
    first = {
        "event_id": event.object_id,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "recurrence_id": None,
        "cancelled": False,
        "multi_day": event.ends_at - event.starts_at > LONG,
    }
    if not event.rrule:
        return EventDates([first], None)
    horizon = max(now, event.starts_at) + HORIZON
    try:
        found = occurrences(
            event.rrule,
            event.starts_at,
            event.ends_at,
            zone(event.timezone),
            parse_instants(event.exdates or []),
            parse_moved(event.moved or []),
            window_start=_EARLIEST,
            window_end=horizon,
            limit=MAX_PER_SERIES,
        )
    except InvalidInput:
        return EventDates([first], None)
    rows: dict[datetime, dict[str, Any]] = {}
    for occurrence in found:
        # a date moved onto another date of the same series: one row, the first
        rows.setdefault(
            occurrence.starts_at,
            {
                "event_id": event.object_id,
                "starts_at": occurrence.starts_at,
                "ends_at": occurrence.ends_at,
                "recurrence_id": occurrence.of,
                "cancelled": occurrence.cancelled,
                "multi_day": occurrence.ends_at - occurrence.starts_at > LONG,
            },
        )
    last_end = event.recurs_until or event.ends_at
    runs_on = last_end > horizon and len(found) < MAX_PER_SERIES
    return EventDates(list(rows.values()), horizon if runs_on else None)


def write_occurrences(
    connection: Connection, events: Sequence[Any], now: datetime
) -> dict[int, datetime | None]:
    """Replace the rows of `events` (a few statements whatever their number); returns each
    event's `occurrences_until`, also written to `events`."""
    if not events:
        return {}
    occurrence_table = cast(Table, EventOccurrence.__table__)
    event_table = cast(Table, Event.__table__)
    ids = [e.object_id for e in events]
    connection.execute(delete(occurrence_table).where(occurrence_table.c.event_id.in_(ids)))
    rows: list[dict[str, Any]] = []
    untils: dict[int, datetime | None] = {}
    for item in events:
        dates = dates_of(item, now)
        rows += dates.rows
        untils[item.object_id] = dates.until
    for start in range(0, len(rows), 1000):
        connection.execute(occurrence_table.insert(), rows[start : start + 1000])
    by_until: dict[datetime | None, list[int]] = {}
    for object_id, until in untils.items():
        by_until.setdefault(until, []).append(object_id)
    for until, object_ids in by_until.items():
        connection.execute(
            update(event_table)
            .where(event_table.c.object_id.in_(object_ids))
            .values(occurrences_until=until)
        )
    return untils


def _dates_changed(row: Event) -> bool:
    state = cast(Any, row)._sa_instance_state
    return any(state.attrs[name].history.has_changes() for name in _DATE_COLUMNS)


def _deleted_event(obj: object) -> bool:
    if not isinstance(obj, ContentObject) or obj.kind != Kind.EVENT or obj.deleted_at is None:
        return False
    return bool(cast(Any, obj)._sa_instance_state.attrs["deleted_at"].history.has_changes())


@event.listens_for(Session, "after_flush")
def _write_flushed(session: Session, _flush: UOWTransaction) -> None:
    written = [row for row in session.new if isinstance(row, Event)]
    written += [row for row in session.dirty if isinstance(row, Event) and _dates_changed(row)]
    gone = [obj.id for obj in session.dirty if _deleted_event(obj)]
    if not written and not gone:
        return
    connection = session.connection()
    for row, until in zip(
        written, write_occurrences(connection, written, datetime.now(UTC)).values(), strict=True
    ):
        set_committed_value(row, "occurrences_until", until)
    if gone:
        occurrence_table = cast(Table, EventOccurrence.__table__)
        connection.execute(delete(occurrence_table).where(occurrence_table.c.event_id.in_(gone)))


async def top_up_occurrences(
    session: AsyncSession, now: datetime, batch: int = TOP_UP_BATCH
) -> int:
    """Write again the series whose written dates end within `TOP_UP_MARGIN` of the horizon
    (the worker's periodic loop); how many were."""
    due = now + HORIZON - TOP_UP_MARGIN
    events = list(
        await session.scalars(
            select(Event)
            .where(Event.occurrences_until.is_not(None), Event.occurrences_until < due)
            .order_by(Event.occurrences_until, Event.object_id)
            .limit(batch)
        )
    )
    if not events:
        return 0

    def write(sync: Session) -> None:
        untils = write_occurrences(sync.connection(), events, now)
        for row in events:
            set_committed_value(row, "occurrences_until", untils[row.object_id])

    await session.run_sync(write)
    return len(events)


# The columns writing reads, as a plain table: the migration writes existing events with it,
# whatever columns later migrations add to `events`.
_EVENTS = table(
    "events",
    column("object_id"),
    column("starts_at", UTCDateTime()),
    column("ends_at", UTCDateTime()),
    column("timezone"),
    column("rrule"),
    column("exdates", JSON),
    column("moved", JSON),
    column("recurs_until", UTCDateTime()),
)


def write_all_occurrences(
    connection: Connection, now: datetime | None = None, batch: int = 500
) -> int:
    """Write every event's rows (the migration, for events stored before this table, and bulk
    seeds); how many events."""
    moment = now or datetime.now(UTC)
    last, count = 0, 0
    while True:
        rows: Iterable[Any] = list(
            connection.execute(
                select(_EVENTS)
                .where(_EVENTS.c.object_id > last)
                .order_by(_EVENTS.c.object_id)
                .limit(batch)
            )
        )
        found = list(rows)
        if not found:
            return count
        write_occurrences(connection, found, moment)
        count += len(found)
        last = found[-1].object_id
