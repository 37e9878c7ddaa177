"""Database engines and sessions for both backends.

SQLite gets WAL, synchronous=NORMAL, foreign keys and a busy timeout on every connection, so
the embedded default behaves like a real database under a web process and a worker at once.

Writing code paths ask for `Database.session(write=True)`. On SQLite those sessions come from
a second, small pool whose transactions begin with `BEGIN IMMEDIATE`: the write lock is taken
first, so a transaction that reads and then writes waits its turn. A transaction begun
deferred that has read cannot wait when another connection committed in between (its snapshot
is stale): it fails at once with `database is locked`. On PostgreSQL both are the same engine.

Within one process the turn is taken in order (`WriterTurn`): a write connection is handed out
only when no other task of the process holds one. SQLite's own busy handler, left for other
processes (a worker beside `serve`), polls with sleeps that grow to 100 ms, so a delivery
waiting on an applier's batch woke late, after other waiters that came later.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Insert, Table, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util.concurrency import await_only, in_greenlet

from migrantnet import sqlite_connection
from migrantnet.models.changes import LISTENERS

# Seconds a client is told to wait (`Retry-After`) while the database cannot be reached.
UNAVAILABLE_RETRY_AFTER = 30
# Seconds PostgreSQL gets to accept a connection: an unreachable host fails fast, not after
# the system's TCP timeout (minutes), with every request meanwhile waiting for the pool.
PG_CONNECT_TIMEOUT = 10
# SQLite's primary result codes that say the file cannot be used just now (locked past the
# busy timeout, unreadable, unwritable, full, replaced), as opposed to a bug in our SQL.
_SQLITE_UNAVAILABLE = frozenset(
    {
        3,  # SQLITE_PERM
        5,  # SQLITE_BUSY
        6,  # SQLITE_LOCKED
        7,  # SQLITE_NOMEM
        8,  # SQLITE_READONLY
        10,  # SQLITE_IOERR
        11,  # SQLITE_CORRUPT
        13,  # SQLITE_FULL
        14,  # SQLITE_CANTOPEN
        15,  # SQLITE_PROTOCOL
        26,  # SQLITE_NOTADB
    }
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be used just now (a passing fault: 503, retry),
    rather than a mistake in our own SQL (a bug: 500).

    The pool waited too long for a connection; a connection was lost; PostgreSQL refused or
    dropped it, or is shutting down (psycopg's OperationalError and InterfaceError); SQLite's
    file is locked past the busy timeout, unreadable, read-only, full or not a database."""
    if isinstance(exc, sa_exc.TimeoutError):
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_UNAVAILABLE
    return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)


def unavailable_reason(exc: BaseException) -> str:
    """The driver's own first line (no SQL, no parameters: nothing of a user's data)."""
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return first[:200]


BUSY_TIMEOUT_MS = 15000


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return on_connect


def create_private_sqlite_file(database: str) -> None:
    """Create the data directory 0700 and the SQLite file 0600 before SQLite opens it.

    The file holds the associations' private keys and the password hashes; SQLite would create
    it with the umask's mode (often world-readable), and gives its `-wal` and `-shm` files the
    mode of the database file. Existing files and directories are left as the operator set them.
    """
    path = Path(database)
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def install_sqlite_pragmas(engine: Engine, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))


WRITES_ALONE = "writes_alone"  # a connection record's info: its transactions hold the lock


def _sqlite_writer(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.isolation_level = None  # no BEGIN of the driver's own: _begin_immediate
    record.info[WRITES_ALONE] = True


async def writes_alone(session: AsyncSession) -> bool:
    """Whether the session's transaction holds SQLite's write lock from its BEGIN (a write
    session): nothing another connection commits can appear in it before it ends, so what a
    read found missing stays missing. Not so on PostgreSQL, nor in a read session, whose
    SELECTs the driver runs outside any transaction."""
    connection = await session.connection()
    return bool(connection.info.get(WRITES_ALONE))


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class WriterTurn:
    """One write connection checked out at a time per process and event loop, in the order
    the tasks asked: SQLite writes one transaction at a time anyway, and an asyncio lock hands
    the turn over the moment it is free, where the busy handler would sleep past it.

    Held from checkout to checkin, which for a session is its transaction (the connection
    goes back at commit or rollback). A task that already holds the turn and asks for a second
    write connection waits the busy timeout and gets `database is locked` (a 503), as it
    would from SQLite itself, not a wait without end."""

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def install(self, engine: Engine) -> None:
        event.listen(engine.pool, "checkout", self._checkout)
        event.listen(engine.pool, "checkin", self._checkin)

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def _acquire(self, lock: asyncio.Lock) -> None:
        try:
            async with asyncio.timeout(self.timeout_seconds):
                await lock.acquire()
        except TimeoutError:
            # The pool's own kind of timeout: `database_unavailable` maps it to a 503.
            raise sa_exc.TimeoutError(
                "database is locked: this process's other writer held it past the busy timeout"
            ) from None

    def _checkout(self, _dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if not in_greenlet():  # a synchronous use of the engine: SQLite's busy handler only
            return
        lock = self._lock()
        await_only(self._acquire(lock))
        record.info["writer_turn"] = lock

    def _checkin(self, _dbapi_connection: Any, record: Any) -> None:
        # Popped: only the checkout that took the turn hands it back, once.
        lock = record.info.pop("writer_turn", None)
        if lock is not None:
            lock.release()


def create_write_engine(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> AsyncEngine:
    """SQLite's engine for writing transactions: BEGIN IMMEDIATE, taken in turn within the
    process (`WriterTurn`), a few connections only (each aiosqlite connection is a thread)."""
    engine = create_engine(url, busy_timeout_ms=busy_timeout_ms, pool_size=2, max_overflow=3)
    event.listen(engine.sync_engine, "connect", _sqlite_writer)
    event.listen(engine.sync_engine, "begin", _begin_immediate)
    WriterTurn(busy_timeout_ms / 1000).install(engine.sync_engine)
    return engine


def create_engine(
    url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, **kwargs: Any
) -> AsyncEngine:
    """An async engine for `url` (already mapped to an async driver by the settings).

    PostgreSQL connections are pinged when taken from the pool, so the first request after
    the server came back gets a fresh connection instead of the dead one. SQLite's connections
    take one thread hop per statement (`sqlite_connection`)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            create_private_sqlite_file(database)
        if parsed.get_driver_name() == "aiosqlite":
            connect_args = dict(kwargs.pop("connect_args", {}))
            connect_args.setdefault("async_creator_fn", sqlite_connection.connect)
            kwargs["connect_args"] = connect_args
    else:
        kwargs.setdefault("pool_pre_ping", True)
        if "connect_timeout" not in parsed.query:
            kwargs.setdefault("connect_args", {"connect_timeout": PG_CONNECT_TIMEOUT})
    engine = create_async_engine(url, **kwargs)
    install_sqlite_pragmas(engine.sync_engine, busy_timeout_ms)
    return engine


def insert_unless_present(table: Table, *, dialect: str, key: Column[Any]) -> Insert:
    """An INSERT into `table` that does nothing where a row with the same unique `key` is
    there already (`ON CONFLICT (key) DO NOTHING`, which both databases have): a duplicate
    costs no failed statement, no rolled-back flush and no exception."""
    builder = postgresql.insert if dialect == "postgresql" else sqlite_dialect.insert
    return builder(table).on_conflict_do_nothing(index_elements=[key])


class Database:
    """The engine and session factory of one node; made by the app factory or the CLI."""

    def __init__(
        self, url: str, *, busy_seconds: float | None = None, **engine_kwargs: Any
    ) -> None:
        """`busy_seconds`: SQLite's busy timeout (how long a query waits for a lock)."""
        self.url = url
        busy = BUSY_TIMEOUT_MS if busy_seconds is None else max(1, round(busy_seconds * 1000))
        self.engine = create_engine(url, busy_timeout_ms=busy, **engine_kwargs)
        sqlite = self.engine.dialect.name == "sqlite"
        self.write_engine = (
            create_write_engine(url, busy_timeout_ms=busy) if sqlite else self.engine
        )
        # Called after each commit that changed what the node renders (models/changes.py).
        self.content_listeners: list[Callable[[], None]] = []
        info = {LISTENERS: self.content_listeners}
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, info=info)
        self.write_sessions = async_sessionmaker(
            self.write_engine, expire_on_commit=False, info=info
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self, *, write: bool = False) -> AsyncIterator[AsyncSession]:
        """A session; `write=True` when its transactions will write (see the module's note)."""
        async with (self.write_sessions if write else self.sessions)() as session:
            yield session

    @asynccontextmanager
    async def connection(self, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction, committed at the end (rolled back on an error): for
        a statement or two where a session's unit of work would cost more than the SQL."""
        async with (self.write_engine if write else self.engine).begin() as connection:
            yield connection

    async def dispose(self) -> None:
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()
        await self.engine.dispose()
