"""Test databases: a fresh SQLite file, or a fresh PostgreSQL schema, per test or per node.

Set MIGRANTNET_TEST_DATABASE_URL=postgresql://user@host:port/db to run on PostgreSQL; each
database made here is a schema of its own in that database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

PG_URL = os.environ.get("MIGRANTNET_TEST_DATABASE_URL", "")


def backend() -> str:
    return "postgresql" if PG_URL else "sqlite"


def new_database(tmp_dir: Path, name: str = "node") -> tuple[str, callable]:  # type: ignore[valid-type]
    """Return (plain database URL, cleanup function)."""
    if not PG_URL:
        return f"sqlite:///{tmp_dir / f'{name}.db'}", lambda: None
    import psycopg

    schema = f"t_{name}_{uuid.uuid4().hex[:12]}"
    admin = _psycopg_conninfo(PG_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})

    def cleanup() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    return url.render_as_string(hide_password=False), cleanup


def _psycopg_conninfo(url: str) -> str:
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
