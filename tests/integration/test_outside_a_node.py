"""A command run where there is no node says so in one line, exits 2 and creates nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dbs import table_names
from migrantnet.cli import app
from migrantnet.migrations import head_revision, upgrade

runner = CliRunner()

COMMANDS = [
    ["tokens", "create", "--email", "admin@node.example", "--name", "script"],
    ["users", "create", "--email", "ed@node.example", "--password", "long enough pw"],
    ["associations", "create", "red_migrante", "--name", "Red Migrante"],
    ["post", "tunis_migrants", "hello"],
    ["followers", "pending", "tunis_migrants"],
    ["blocks", "list"],
    ["seed-demo"],
    ["serve"],
    ["worker"],
    ["backup", "out.tar.gz"],
]


def one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_in_an_empty_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"MIGRANTNET_DATA_DIR": None, "MIGRANTNET_DATABASE_URL": None}
    result = runner.invoke(app, command, env=env)  # type: ignore[arg-type]
    assert result.exit_code == 2, result.output
    line = one_line(result.output)
    assert line.startswith(f"error: no migrantnet node in {tmp_path.resolve() / 'data'}: ")
    assert "run `migrantnet init`" in line and "`migrantnet db upgrade`" in line
    assert list(tmp_path.iterdir()) == []


def test_the_installed_command_in_an_empty_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGRANTNET_")}
    result = subprocess.run(
        [sys.executable, "-m", "migrantnet", *COMMANDS[0]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "no such table" not in result.stderr
    assert one_line(result.stderr).startswith("error: no migrantnet node in ")
    assert list(tmp_path.iterdir()) == []


def run(data_dir: Path, database_url: str, *args: str):  # type: ignore[no-untyped-def]
    env = {"MIGRANTNET_DATA_DIR": str(data_dir), "MIGRANTNET_DATABASE_URL": database_url}
    return runner.invoke(app, list(args), env=env)


def test_a_database_without_tables_is_named_and_left_alone(
    tmp_path: Path, database_url: str
) -> None:
    sqlite_file = tmp_path / "node.db"
    if database_url.startswith("sqlite"):
        sqlite_file.touch()  # what the command used to leave behind
    result = run(tmp_path / "data", database_url, *COMMANDS[0])
    assert result.exit_code == 2
    line = one_line(result.output)
    assert "has no migrantnet tables" in line and "run `migrantnet init`" in line
    assert table_names(database_url) == set()
    assert not (tmp_path / "data").exists()
    if database_url.startswith("sqlite"):
        assert sqlite_file.stat().st_size == 0


def test_an_older_schema_asks_for_db_upgrade(tmp_path: Path, database_url: str) -> None:
    from alembic.script import ScriptDirectory

    from migrantnet.migrations import alembic_config

    head = head_revision()
    previous = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(head)
    assert previous is not None and isinstance(previous.down_revision, str)
    upgrade(database_url, previous.down_revision)

    result = run(tmp_path, database_url, *COMMANDS[0])
    assert result.exit_code == 2
    line = one_line(result.output)
    assert f"has schema {previous.down_revision}, this migrantnet needs {head}" in line
    assert "run `migrantnet db upgrade`" in line

    assert run(tmp_path, database_url, "db", "upgrade").exit_code == 0
    unknown_user = run(tmp_path, database_url, *COMMANDS[0])
    assert unknown_user.exit_code == 2
    assert "schema" not in unknown_user.output  # past the check: the user does not exist
