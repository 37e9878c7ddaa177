"""Test databases: a fresh SQLite file, or a fresh PostgreSQL schema, per test or per node.

Set MIGRANTNET_TEST_DATABASE_URL=postgresql://user@host:port/db to run on PostgreSQL; each
database made here is a schema of its own in that database, dropped afterwards.

Two kinds: `new_database` is empty (for `init`, migrations and the nodes of federation tests),
`schema_database` already holds the models' tables with no rows (for the `db` fixture, which
most tests use). Building the schema is the dearest part of a test's setup — 60 ms on SQLite,
about a second of DDL on PostgreSQL, plus a DROP SCHEMA — so a process builds it once: SQLite
tests get a copy of a template file, PostgreSQL tests a schema the test before them used,
emptied.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

PG_URL = os.environ.get("MIGRANTNET_TEST_DATABASE_URL", "")

Cleanup = Callable[[], None]


def backend() -> str:
    return "postgresql" if PG_URL else "sqlite"


def new_database(tmp_dir: Path, name: str = "node") -> tuple[str, Cleanup]:
    """Return (plain database URL, cleanup function) of an empty database."""
    if not PG_URL:
        return f"sqlite:///{tmp_dir / f'{name}.db'}", lambda: None
    schema = _create_schema(name)

    def cleanup() -> None:
        _drop_schema(schema)

    return _schema_url(schema), cleanup


def schema_database(tmp_dir: Path, name: str = "node") -> tuple[str, Cleanup]:
    """Return (plain database URL, cleanup function) of a database holding the models' tables,
    empty, as `Base.metadata.create_all` leaves it."""
    if not PG_URL:
        path = tmp_dir / f"{name}.db"
        shutil.copyfile(_sqlite_template(), path)
        return f"sqlite:///{path}", lambda: None
    schema = _pool.take()
    return _schema_url(schema), lambda: _pool.give_back(schema)


# -- SQLite: one template file per process ---------------------------------------------------

_template: Path | None = None


def _sqlite_template() -> Path:
    global _template
    if _template is None:
        from sqlalchemy import create_engine

        from migrantnet.models import Base

        folder = Path(tempfile.mkdtemp(prefix="migrantnet-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "schema.db"
        engine = create_engine(f"sqlite:///{path}")
        try:
            with engine.begin() as conn:
                Base.metadata.create_all(conn)
        finally:
            engine.dispose()
        _template = path
    return _template


# -- PostgreSQL: schemas reused, emptied between tests ----------------------------------------


class _SchemaPool:
    """Schemas holding the models' tables, handed to one test at a time."""

    def __init__(self) -> None:
        self.free: list[str] = []
        self.made: list[str] = []

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        schema = _create_schema("pool")
        self.made.append(schema)
        if len(self.made) == 1:
            atexit.register(self.drop_all)
        from sqlalchemy import create_engine

        from migrantnet.config import sync_database_url
        from migrantnet.models import Base

        engine = create_engine(sync_database_url(_schema_url(schema)))
        try:
            with engine.begin() as conn:
                Base.metadata.create_all(conn)
        finally:
            engine.dispose()
        return schema

    def give_back(self, schema: str) -> None:
        """Empty the schema for the next test; one a test changed, or still holds, is dropped.

        DELETE of a few rows per table costs a millisecond where TRUNCATE, which makes new
        files for every table and index, costs 50-300 ms; the identity sequences restart, so
        ids begin at 1 as in a new database."""
        import psycopg

        from migrantnet.models import Base

        expected = set(Base.metadata.tables)
        try:
            with psycopg.connect(psycopg_conninfo(PG_URL), autocommit=True) as conn:
                conn.execute("SET lock_timeout = '5s'")
                rows = conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
                ).fetchall()
                if {row[0] for row in rows} != expected:
                    raise _Changed
                sequences = conn.execute(
                    "SELECT sequence_name FROM information_schema.sequences"
                    " WHERE sequence_schema = %s",
                    (schema,),
                ).fetchall()
                with conn.transaction():
                    conn.execute("SET LOCAL session_replication_role = replica")  # no FK checks
                    for table in reversed(Base.metadata.sorted_tables):
                        conn.execute(f'DELETE FROM "{schema}"."{table.name}"')
                    for (sequence,) in sequences:
                        conn.execute(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART')
        except (_Changed, psycopg.Error):
            _drop_schema(schema, quiet=True)  # what a leaked connection holds: tried again at exit
            return
        self.free.append(schema)

    def drop_all(self) -> None:
        for schema in self.made:
            _drop_schema(schema, quiet=True)  # at exit: a leaked connection may still hold one
        self.made.clear()
        self.free.clear()


class _Changed(Exception):
    """The test left the schema with other tables than the models'."""


_pool = _SchemaPool()


def _create_schema(name: str) -> str:
    import psycopg

    schema = f"t_{name}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(psycopg_conninfo(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return schema


def _drop_schema(schema: str, *, quiet: bool = False) -> None:
    import psycopg

    try:
        with psycopg.connect(psycopg_conninfo(PG_URL), autocommit=True) as conn:
            conn.execute("SET lock_timeout = '10s'")
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    except psycopg.Error:
        if not quiet:
            raise


def _schema_url(schema: str) -> str:
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def psycopg_conninfo(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg takes it."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def table_names(url: str) -> set[str]:
    from sqlalchemy import create_engine, inspect

    from migrantnet.config import sync_database_url

    engine = create_engine(sync_database_url(url))
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
