"""Writing transactions on SQLite take the write lock first (BEGIN IMMEDIATE), so concurrent
read-then-write transactions queue instead of failing with `database is locked` or losing
updates; the pragmas that make one file serve a web process and a worker are in force."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, select, text

from dbs import backend
from migrantnet.db import Database
from migrantnet.models import NodeCounter


async def test_concurrent_read_then_write_transactions_all_commit(db: Database) -> None:
    async with db.session(write=True) as session, session.begin():
        session.add(NodeCounter(name="test", value=0))

    async def increment() -> None:
        # FOR UPDATE locks the row on PostgreSQL; SQLite ignores it and BEGIN IMMEDIATE has
        # already taken the whole database's write lock.
        async with db.session(write=True) as session, session.begin():
            read = select(NodeCounter.value).where(NodeCounter.name == "test").with_for_update()
            value = await session.scalar(read)
            await asyncio.sleep(0.001)  # let the others run between the read and the write
            row = await session.get(NodeCounter, "test")
            assert row is not None and value is not None
            row.value = value + 1

    await asyncio.gather(*(increment() for _ in range(25)))
    async with db.session() as session:
        final = await session.scalar(select(NodeCounter.value).where(NodeCounter.name == "test"))
    assert final == 25  # none failed, none lost


async def test_writing_sessions_begin_immediate_and_readers_do_not(db: Database) -> None:
    if backend() != "sqlite":
        pytest.skip("SQLite's locking; PostgreSQL has row locks")
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    for engine in {db.engine.sync_engine, db.write_engine.sync_engine}:
        event.listen(engine, "before_cursor_execute", record)
    async with db.session(write=True) as session, session.begin():
        await session.execute(select(NodeCounter))
    assert seen[0] == "BEGIN IMMEDIATE"
    seen.clear()
    async with db.session() as session:
        await session.execute(select(NodeCounter))
    assert "BEGIN IMMEDIATE" not in seen

    async with db.session(write=True) as session:
        pragmas = [
            (await session.execute(text(f"PRAGMA {name}"))).scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys")
        ]
    assert pragmas == ["wal", 1, 1]  # synchronous=NORMAL is 1
