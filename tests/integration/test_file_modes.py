"""The data directory and the SQLite database (private keys, password hashes) are private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cli_node import INIT
from typer.testing import CliRunner

from migrantnet.cli import app


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_the_data_directory_0700_and_the_database_0600(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    previous = os.umask(0o022)  # a usual umask: without care, files would be world-readable
    try:
        result = CliRunner().invoke(
            app, INIT, env={"MIGRANTNET_DATA_DIR": str(data_dir), "MIGRANTNET_DATABASE_URL": ""}
        )
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert mode(data_dir) == 0o700
    database = data_dir / "migrantnet.db"
    assert mode(database) == 0o600
    assert mode(data_dir / "migrantnet.env") == 0o600  # holds the secret key
    for journal in (data_dir / "migrantnet.db-wal", data_dir / "migrantnet.db-shm"):
        if journal.exists():  # SQLite gives them the database file's mode
            assert mode(journal) & 0o077 == 0
