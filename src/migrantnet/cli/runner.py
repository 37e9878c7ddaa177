"""What every command shares: settings, the database, and errors an operator can fix.

A mistake the operator can fix (a wrong setting, a bad slug, a short password, a node that
already exists) prints one line and exits with status 2; nothing is left half-created.
"""

from __future__ import annotations

import asyncio
import functools
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


def run_with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def runner() -> T:
        db = Database(settings.effective_database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(runner())


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
