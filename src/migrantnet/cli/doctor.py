"""`migrantnet doctor`: check a node's settings, database, schema, keys, worker and disk."""

from __future__ import annotations

from typing import Annotated

import typer

from migrantnet.cli.runner import DataDirOption, settings_from
from migrantnet.operations.doctor import run_checks


def doctor(
    check_domain: Annotated[
        bool,
        typer.Option(
            "--check-domain", help="Also fetch the node's actor through its public domain."
        ),
    ] = False,
    min_free_mb: Annotated[
        int, typer.Option(help="Free disk space under the data directory below which to fail.")
    ] = 1024,
    data_dir: DataDirOption = None,
) -> None:
    """Check the node, one line per check (OK or FAIL with the reason); exit 1 on a FAIL."""
    checks = run_checks(
        lambda: settings_from(data_dir),
        min_free_bytes=min_free_mb * 1024 * 1024,
        check_domain=check_domain,
    )
    for check in checks:
        typer.echo(check.line())
    if not all(check.ok for check in checks):
        raise typer.Exit(code=1)
