"""The CLI as tests drive it in-process: `migrantnet init` of one node, and any command after it.

Tests of the CLI, backups, the doctor and file modes all start from the same initialised node;
its arguments live here once.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from migrantnet.cli import app

runner = CliRunner()

INIT = [
    "init",
    "--domain",
    "node.example",
    "--association",
    "tunis_migrants",
    "--name",
    "Migrants de Tunis",
    "--admin-email",
    "admin@node.example",
    "--admin-password",
    "correct horse battery",
]


def run(data_dir: Path, database_url: str, *args: str) -> Result:
    """`migrantnet ARGS` against the node in `data_dir` on `database_url`."""
    env = {"MIGRANTNET_DATA_DIR": str(data_dir), "MIGRANTNET_DATABASE_URL": database_url}
    return runner.invoke(app, list(args), env=env)
