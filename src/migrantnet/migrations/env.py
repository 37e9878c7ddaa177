"""Alembic environment: runs migrations synchronously on the URL given by `alembic_config`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url

from migrantnet.db import create_private_sqlite_file, install_sqlite_pragmas
from migrantnet.models import Base

config = context.config
MIGRATION_LOCK = 7_202_611  # any constant shared by every process of a node
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        create_private_sqlite_file(parsed.database)
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = create_engine(url)
    install_sqlite_pragmas(engine)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # The app and the workers all migrate on start: one at a time, the others wait
            # and then find nothing left to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


run_migrations_online()
