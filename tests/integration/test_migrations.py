"""Migrations run on an empty database of each kind and give exactly the models' schema."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from dbs import backend, table_names
from migrantnet.config import load_settings, sync_database_url
from migrantnet.content.associations import create_association
from migrantnet.content.events import EventInput, PlaceInput, publish_event
from migrantnet.content.publishing import NoFederation
from migrantnet.content.texts import TextsInput
from migrantnet.db import Database
from migrantnet.migrations import alembic_config, current_revision, head_revision, upgrade
from migrantnet.models import Base
from migrantnet.models.search import UNMODELLED_INDEXES, UNMODELLED_TABLES
from migrantnet.uris import Uris


def test_upgrade_on_an_empty_database_reaches_head(database_url: str) -> None:
    assert current_revision(database_url) is None
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    assert set(Base.metadata.tables) <= table_names(database_url)


def test_the_alembic_command_migrates_from_a_checkout(database_url: str, tmp_path: Path) -> None:
    """`alembic upgrade head` at the top of a checkout, on the node's own settings."""
    checkout = Path(__file__).resolve().parents[2]
    env = {key: value for key, value in os.environ.items() if not key.startswith("MIGRANTNET_")}
    env |= {"MIGRANTNET_DATABASE_URL": database_url, "MIGRANTNET_DATA_DIR": str(tmp_path / "data")}
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(checkout / "src"), env.get("PYTHONPATH")])
    )
    alembic = [sys.executable, "-m", "alembic"]
    done = subprocess.run(
        [*alembic, "upgrade", "head"], cwd=checkout, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert f"-> {head_revision()}" in done.stderr  # it says what it runs
    assert current_revision(database_url) == head_revision()
    shown = subprocess.run(
        [*alembic, "current"], cwd=checkout, env=env, capture_output=True, text=True
    )
    assert f"{head_revision()} (head)" in shown.stdout
    assert not (tmp_path / "data").exists()  # the named database, not one in the data dir


def test_the_wheel_carries_the_top_level_migrations() -> None:
    """The scripts live in the checkout's alembic/; the package reaches them through its link,
    and the package data (what a wheel holds) names every one of them."""
    checkout = Path(__file__).resolve().parents[2]
    package = checkout / "src" / "migrantnet"
    assert (package / "migrations" / "scripts").resolve() == checkout / "alembic"
    assert not (checkout / "alembic" / "__init__.py").exists()  # it would hide the library
    patterns = tomllib.loads((checkout / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["migrantnet"]
    shipped = {path.resolve() for pattern in patterns for path in package.glob(pattern)}
    scripts = {path for path in (checkout / "alembic").rglob("*") if path.is_file()}
    scripts = {path for path in scripts if "__pycache__" not in path.parts}
    assert scripts and scripts <= shipped, sorted(map(str, scripts - shipped))


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()


def _modelled(name: str | None, type_: str, _parent: object) -> bool:
    """Search's FTS5 table and GIN index are DDL that metadata cannot express."""
    if type_ == "table":
        return name not in UNMODELLED_TABLES
    return not (type_ == "index" and name in UNMODELLED_INDEXES)


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    upgrade(database_url)
    engine = create_engine(sync_database_url(database_url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": _modelled}
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_processes_migrating_at_once_do_not_collide(database_url: str) -> None:
    """docker compose starts the app and the worker together; both migrate on start."""
    if backend() != "postgresql":
        pytest.skip("one process migrates a SQLite node; the lock is PostgreSQL's")
    code = "import sys; from migrantnet.migrations import upgrade; upgrade(sys.argv[1])"
    processes = [
        subprocess.Popen([sys.executable, "-c", code, database_url], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], errors
    assert current_revision(database_url) == head_revision()


async def test_the_occurrences_migration_writes_the_dates_of_events_already_stored(
    database_url: str, tmp_path: Path
) -> None:
    """Events stored before `0020_event_occurrences` (here: written, then the migration undone)
    get their dates when it runs: a single event one, a series one per date, in its zone."""
    upgrade(database_url)
    settings = load_settings(
        environ={}, data_dir=tmp_path / "data", database_url=database_url, domain="node-a.test"
    )
    uris = Uris(settings.base_url)
    database = Database(settings.effective_database_url)
    place = PlaceInput(name="Casa del Popolo", locality="Roma")
    try:
        async with database.session() as session:
            ours = await create_association(session, uris, slug="roma", name="Roma")
            for title, rule in (("Once", None), ("Weekly", "FREQ=WEEKLY;COUNT=3")):
                await publish_event(
                    session,
                    uris,
                    NoFederation(),
                    ours,
                    EventInput(
                        texts=TextsInput(title={"en": title}),
                        starts=datetime(2030, 3, 26, 18),
                        ends=datetime(2030, 3, 26, 20),
                        timezone="Europe/Rome",
                        place=place,
                        recurrence=rule,
                    ),
                )
            await session.commit()
    finally:
        await database.dispose()
    engine = create_engine(sync_database_url(database_url))
    query = text("SELECT event_id, starts_at FROM event_occurrences ORDER BY event_id, starts_at")
    try:
        with engine.connect() as connection:
            written = [tuple(row) for row in connection.execute(query)]
        command.downgrade(alembic_config(database_url), "0019_group_threads")
        assert "event_occurrences" not in table_names(database_url)
        upgrade(database_url)
        with engine.connect() as connection:
            filled = [tuple(row) for row in connection.execute(query)]
    finally:
        engine.dispose()
    assert filled == written
    assert [str(start)[:16] for _, start in filled] == [
        "2030-03-26 17:00",  # the single event
        "2030-03-26 17:00",
        "2030-04-02 16:00",  # summer time in Rome: 18:00 is 16:00Z
        "2030-04-09 16:00",
    ]
