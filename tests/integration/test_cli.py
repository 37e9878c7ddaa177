"""The `migrantnet` command, run in-process with typer's runner against a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_node import INIT, run, runner

from dbs import table_names
from migrantnet.cli import app


def test_init_creates_the_node_and_refuses_a_second_time(tmp_path: Path, database_url: str) -> None:
    first = run(tmp_path, database_url, *INIT)
    assert first.exit_code == 0, first.output
    assert "@tunis_migrants@node.example" in first.output
    # No terminal, no flag: followers are accepted automatically, and init says what it means.
    assert "followers-only posts reach anyone who follows" in first.output
    config = (tmp_path / "migrantnet.env").read_text()
    assert "MIGRANTNET_DOMAIN=node.example" in config
    assert "MIGRANTNET_SECRET_KEY=" in config

    second = run(tmp_path, database_url, *INIT)
    assert second.exit_code == 2
    assert "already initialised" in second.output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("--domain", "https://node.example"),
            "MIGRANTNET_DOMAIN: 'https://node.example' has a scheme",
        ),
        (("--domain", "node.example/x"), "has a path"),
        (("--admin-password", "short"), "password: too short"),
        (("--association", "sans papiers"), "slug: 'sans papiers' must be 1 to 30"),
        (("--admin-email", "nobody"), "email: 'nobody' is not an e-mail address"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_creates_nothing(
    tmp_path: Path, database_url: str, change: tuple[str, str], message: str
) -> None:
    args = list(INIT)
    args[args.index(change[0]) + 1] = change[1]
    result = run(tmp_path, database_url, *args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert message in lines[0]
    assert table_names(database_url) == set()
    assert not (tmp_path / "migrantnet.env").exists()
    assert not (tmp_path / "migrantnet.db").exists()


def test_an_invalid_database_url_is_refused(tmp_path: Path) -> None:
    result = run(tmp_path, "postgres-ish://nowhere", *INIT)
    assert result.exit_code == 2
    assert result.output.startswith("error: MIGRANTNET_DATABASE_URL:")
    assert list(tmp_path.iterdir()) == []


def test_init_without_a_terminal_names_the_missing_flag(tmp_path: Path, database_url: str) -> None:
    result = run(tmp_path, database_url, "init", "--domain", "node.example")
    assert result.exit_code == 2
    assert "--association is required" in result.output


def test_users_associations_seed_and_upgrade(tmp_path: Path, database_url: str) -> None:
    assert run(tmp_path, database_url, *INIT).exit_code == 0

    created = run(
        tmp_path, database_url, "associations", "create", "red_migrante", "--name", "Red Migrante"
    )
    assert created.exit_code == 0, created.output
    again = run(tmp_path, database_url, "associations", "create", "red_migrante", "--name", "Other")
    assert again.exit_code == 2
    assert "already exists" in again.output
    spaces = run(tmp_path, database_url, "associations", "create", "with space", "--name", "X")
    assert spaces.exit_code == 2

    user = run(
        tmp_path,
        database_url,
        "users",
        "create",
        "--email",
        "ed@node.example",
        "--password",
        "long enough pw",
        "--association",
        "red_migrante",
        "--role",
        "editor",
    )
    assert user.exit_code == 0, user.output
    duplicate = run(
        tmp_path,
        database_url,
        "users",
        "create",
        "--email",
        "ED@node.example",
        "--password",
        "long enough pw",
    )
    assert duplicate.exit_code == 2
    unknown = run(
        tmp_path,
        database_url,
        "users",
        "create",
        "--email",
        "x@node.example",
        "--password",
        "long enough pw",
        "--association",
        "nope",
    )
    assert unknown.exit_code == 2
    assert "no association named 'nope'" in unknown.output

    seeded = run(tmp_path, database_url, "seed-demo")
    assert seeded.exit_code == 0, seeded.output
    assert "new items" in seeded.output
    reseeded = run(tmp_path, database_url, "seed-demo")
    assert "(0 new items)" in reseeded.output

    assert run(tmp_path, database_url, "db", "upgrade").exit_code == 0


def test_seed_demo_needs_an_initialised_node(tmp_path: Path, database_url: str) -> None:
    assert run(tmp_path, database_url, "db", "upgrade").exit_code == 0
    result = run(tmp_path, database_url, "seed-demo")
    assert result.exit_code == 2
    assert "not initialised" in result.output


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["init"],
        ["serve"],
        ["worker"],
        ["db", "upgrade"],
        ["users", "create"],
        ["associations", "create"],
        ["seed-demo"],
        ["follow"],
        ["unfollow"],
        ["post"],
        ["cosign"],
        ["withdraw-signature"],
        ["tokens", "create"],
        ["associations", "update"],
        ["associations", "rotate-key"],
        ["followers", "pending"],
        ["followers", "approve"],
        ["followers", "reject"],
        ["backup"],
        ["blocks", "add"],
        ["reports", "list"],
        ["signatures", "approve"],
        ["signatures", "reject"],
        ["tokens", "revoke"],
        ["users", "delete"],
        ["associations", "delete"],
        ["associations", "export"],
        ["fetch"],
        ["restore"],
        ["doctor"],
        ["groups", "create"],
        ["groups", "members"],
        ["groups", "remove-member"],
        ["groups", "hide"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
