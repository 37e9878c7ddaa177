"""Applying stored inbox activities, each exactly once, many in one transaction.

A row is claimed by an atomic `received -> processing` update, so the request's background
task and a worker sweeping leftovers can never both apply it. Whatever a handler raises is
kept on the row (`failed`, with the reason) for an operator: nothing is dropped silently.

Rows that arrive together are applied together (`apply_many`, `InboxApplier`): one claim, one
read, a savepoint per row, one commit, where one transaction per row spent most of its time
on sessions, claims, commits and counters rather than on the activity (benchmarks/README.md).
No transaction waits on the network (`offline`): a row whose handler would fetch is undone to
its savepoint, what it asked for is fetched with no transaction open, and it is applied again
from those answers. A row that raises beside others is applied again alone, in a session of
its own, so that only its own failure is recorded on it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.remote import CLASH_REDONE
from migrantnet.db import database_unavailable, unavailable_reason
from migrantnet.federation.actors import ActorUnavailable, get_or_fetch_actor
from migrantnet.federation.handlers import HANDLERS, Inbound
from migrantnet.federation.handlers.base import KEEPS_MEMO, BatchMemo
from migrantnet.federation.handlers.objects import parse_embedded
from migrantnet.federation.offline import Tape, replaying
from migrantnet.federation.parse import ParsedActivity, ParseError, parse_activity
from migrantnet.federation.parse.content import ParsedContent
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import Actor, InboxActivity, InboxState
from migrantnet.models.lifecycle import check_transition

logger = logging.getLogger("migrantnet.federation.inbox")

# A row still `processing` after this long belongs to a process that died; take it again.
STALE_PROCESSING = timedelta(minutes=5)
BACKLOG_GRACE = timedelta(seconds=2)
# Rows applied in one transaction at most: on SQLite the batch holds the write lock, and a
# delivery accepted meanwhile waits for it (~5-10 ms a row).
MAX_BATCH = 16
# Batches applied at once by one process on PostgreSQL (each holds a pooled connection).
PG_PARALLEL_BATCHES = 4
MAX_FETCH_ROUNDS = 4  # an announced post, its author, the post it answers, its author


@dataclass(frozen=True, slots=True)
class _Row:
    """What applying needs of a claimed row, as plain values: an undone savepoint expires
    the ORM's objects, and reading one again would need a query."""

    id: int
    type: str
    actor: str
    payload: dict[str, Any] | None
    # Parsed before the transaction: None where the payload is gone or not an activity.
    activity: ParsedActivity | None = None
    embedded: ParsedContent | ParseError | None = None

    @classmethod
    def parsed(cls, row: InboxActivity) -> _Row:
        activity = embedded = None
        if row.payload is not None:
            try:
                activity = parse_activity(row.payload)
            except ParseError:
                pass
            else:
                embedded = parse_embedded(activity)
        return cls(row.id, row.type, row.actor_ap_id, row.payload, activity, embedded)


@dataclass
class _Outcome:
    states: dict[int, InboxState] = field(default_factory=dict)
    again: list[int] = field(default_factory=list)  # held `processing`, to be applied alone


async def process_activity(fed: Federation, activity_id: int) -> InboxState | None:
    """Apply one stored activity if nobody else has; returns the final state, or None."""
    return (await apply_many(fed, [activity_id]))[activity_id]


async def apply_many(fed: Federation, ids: Sequence[int]) -> dict[int, InboxState | None]:
    """Apply the rows `ids` that nobody else has, `MAX_BATCH` at a time; returns each id's
    final state (None: applied, or being applied, elsewhere)."""
    states: dict[int, InboxState | None] = dict.fromkeys(ids)
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), MAX_BATCH):
        applied, again = await _apply_chunk(fed, ordered[start : start + MAX_BATCH])
        states.update(applied)
        alone = list(again.items())
        finals = await asyncio.gather(*(_apply_alone(fed, row_id, tape) for row_id, tape in alone))
        states.update((row_id, final) for (row_id, _tape), final in zip(alone, finals, strict=True))
    return states


async def _apply_chunk(
    fed: Federation, chunk: list[int]
) -> tuple[dict[int, InboxState], dict[int, Tape]]:
    """One batch: the states of the rows it applied, and the tapes of those left to apply
    alone (`_apply_alone`), which are ours now (`processing`)."""
    tapes = {row_id: Tape() for row_id in chunk}
    try:
        outcome = await _batch(fed, tapes, claim=True)
    except Exception as exc:
        # The transaction itself failed (the database away, a lock past its timeout):
        # nothing of it was kept, the rows are `received` again, for the worker's sweep.
        _log_batch_failure(exc, len(chunk))
        return {}, {}
    return outcome.states, {row_id: tapes[row_id] for row_id in outcome.again}


async def _apply_alone(fed: Federation, row_id: int, tape: Tape) -> InboxState | None:
    """A row of ours that wanted the network, or failed beside others: fetch what it asked
    for (no transaction open), then apply it again in a batch of its own, from the tape."""
    for _ in range(MAX_FETCH_ROUNDS + 1):
        if tape.wanted:
            await tape.fetch()
        try:
            outcome = await _batch(fed, {row_id: tape}, claim=False)
        except Exception as exc:  # left `processing`: taken again once stale, by the sweep
            _log_batch_failure(exc, 1)
            return None
        if row_id in outcome.states:
            return outcome.states[row_id]
    async with fed.db.session(write=True) as session, session.begin():
        await session.execute(
            _FINISH,
            [
                {
                    "row_id": row_id,
                    "state": InboxState.FAILED,
                    "at": fed.now(),
                    "error": f"more than {MAX_FETCH_ROUNDS} rounds of fetches to apply it",
                }
            ],
        )
    return InboxState.FAILED


def _log_batch_failure(exc: Exception, rows: int) -> None:
    if database_unavailable(exc):
        log_event(logger, "inbox_batch_postponed", rows=rows, reason=unavailable_reason(exc))
    else:
        logger.exception("inbox_batch_failed")


async def _batch(fed: Federation, tapes: dict[int, Tape], *, claim: bool) -> _Outcome:
    """Apply the rows of `tapes` in one transaction, each in a savepoint; `claim`: take them
    from `received` (else they are ours already, `processing`). A row that wants the network,
    or that raises beside other rows, is undone and put in `again`; alone, a row that raises
    is recorded `failed` with the reason."""
    outcome = _Outcome()
    ids = list(tapes)
    finished: list[dict[str, Any]] = []
    # Read and parsed before the write transaction, which on SQLite holds the write lock
    # from its first statement: payloads do not change once stored.
    async with fed.db.session() as session:
        ahead = {
            row.id: _Row.parsed(row)
            for row in await session.scalars(
                select(InboxActivity).where(
                    InboxActivity.id.in_(ids),
                    InboxActivity.state.in_((InboxState.RECEIVED, InboxState.PROCESSING)),
                )
            )
        }
    async with fed.db.session(write=True) as session, session.begin():
        if claim:
            ids = list(
                await session.scalars(
                    update(InboxActivity)
                    .where(InboxActivity.id.in_(ids), InboxActivity.state == InboxState.RECEIVED)
                    .values(state=InboxState.PROCESSING, attempts=InboxActivity.attempts + 1)
                    .returning(InboxActivity.id)
                    .execution_options(synchronize_session=False)
                )
            )
        else:
            ids = list(
                await session.scalars(
                    select(InboxActivity.id).where(
                        InboxActivity.id.in_(ids), InboxActivity.state == InboxState.PROCESSING
                    )
                )
            )
        if not ids:
            return outcome
        missing = [row_id for row_id in ids if row_id not in ahead]
        if missing:  # stored after the read ahead: read now
            ahead.update(
                (row.id, _Row.parsed(row))
                for row in await session.scalars(
                    select(InboxActivity).where(InboxActivity.id.in_(missing))
                )
            )
        rows = [ahead[row_id] for row_id in sorted(ids)]
        senders = await _known_senders(session, rows)
        memo = BatchMemo()
        alone = len(rows) == 1  # nothing else in this session: a failure is its own
        # Beside other rows, a row whose object insert clashes with another transaction's
        # is undone and applied alone below, where it finds that object: its insert needs
        # no savepoint of its own (two statements a row on PostgreSQL).
        session.info[CLASH_REDONE] = not alone
        for row in rows:
            tape = tapes[row.id]
            savepoint = await session.begin_nested()
            with replaying(tape):
                try:
                    state: InboxState | None = await _apply(fed, session, row, senders, memo)
                    error = None
                except Exception as exc:
                    if database_unavailable(exc):
                        raise
                    state, error = None, exc
            if row.type not in KEEPS_MEMO:
                memo.clear()
            if tape.wanted or (error is not None and not alone):
                await savepoint.rollback()
                senders.clear()  # perhaps expired by the rollback: read again when needed
                memo.clear()
                outcome.again.append(row.id)
                continue
            if state is None:
                await savepoint.rollback()
                memo.clear()
                logger.error("inbox_processing_failed", exc_info=error)
                state = InboxState.FAILED
            else:
                await savepoint.commit()
            check_transition(InboxState.PROCESSING, state)
            outcome.states[row.id] = state
            finished.append(
                {
                    "row_id": row.id,
                    "state": state,
                    "at": fed.now(),
                    "error": None if error is None else f"{type(error).__name__}: {error}"[:2000],
                }
            )
        if finished:  # one statement for the batch, not a flush of each row
            await session.execute(_FINISH, finished)
    for row in rows:
        if row.id in outcome.states:
            log_event(logger, "inbox_processed", type=row.type, state=outcome.states[row.id])
    return outcome


# The rows of a batch leave `processing` together, in one executemany.
_INBOX = cast(Table, InboxActivity.__table__)
_FINISH = (
    _INBOX.update()
    .where(_INBOX.c.id == bindparam("row_id"))
    .values(state=bindparam("state"), processed_at=bindparam("at"), error=bindparam("error"))
)


async def _known_senders(session: AsyncSession, rows: list[_Row]) -> dict[str, Actor]:
    """The stored actors who sent these rows, read once for the batch."""
    ap_ids = {row.actor for row in rows}
    found = await session.scalars(select(Actor).where(Actor.ap_id.in_(ap_ids)))
    return {actor.ap_id: actor for actor in found}


class InboxApplier:
    """Applies what this process's requests accepted, the rows that came in together in one
    batch. On SQLite one batch at a time (one writer anyway: a second would wait for the
    lock); on PostgreSQL a few, since a batch spends much of its time waiting for answers.
    The answer (202) does not wait for it: the row is stored before, and what is waiting
    here when the process stops is taken by the worker's sweep."""

    def __init__(self, fed: Federation) -> None:
        self.fed = fed
        self.parallel = 1 if fed.db.dialect == "sqlite" else PG_PARALLEL_BATCHES
        self._waiting: dict[int, asyncio.Future[InboxState | None]] = {}
        self._draining: set[asyncio.Task[None]] = set()
        self._alone: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def apply(self, activity_id: int) -> InboxState | None:
        """Apply the stored row `activity_id` with those waiting beside it; its final state,
        or None if it was applied elsewhere or is left for the worker's sweep (the database
        away: logged once for the batch)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # A loop that ended (tests make one per client) took its waiters with it.
            self._loop, self._waiting, self._draining, self._alone = loop, {}, set(), set()
        future = loop.create_future()
        self._waiting[activity_id] = future
        if len(self._draining) < self.parallel:
            task = asyncio.create_task(self._drain())
            self._draining.add(task)
            task.add_done_callback(self._draining.discard)
        try:
            return await asyncio.shield(future)
        except Exception:
            return None

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # let the rows accepted in this same turn join the batch
        while self._waiting:
            batch = dict(list(self._waiting.items())[:MAX_BATCH])
            for activity_id in batch:
                del self._waiting[activity_id]
            try:
                applied, again = await _apply_chunk(self.fed, list(batch))
            except Exception as exc:  # a bug of ours: the rows wait for the worker's sweep
                logger.exception("inbox_apply_postponed")
                for future in batch.values():
                    if not future.done():
                        future.set_exception(exc)
                continue
            for activity_id, future in batch.items():
                if activity_id in again:
                    # Its fetches (a slow peer's, perhaps) must not hold up the next batch.
                    task = asyncio.create_task(
                        self._finish_alone(activity_id, again[activity_id], future)
                    )
                    self._alone.add(task)
                    task.add_done_callback(self._alone.discard)
                elif not future.done():
                    future.set_result(applied.get(activity_id))

    async def _finish_alone(
        self, activity_id: int, tape: Tape, future: asyncio.Future[InboxState | None]
    ) -> None:
        state = await _apply_alone(self.fed, activity_id, tape)
        if not future.done():
            future.set_result(state)


async def _apply(
    fed: Federation,
    session: AsyncSession,
    row: _Row,
    senders: Mapping[str, Actor],
    memo: BatchMemo,
) -> InboxState:
    payload, activity = row.payload, row.activity
    if payload is None or activity is None:
        # trimmed (only ever done or ignored rows, never claimed again), or no activity
        return InboxState.IGNORED
    handler = HANDLERS.get(activity.type)
    if handler is None:
        return InboxState.IGNORED  # stored, understood as nothing for us
    try:
        sender = senders.get(activity.actor) or await get_or_fetch_actor(
            session, fed, activity.actor
        )
    except ActorUnavailable:
        return InboxState.IGNORED
    inbound = Inbound(
        fed=fed,
        session=session,
        sender=sender,
        activity=activity,
        payload=payload,
        memo=memo,
        embedded=row.embedded,
    )
    return await handler(inbound)


async def process_backlog(fed: Federation, limit: int = 200) -> int:
    """Finish what a crash or restart interrupted: received rows left behind, stale claims."""
    now = fed.now()
    async with fed.db.session(write=True) as session, session.begin():
        await session.execute(
            update(InboxActivity)
            .where(
                InboxActivity.state == InboxState.PROCESSING,
                InboxActivity.received_at < now - STALE_PROCESSING,
            )
            .values(state=InboxState.RECEIVED)
        )
    async with fed.db.session() as session:
        ids = list(
            await session.scalars(
                select(InboxActivity.id)
                .where(
                    InboxActivity.state == InboxState.RECEIVED,
                    InboxActivity.received_at < now - BACKLOG_GRACE,
                )
                .order_by(InboxActivity.id)
                .limit(limit)
            )
        )
    await apply_many(fed, ids)
    return len(ids)


def applier_for(fed: Federation) -> InboxApplier:
    """The one applier of this process's federation service."""
    if fed.inbox_applier is None:
        fed.inbox_applier = InboxApplier(fed)
    return fed.inbox_applier
