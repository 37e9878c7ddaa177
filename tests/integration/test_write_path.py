"""Writing transactions on SQLite take the write lock first (BEGIN IMMEDIATE), so concurrent
read-then-write transactions queue instead of failing with `database is locked` or losing
updates; the pragmas that make one file serve a web process and a worker are in force."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, select, text

from dbs import backend
from migrantnet.db import Database, database_unavailable, writes_alone
from migrantnet.models import Base, NodeCounter


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


async def test_writers_of_one_process_take_their_turn_in_order(db: Database) -> None:
    """While one task writes, the others wait for the turn in the process, not in SQLite's
    busy handler (none has sent its BEGIN), and get it in the order they asked."""
    if backend() != "sqlite":
        pytest.skip("SQLite's single writer; PostgreSQL writes concurrently")
    begun: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN"):
            begun.append(statement)

    event.listen(db.write_engine.sync_engine, "before_cursor_execute", record)
    order: list[int] = []
    release = asyncio.Event()

    async def first() -> None:
        async with db.session(write=True) as session, session.begin():
            session.add(NodeCounter(name="turn", value=0))
            await session.flush()
            await release.wait()

    async def later(index: int) -> None:
        async with db.session(write=True) as session, session.begin():
            row = await session.get(NodeCounter, "turn")  # the first statement: the turn
            order.append(index)
            assert row is not None
            row.value += 1

    holder = asyncio.create_task(first())
    await asyncio.sleep(0.05)
    waiters = []
    for index in range(4):
        waiters.append(asyncio.create_task(later(index)))
        await asyncio.sleep(0.02)  # each asks after the one before
    await asyncio.sleep(0.2)
    assert begun == ["BEGIN IMMEDIATE"]  # the writer's only: the waiters are not polling
    assert order == []
    release.set()
    await asyncio.gather(holder, *waiters)
    assert order == [0, 1, 2, 3]
    async with db.session() as session:
        assert (
            await session.scalar(select(NodeCounter.value).where(NodeCounter.name == "turn")) == 4
        )


async def test_a_second_write_session_in_the_writing_task_fails_after_the_busy_timeout(
    settings: Any,
) -> None:
    """A task that holds the turn and opens another write session would wait for itself:
    it gets `database is locked` (a 503) after the busy timeout, and its first transaction
    still commits."""
    if backend() != "sqlite":
        pytest.skip("SQLite's single writer")
    database = Database(settings.effective_database_url, busy_seconds=0.3)
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with database.session(write=True) as outer, outer.begin():
            outer.add(NodeCounter(name="outer", value=1))
            await outer.flush()
            started = asyncio.get_running_loop().time()
            with pytest.raises(Exception) as caught:
                async with database.session(write=True) as inner, inner.begin():
                    inner.add(NodeCounter(name="inner", value=1))
            waited = asyncio.get_running_loop().time() - started
        assert database_unavailable(caught.value), caught.value
        assert 0.25 <= waited < 5
        async with database.session() as session:
            names = set(await session.scalars(select(NodeCounter.name)))
        assert names == {"outer"}
        async with database.session(write=True) as session, session.begin():
            session.add(NodeCounter(name="after", value=1))  # the turn was handed back
    finally:
        await database.dispose()


async def test_only_a_sqlite_write_session_writes_alone(db: Database) -> None:
    """`writes_alone` is what lets an insert skip its savepoint: true only where nothing
    another connection commits can appear inside the transaction."""
    async with db.session(write=True) as session, session.begin():
        writing = await writes_alone(session)
    async with db.session() as session:
        reading = await writes_alone(session)
    assert reading is False
    assert writing is (backend() == "sqlite")
