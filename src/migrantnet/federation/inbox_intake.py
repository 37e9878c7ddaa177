"""The inbox's group commit: activities accepted at about the same time are stored by one
INSERT in one transaction.

On SQLite one process writes one transaction at a time (`db.WriterTurn`), and a transaction
held by a task on a busy event loop lasts as long as the loop takes to come back to it
between statements: an accept's BEGIN, INSERT and COMMIT held the write lock about 3 ms
under load, and the accepts alone kept it busy half the time. Here the rows wait together
for one turn: whatever arrives while a transaction is waiting or under way goes into the
next one. A 202 is still only answered after its row is committed.

One failed row must not cost the others their place: if a batch fails for any reason but the
database being away, its rows are stored again one by one, each getting its own outcome.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from migrantnet.db import Database, database_unavailable, insert_unless_present
from migrantnet.logs import log_event

logger = logging.getLogger("migrantnet.federation.inbox_intake")

# Rows per statement: five parameters each, far below SQLite's limit of 32,766.
MAX_ROWS = 64


@dataclass(slots=True)
class _Waiting:
    values: dict[str, Any]
    stored: asyncio.Future[int | None]


class InboxIntake:
    """Stores rows of one table with a unique key, together: `store` returns the new row's
    id, or None where a row with that key is there already (a repeated activity, also one
    repeated within the same batch)."""

    def __init__(self, db: Database, table: Table, key: str) -> None:
        self.db = db
        self.table = table
        self.key = key
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def store(self, values: dict[str, Any]) -> int | None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # A loop that ended (tests make one per client) took its waiters with it.
            self._loop, self._waiting, self._writer = loop, [], None
        waiting = _Waiting(values, loop.create_future())
        self._waiting.append(waiting)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())
        # A request given up by its client cancels only its own future: its row stays in the
        # batch (stored, then applied by the worker's sweep), the batch goes on.
        return await waiting.stored

    async def _write(self) -> None:
        try:
            while self._waiting:
                await self._write_batch()
        finally:
            self._writer = None

    async def _write_batch(self) -> None:
        batch: list[_Waiting] = []
        try:
            async with self.db.connection(write=True) as connection:
                # Taken once the turn is ours: every row that came while we waited is in.
                batch, self._waiting = self._waiting[:MAX_ROWS], self._waiting[MAX_ROWS:]
                rows = await connection.execute(self._statement([w.values for w in batch]))
                ids = {key: row_id for row_id, key in rows}
        except Exception as exc:
            if not batch:  # the turn never came: the rows waiting now share the outcome
                batch, self._waiting = self._waiting[:MAX_ROWS], self._waiting[MAX_ROWS:]
            if database_unavailable(exc) or len(batch) == 1:
                _fail(batch, exc)
            else:
                log_event(
                    logger,
                    "inbox_intake_batch_failed",
                    logging.WARNING,
                    rows=len(batch),
                    error=type(exc).__name__,
                )
                await self._write_alone(batch)
            return
        for waiting in batch:
            # The first of two rows with one key got the id; the second is the repeat.
            _settle(waiting, ids.pop(waiting.values[self.key], None))

    async def _write_alone(self, batch: list[_Waiting]) -> None:
        for waiting in batch:
            try:
                async with self.db.connection(write=True) as connection:
                    rows = await connection.execute(self._statement([waiting.values]))
                    row = rows.first()
            except Exception as exc:
                _fail([waiting], exc)
            else:
                _settle(waiting, None if row is None else row[0])

    def _statement(self, values: list[dict[str, Any]]) -> Any:
        key = self.table.c[self.key]
        return (
            insert_unless_present(self.table, dialect=self.db.dialect, key=key)
            .values(values)
            .returning(self.table.c.id, key)
        )


def _settle(waiting: _Waiting, row_id: int | None) -> None:
    if not waiting.stored.done():
        waiting.stored.set_result(row_id)


def _fail(batch: list[_Waiting], exc: Exception) -> None:
    for waiting in batch:
        if not waiting.stored.done():
            waiting.stored.set_exception(exc)
