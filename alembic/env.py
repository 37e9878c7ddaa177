"""Alembic environment: runs migrations synchronously on the URL given by `alembic_config`
(a node migrating itself), else on `alembic -x url=...`, else on the node's own settings (the
`alembic` command run from a checkout, with the top-level `alembic.ini`)."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url

from migrantnet.config import load_settings, sync_database_url
from migrantnet.db import create_private_sqlite_file, install_sqlite_pragmas
from migrantnet.models import Base

config = context.config
if config.config_file_name is not None:  # the `alembic` command, with the top-level alembic.ini
    fileConfig(config.config_file_name, disable_existing_loggers=False)
MIGRATION_LOCK = 7_202_611  # any constant shared by every process of a node
target_metadata = Base.metadata


def _url() -> str:
    given = config.get_main_option("sqlalchemy.url")
    if given:
        return given
    named = context.get_x_argument(as_dictionary=True).get("url")
    return sync_database_url(named or load_settings().effective_database_url)


def run_migrations_online() -> None:
    url = _url()
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
