"""Database engines and sessions for both backends.

SQLite gets WAL, synchronous=NORMAL, foreign keys and a busy timeout on every connection, so
the embedded default behaves like a real database under a web process and a worker at once.

Writing code paths ask for `Database.session(write=True)`. On SQLite those sessions come from
a second, small pool whose transactions begin with `BEGIN IMMEDIATE`: the write lock is taken
first, so a transaction that reads and then writes waits its turn in the busy handler. A
transaction begun deferred that has read cannot wait when another connection committed in
between (its snapshot is stale): it fails at once with `database is locked`. On PostgreSQL
both are the same engine.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from migrantnet.models.changes import LISTENERS


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


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


def install_sqlite_pragmas(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_writer(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # no BEGIN of the driver's own: _begin_immediate


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_write_engine(url: str) -> AsyncEngine:
    """SQLite's engine for writing transactions: BEGIN IMMEDIATE, a few connections only (one
    writes at a time anyway; each aiosqlite connection is a thread)."""
    engine = create_engine(url, pool_size=2, max_overflow=3)
    event.listen(engine.sync_engine, "connect", _sqlite_writer)
    event.listen(engine.sync_engine, "begin", _begin_immediate)
    return engine


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url` (already mapped to an async driver by the settings)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            create_private_sqlite_file(database)
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **kwargs)
    install_sqlite_pragmas(engine.sync_engine)
    return engine


class Database:
    """The engine and session factory of one node; made by the app factory or the CLI."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        sqlite = self.engine.dialect.name == "sqlite"
        self.write_engine = create_write_engine(url) if sqlite else self.engine
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

    async def dispose(self) -> None:
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()
        await self.engine.dispose()
