"""How a node runs its Alembic migrations.

The scripts live at the top of a checkout, in `alembic/` beside `alembic.ini`, where Alembic's
users look for them; `scripts` here is a link to that folder, so a wheel (which copies what the
link points at) carries them and an installed node migrates itself with no checkout around."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from migrantnet.config import sync_database_url
from migrantnet.db import install_sqlite_pragmas

MIGRATIONS_DIR = Path(__file__).parent / "scripts"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Alembic's config interpolates %; escape it so passwords with % survive.
    config.set_main_option("sqlalchemy.url", sync_database_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision`; creates the SQLite file and its folder if needed."""
    command.upgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    engine = create_engine(sync_database_url(database_url))
    install_sqlite_pragmas(engine)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def is_known_revision(revision: str) -> bool:
    """Whether `revision` is one of this migrantnet's migrations (else it is from a newer one)."""
    from alembic.util import CommandError

    try:
        return (
            ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision)
            is not None
        )
    except CommandError:
        return False


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
