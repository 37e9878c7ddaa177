"""The node as `initialise_node` leaves it, made once per process and copied into each test.

Most integration tests start from the same initialised node (node actor, first association,
its admin). Making it costs two RSA-2048 key pairs and an Argon2 hash — some 0.2 s of CPU, more
than many a test itself — so the first test of a process runs `initialise_node` for real, its
rows are read back, and later tests get the same rows inserted: the same keys, ids and values,
as the other tests of the run.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func, insert, select, text

from migrantnet.content.node import NodeSetup, initialise_node
from migrantnet.db import Database
from migrantnet.models import Actor, Base
from migrantnet.uris import Uris

Rows = list[tuple[Table, list[dict[str, Any]]]]

_snapshots: dict[tuple[str, NodeSetup], Rows] = {}


async def initialised_node(db: Database, uris: Uris, setup: NodeSetup) -> Actor:
    """`initialise_node(setup)` in an empty database; its association's actor."""
    key = (uris.base_url, setup)
    rows = _snapshots.get(key)
    if rows is None:
        async with db.session() as session:
            actor = await initialise_node(session, uris, setup)
            await session.commit()
        _snapshots[key] = await _read_rows(db)
        return actor
    await _insert_rows(db, rows)
    async with db.session() as session:
        copied = await session.scalar(select(Actor).where(Actor.slug == setup.slug))
    assert copied is not None
    return copied


async def _read_rows(db: Database) -> Rows:
    rows: Rows = []
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            found = (await conn.execute(select(table))).mappings().all()
            if found:
                rows.append((table, [dict(row) for row in found]))
    return rows


async def _insert_rows(db: Database, rows: Rows) -> None:
    async with db.engine.begin() as conn:
        for table, values in rows:
            await conn.execute(insert(table), values)
        if conn.dialect.name != "postgresql":
            return  # SQLite's next rowid follows the largest one inserted
        for table, _ in rows:
            column = table.autoincrement_column
            if column is None:
                continue
            largest = await conn.scalar(select(func.max(column)))
            await conn.execute(
                text("SELECT setval(pg_get_serial_sequence(:table, :column), :value)"),
                {"table": table.name, "column": column.name, "value": largest},
            )
