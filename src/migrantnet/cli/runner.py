"""What every command shares: settings, the database, and errors an operator can fix.

A mistake the operator can fix (a wrong setting, a bad slug, a short password, a node that
already exists) prints one line and exits with status 2; nothing is left half-created.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.exc import OperationalError

from migrantnet.config import Settings, SettingsError, load_settings
from migrantnet.content.errors import ContentError
from migrantnet.db import Database
from migrantnet.logs import configure_logging

T = TypeVar("T")

DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (MIGRANTNET_DATA_DIR).")
]


class CommandError(Exception):
    """An operator mistake reported as one line, exit status 2."""


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def operator_errors(func: Callable[..., T]) -> Callable[..., T]:
    """Turn the errors an operator can fix into one line and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except (SettingsError, ContentError, CommandError) as exc:
            fail(str(exc))
        except OperationalError as exc:
            fail(f"database unreachable: {str(exc.orig).splitlines()[0]}")
        raise AssertionError("unreachable")

    return wrapper


def settings_from(data_dir: Path | None = None, **overrides: Any) -> Settings:
    settings = load_settings(data_dir=data_dir, **overrides)
    configure_logging(settings.log_level)
    return settings


def sqlite_file(settings: Settings) -> Path | None:
    """The SQLite file the settings name, or None on PostgreSQL (or in memory)."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


_FIX = (
    "run `migrantnet init` to create a node, or `migrantnet db upgrade` for an existing "
    "database (or point --data-dir / MIGRANTNET_DATA_DIR at the node)"
)


def require_database(settings: Settings) -> None:
    """Refuse, creating nothing, to run where the node's SQLite file is not.

    Opening a SQLite URL creates the file, so a command run in the wrong directory used to
    leave an empty database there and then fail on a missing table. `serve` and `worker` need
    no more than this: they migrate the database themselves, and on PostgreSQL an empty
    database is how a new deployment starts (docker compose serves before `init` runs).
    """
    path = sqlite_file(settings)
    if path is not None and not path.is_file():
        where = settings.data_dir.resolve()
        raise CommandError(f"no migrantnet node in {where}: no database at {path}; {_FIX}")


def require_node(settings: Settings) -> None:
    """Refuse, creating nothing, to run unless the database holds the current schema."""
    from sqlalchemy.engine import make_url

    from migrantnet.migrations import current_revision, head_revision, is_known_revision

    require_database(settings)
    path = sqlite_file(settings)
    shown = str(path) if path else make_url(settings.effective_database_url).render_as_string()
    if path is not None:
        revision = _sqlite_revision(path)
    else:
        revision = current_revision(settings.effective_database_url)
    if revision is None:
        where = settings.data_dir.resolve()
        raise CommandError(
            f"the database {shown} (data directory {where}) has no migrantnet tables; {_FIX}"
        )
    head = head_revision()
    if revision == head:
        return
    if not is_known_revision(revision):
        raise CommandError(
            f"the database {shown} has schema {revision}, newer than this migrantnet knows "
            f"({head}): upgrade migrantnet"
        )
    raise CommandError(
        f"the database {shown} has schema {revision}, this migrantnet needs {head}: run "
        f"`migrantnet db upgrade`"
    )


def _sqlite_revision(path: Path) -> str | None:
    """The schema revision of a SQLite file, read without writing to it (the engine's
    connection would switch an empty file to WAL mode, writing its header)."""
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=15)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise CommandError(f"cannot read the database {path}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise CommandError(f"{path} is not a SQLite database: {exc}") from None
    finally:
        conn.close()
    return str(row[0]) if row else None


def run_with_db(
    settings: Settings,
    work: Callable[[Database], Awaitable[T]],
    *,
    node: bool = True,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
) -> T:
    """Run `work(db)`; first, unless `node=False` (for `init`), check a migrated node is there.
    `loop_factory` chooses the event loop (the worker runs on uvloop, as `serve` does)."""
    if node:
        require_node(settings)

    async def runner() -> T:
        db = Database(settings.effective_database_url, busy_seconds=settings.database_busy_seconds)
        try:
            return await work(db)
        finally:
            await db.dispose()

    with asyncio.Runner(loop_factory=loop_factory) as loop_runner:
        return loop_runner.run(runner())


def run_federated(settings: Settings, work: Callable[[Any, Any], Awaitable[T]]) -> T:
    """Run `work(session, fed)` in one transaction, with the federation service at hand."""
    from migrantnet.federation.actors import ActorUnavailable
    from migrantnet.federation.service import Federation

    async def runner(db: Database) -> T:
        fed = Federation(settings, db)
        try:
            async with db.session() as session, session.begin():
                return await work(session, fed)
        except ActorUnavailable as exc:
            raise CommandError(str(exc)) from None
        finally:
            await fed.aclose()

    return run_with_db(settings, runner)


def migrate(settings: Settings) -> None:
    from migrantnet.migrations import upgrade

    upgrade(settings.effective_database_url)


def ask(value: str | None, prompt: str, *, option: str, hide: bool = False) -> str:
    """Use the flag, else prompt in a terminal, else refuse: scripts must pass every flag."""
    if value is not None:
        return value
    if sys.stdin.isatty():
        return str(typer.prompt(prompt, hide_input=hide, confirmation_prompt=hide))
    raise CommandError(f"{option} is required (no terminal to ask in)")
