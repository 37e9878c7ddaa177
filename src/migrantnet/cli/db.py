"""`migrantnet db`: database maintenance."""

from __future__ import annotations

import typer

from migrantnet.cli.runner import DataDirOption, migrate, operator_errors, settings_from

app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@app.command("upgrade")
@operator_errors
def db_upgrade(data_dir: DataDirOption = None) -> None:
    """Apply pending migrations."""
    settings = settings_from(data_dir)
    migrate(settings)
    typer.echo("Database is up to date.")
