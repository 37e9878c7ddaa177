"""`migrantnet backup` and `restore` through the real CLI, on the real database of the run.

A node gets content (the demo set), a remote follower and media files; its backup is restored
into an empty data directory and an empty database, and every row of every table and every
file must come back identical. On PostgreSQL the source schema is dropped after the backup and
an empty one of the same name made (a new server's database), since a dump holds its schema.
"""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
from pathlib import Path
from typing import Any

import pytest
from cli_node import INIT, run, runner
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from dbs import PG_URL, psycopg_conninfo
from migrantnet.cli import app
from migrantnet.config import sync_database_url

MEDIA = {
    "ab/cd/poster.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
    "ab/flyer.pdf": b"%PDF-1.7 " + "réunion à 18h".encode() * 100,
    "top.txt": b"",
}


def add_follower_and_media(data_dir: Path, database_url: str) -> None:
    engine = create_engine(sync_database_url(database_url))
    with engine.begin() as conn:
        local = conn.execute(text("SELECT id FROM actors WHERE slug = 'tunis_migrants'")).one()
        conn.execute(
            text(
                "INSERT INTO actors (ap_id, type, local, username, domain, name, inbox_url,"
                " public_key_id, public_key_pem, manually_approves_followers, discoverable,"
                " show_follows, federate_as_note, also_known_as, created_at, updated_at)"
                " VALUES ('https://peer.example/users/ana', 'Person', false, 'ana',"
                " 'peer.example', 'Ana', 'https://peer.example/users/ana/inbox',"
                " 'https://peer.example/users/ana#main-key', 'PEM', false, true, false,"
                " false, '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        remote = conn.execute(
            text("SELECT id FROM actors WHERE ap_id = 'https://peer.example/users/ana'")
        ).one()
        conn.execute(
            text(
                "INSERT INTO follows (ap_id, follower_id, followed_id, state, created_at,"
                " updated_at) VALUES ('https://peer.example/follows/1', :f, :l, 'accepted',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"f": remote.id, "l": local.id},
        )
    engine.dispose()
    for key, data in MEDIA.items():
        path = data_dir / "media" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def all_rows(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(sync_database_url(database_url))
    try:
        with engine.connect() as conn:
            tables = sorted(inspect(conn).get_table_names())
            return {
                table: sorted(
                    (
                        tuple(repr(v) for v in row)
                        for row in conn.execute(text(f'SELECT * FROM "{table}"'))
                    ),
                )
                for table in tables
            }
    finally:
        engine.dispose()


def files_of(data_dir: Path) -> dict[str, bytes]:
    return {
        path.relative_to(data_dir).as_posix(): path.read_bytes()
        for path in sorted(data_dir.rglob("*"))
        if path.is_file() and not path.name.startswith("node.db")
    }


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def fresh_target(tmp_path: Path, source_url: str) -> str:
    """An empty database to restore into: a new SQLite file, or the source schema anew."""
    if not PG_URL:
        return f"sqlite:///{tmp_path / 'restored.db'}"
    import psycopg

    schema = make_url(source_url).query["options"].removeprefix("-csearch_path=")
    with psycopg.connect(psycopg_conninfo(PG_URL), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return source_url


def test_a_restored_backup_has_every_row_and_every_file(tmp_path: Path, database_url: str) -> None:
    source = tmp_path / "source"
    assert run(source, database_url, *INIT).exit_code == 0
    seeded = run(source, database_url, "seed-demo")
    assert seeded.exit_code == 0, seeded.output
    add_follower_and_media(source, database_url)
    rows = all_rows(database_url)
    files = files_of(source)
    assert rows["follows"] and rows["objects"] and len(files) == 1 + len(MEDIA)
    assert any("PRIVATE KEY" in value for row in rows["actors"] for value in row)

    backups = tmp_path / "backups"
    backups.mkdir()
    made = run(source, database_url, "backup", str(backups))
    assert made.exit_code == 0, made.output
    [archive] = backups.iterdir()
    assert archive.name.startswith("migrantnet-node.example-") and mode(archive) == 0o600
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["database"]["kind"] == ("postgresql" if PG_URL else "sqlite")
    assert manifest["alembic_revision"] == rows["alembic_version"][0][0].strip("'")
    assert {entry["path"] for entry in manifest["files"]} >= {
        "data/migrantnet.env",
        *(f"data/media/{key}" for key in MEDIA),
    }

    target_url = fresh_target(tmp_path, database_url)
    target = tmp_path / "restored"
    restored = run(target, target_url, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert all_rows(target_url) == rows
    assert files_of(target) == files
    for path in [target, *target.rglob("*")]:
        if path.name.startswith("restored.db"):
            continue
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path

    # The restored node works: a command reads it.
    assert (
        run(
            target,
            target_url,
            "tokens",
            "create",
            "--email",
            "admin@node.example",
            "--name",
            "after restore",
        ).exit_code
        == 0
    )

    again = run(target, target_url, "restore", str(archive))
    assert again.exit_code == 2
    assert "is not empty" in again.output and "--force" in again.output
    forced = run(target, target_url, "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    assert all_rows(target_url) == rows


def rewrite(archive: Path, dest: Path, change: Any) -> None:
    """Copy `archive` to `dest`, passing each (name, data) through `change`."""
    with tarfile.open(archive) as src, tarfile.open(dest, "w:gz") as out:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            data = change(member.name, data)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    url = f"sqlite:///{tmp_path / 'source.db'}"
    assert run(source, url, *INIT).exit_code == 0
    (source / "media").mkdir()
    (source / "media" / "a.txt").write_bytes(b"original")
    dest = tmp_path / "node.tar.gz"
    assert run(source, url, "backup", str(dest)).exit_code == 0
    return dest


def newer_schema(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["alembic_revision"] = "9999_from_the_future"
    manifest["migrantnet_version"] = "9.0.0"
    return json.dumps(manifest).encode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda n, d: b"altered" if n == "data/media/a.txt" else d, "does not match its checksum"),
        (newer_schema, "this backup is from a newer schema (revision '9999_from_the_future'"),
    ],
    ids=["altered-file", "newer-schema"],
)
def test_a_damaged_or_newer_backup_is_refused_and_restores_nothing(
    tmp_path: Path, archive: Path, change: Any, message: str
) -> None:
    bad = tmp_path / "bad.tar.gz"
    rewrite(archive, bad, change)
    target = tmp_path / "restored"
    url = f"sqlite:///{target / 'migrantnet.db'}"
    result = run(target, url, "restore", str(bad))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.output
    assert not target.exists()
    assert sorted(os.listdir(tmp_path)) == ["bad.tar.gz", "node.tar.gz", "source", "source.db"]


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL to reach pg_dump's turn")
def test_postgresql_backup_without_pg_dump_says_what_is_missing(
    tmp_path: Path, database_url: str
) -> None:
    env = {"MIGRANTNET_DATA_DIR": str(tmp_path), "MIGRANTNET_DATABASE_URL": database_url}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    result = runner.invoke(
        app, ["backup", str(tmp_path / "b.tar.gz")], env={**env, "PATH": "/nonexistent"}
    )
    assert result.exit_code == 2
    assert "`pg_dump` is not installed or not on PATH" in result.output
    assert not (tmp_path / "b.tar.gz").exists()


def test_a_backup_taken_while_the_node_serves_has_its_latest_writes(tmp_path: Path) -> None:
    """The serving process keeps the database open, so on SQLite a fresh write may still be
    in the `-wal` file only: the online backup API takes it, a copy of the `.db` would not."""
    from nodes import Node

    node = Node("live", tmp_path)
    try:
        node.init("red_migrante", "Red Migrante")
        node.start()
        node.cli("post", "red_migrante", "Written while the node serves")
        archive = tmp_path / "live.tar.gz"
        node.cli("backup", str(archive))
        node.stop()
        target_url = fresh_target(tmp_path, node.database_url)
        restored = run(tmp_path / "restored", target_url, "restore", str(archive))
        assert restored.exit_code == 0, restored.output
        contents = [row for row in all_rows(target_url)["objects"] if "while the node" in str(row)]
        assert len(contents) == 1
    finally:
        node.close()
