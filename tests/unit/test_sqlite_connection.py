"""SQLite through SQLAlchemy's async engine with one thread hand-off per statement.

What the ORM needs of a cursor still holds (rows, row counts, new ids, errors, many rows at
once), and a statement costs one hand-off to the connection's thread, not four.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Integer, String, event, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from migrantnet import sqlite_connection
from migrantnet.db import create_engine


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'one-hop.db'}")
    async with made.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield made
    await made.dispose()


def hand_offs(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every call the event loop hands to a connection's thread."""
    calls: list[Any] = []
    original = sqlite_connection.OneHopConnection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(fn)
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(sqlite_connection.OneHopConnection, "_execute", counted)
    return calls


async def test_the_node_s_sqlite_engine_uses_one_hop_connections(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, sqlite_connection.OneHopConnection)


async def test_rows_counts_and_new_ids_come_back(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(Item.__table__.insert().values(name="first"))
        assert inserted.inserted_primary_key == (1,)
        await connection.execute(Item.__table__.insert(), [{"name": "b"}, {"name": "c"}])
        updated = await connection.execute(
            Item.__table__.update().where(Item.name != "first").values(name=Item.name + "!")
        )
        assert updated.rowcount == 2
        names = (await connection.execute(select(Item.name).order_by(Item.id))).scalars()
        assert list(names) == ["first", "b!", "c!"]
        empty = await connection.execute(select(Item.name).where(Item.id > 99))
        assert empty.all() == []
        result = await connection.execute(text("SELECT id, name FROM items ORDER BY id"))
        assert result.fetchone() == (1, "first")
        assert result.fetchmany(1) == [(2, "b!")]
        assert result.fetchall() == [(3, "c!")]


async def test_a_failing_statement_raises_the_driver_s_error_and_the_connection_goes_on(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(Item.__table__.insert().values(name="same"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(Item.__table__.insert().values(name="same"))
    async with engine.connect() as connection:
        assert (await connection.execute(select(Item.name))).scalars().all() == ["same"]


async def test_a_statement_is_one_hand_off_to_the_connection_s_thread(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the connection is open and warm
        calls = hand_offs(monkeypatch)
        for _ in range(5):
            assert (await connection.execute(text("SELECT 2"))).scalar() == 2
        assert len(calls) == 5
        await connection.rollback()


async def test_statements_seen_by_engine_events_are_the_ones_run(engine: AsyncEngine) -> None:
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    async with engine.begin() as connection:
        await connection.execute(Item.__table__.insert().values(name="x"))
    assert len(seen) == 1 and seen[0].startswith("INSERT INTO items")
