"""`migrantnet backup` and `migrantnet restore`: one-file copies of a node and their restore."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from migrantnet.cli.runner import (
    CommandError,
    DataDirOption,
    operator_errors,
    require_database,
    settings_from,
)
from migrantnet.operations.backup import BackupError, create_backup
from migrantnet.operations.restore import restore_backup


@operator_errors
def backup(
    dest: Annotated[
        str,
        typer.Argument(
            help="Archive to write, or a directory (existing, or ending in /) to write a dated"
            " one in."
        ),
    ],
    data_dir: DataDirOption = None,
) -> None:
    """Back up the database, the media and the config file (keys included) into one archive.

    Safe while the node runs. The archive is 0600: it holds private keys and the secret key.
    """
    settings = settings_from(data_dir)
    require_database(settings)
    try:
        result = create_backup(settings, Path(dest), into_directory=dest.endswith(("/", os.sep)))
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    typer.echo(
        f"Backup written to {result.path} ({result.files} files, {result.size} bytes, "
        f"schema {result.revision})."
    )


@operator_errors
def restore(
    src: Annotated[Path, typer.Argument(help="A backup archive made by `migrantnet backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite a data directory or database in use.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Restore a backup into an empty data directory (and empty database), checking it first."""
    try:
        result = restore_backup(src, lambda: settings_from(data_dir), force=force)
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    typer.echo(
        f"Restored {result.files} files and the {result.database} database (schema "
        f"{result.revision}) into {result.data_dir.resolve()}. Start it with `migrantnet serve`."
    )
