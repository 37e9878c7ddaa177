"""An aiosqlite connection whose statements cost one thread hop each, not four.

aiosqlite runs each SQLite connection in a thread of its own and hands every call to it through
a queue. SQLAlchemy's adapter makes four such calls per statement (open a cursor, execute,
fetch the rows, close the cursor), and on this machine kind each hand-off costs about 0.1 ms of
the event loop's CPU, far more than SQLite's own work on a small query (a `SELECT 1` through
the async session: 0.44 ms of the loop's CPU; the same through a synchronous session: 0.07).
Here a cursor runs the statement and reads its rows in the connection's thread in one call, and
closing it is free: the sqlite3 cursor was closed there already.

Rows are read whole, as SQLAlchemy's adapter does for every cursor that is not server-side
(this code base opens none). Everything else (transactions, `create_function`, closing, the
isolation level) is aiosqlite's own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite

Description = tuple[tuple[Any, ...], ...] | None


class OneHopCursor:
    """The part of aiosqlite's cursor SQLAlchemy's adapter uses, one hand-off per statement."""

    arraysize = 1

    def __init__(self, connection: OneHopConnection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = ()) -> OneHopCursor:
        return await self._run(partial(_execute, sql, parameters))

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneHopCursor:
        return await self._run(partial(_executemany, sql, parameters))

    async def _run(self, call: Any) -> OneHopCursor:
        outcome = await self._connection.in_thread(call)
        self.description, self.rowcount, self.lastrowid, self._rows = outcome
        return self

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = self.arraysize if size is None else size
        taken, self._rows = self._rows[:size], self._rows[size:]
        return taken

    async def fetchall(self) -> list[Any]:
        taken, self._rows = self._rows, []
        return taken

    async def close(self) -> None:
        self._rows = []

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *sizes: Any) -> None:
        return None


Outcome = tuple[Description, int, int | None, list[Any]]


def _finish(cursor: sqlite3.Cursor) -> Outcome:
    try:
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _execute(sql: str, parameters: Any, connection: sqlite3.Connection) -> Outcome:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, parameters)
    except BaseException:
        cursor.close()
        raise
    return _finish(cursor)


def _executemany(
    sql: str, parameters: Iterable[Sequence[Any]], connection: sqlite3.Connection
) -> Outcome:
    cursor = connection.cursor()
    try:
        cursor.executemany(sql, parameters)
    except BaseException:
        cursor.close()
        raise
    return _finish(cursor)


class OneHopConnection(aiosqlite.Connection):
    """aiosqlite's connection with `OneHopCursor`s."""

    def cursor(self) -> OneHopCursor:  # type: ignore[override]
        return OneHopCursor(self)

    async def in_thread(self, call: Any) -> Outcome:
        """Run `call(sqlite3_connection)` in the connection's thread."""
        return await self._execute(lambda: call(self._conn))


def connect(database: str, *, iter_chunk_size: int = 64, **kwargs: Any) -> OneHopConnection:
    """What SQLAlchemy's aiosqlite dialect calls instead of `aiosqlite.connect` (its
    `async_creator_fn` connect argument), with the same arguments."""
    connection = OneHopConnection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size)
    connection._thread.daemon = True  # as SQLAlchemy's dialect does: no hang at exit
    return connection
