"""Copying a node's database out to a file and back, on SQLite and on PostgreSQL.

SQLite is copied with its online backup API: it reads a consistent snapshot page by page while
the web process and the worker go on writing (a plain file copy could catch a half-written page
or miss what is still in the `-wal` file). PostgreSQL is copied by `pg_dump` in its custom
format, one schema (the one the node's tables are in), without owners or privileges so that it
can be restored under another role; `pg_restore` brings it back.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import URL, make_url

if TYPE_CHECKING:
    import psycopg


class DumpError(Exception):
    """The database could not be copied out or back; the message is one line for an operator."""


@dataclass(frozen=True)
class Target:
    """Where a node's database is: a SQLite file, or a PostgreSQL connection."""

    kind: str  # "sqlite" or "postgresql"
    sqlite_path: Path | None
    url: URL

    @classmethod
    def from_url(cls, database_url: str) -> Target:
        url = make_url(database_url)
        kind = url.get_backend_name()
        if kind == "sqlite":
            if not url.database or url.database == ":memory:":
                raise DumpError("an in-memory SQLite database cannot be backed up")
            return cls(kind, Path(url.database), url)
        if kind == "postgresql":
            return cls(kind, None, url)
        raise DumpError(f"{kind!r} databases are not supported")


# --- SQLite -------------------------------------------------------------------------------


def sqlite_dump(source: Path, dest: Path) -> None:
    """Copy the live database `source` into the new file `dest` (0600) through the backup API."""
    if not source.is_file():
        raise DumpError(f"no database at {source}")
    _create_private(dest)
    # Read-write, though it only reads: the last connection to close tidies the `-wal` file.
    src = sqlite3.connect(source)
    try:
        out = sqlite3.connect(dest)
        try:
            src.backup(out)
            # A backup of a WAL database is a WAL database; make the copy one self-contained file.
            out.execute("PRAGMA journal_mode=DELETE")
        finally:
            out.close()
    except sqlite3.Error as exc:
        raise DumpError(f"SQLite backup of {source} failed: {exc}") from None
    finally:
        src.close()


def sqlite_restore(dump: Path, dest: Path) -> None:
    """Put the copy `dump` in place as `dest` (0600), replacing any database there."""
    check = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.Error as exc:
        raise DumpError(f"the database in the backup is not a SQLite file: {exc}") from None
    finally:
        check.close()
    if result != ("ok",):
        raise DumpError(f"the database in the backup fails SQLite's integrity check: {result}")
    if not dest.parent.exists():
        dest.parent.mkdir(mode=0o700, parents=True)
    staged = dest.with_name(dest.name + ".restoring")
    shutil.copyfile(dump, staged)
    staged.chmod(0o600)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)
    os.replace(staged, dest)


# --- PostgreSQL ---------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DumpError(
            f"`{name}` is not installed or not on PATH; it is needed to back up and restore "
            f"PostgreSQL (Debian/Ubuntu: apt install postgresql-client, of the server's version "
            f"or newer)"
        )
    return path


def _libpq_env(url: URL) -> dict[str, str]:
    """The connection as libpq environment variables: the password stays out of argv."""
    env = dict(os.environ)
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    query = {
        key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()
    }
    for key, var in (
        ("options", "PGOPTIONS"),
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("application_name", "PGAPPNAME"),
    ):
        if key in query:
            values[var] = query[key]
    env.update({key: str(value) for key, value in values.items() if value})
    return env


def _connect(url: URL) -> psycopg.Connection[Any]:
    import psycopg

    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        return psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as exc:
        raise DumpError(f"database unreachable: {str(exc).splitlines()[0]}") from None


def pg_schema(url: URL) -> str:
    """The schema the node's tables live in: the first of the connection's search path."""
    with _connect(url) as conn:
        row = conn.execute("SELECT current_schema()").fetchone()
    if row is None or row[0] is None:
        raise DumpError("the database connection has no current schema (check search_path)")
    return str(row[0])


def pg_dump(url: URL, schema: str, dest: Path) -> None:
    _create_private(dest)
    _run(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--schema={schema}",
            f"--file={dest}",
        ],
        url,
        "pg_dump",
    )


def pg_table_count(url: URL, schema: str) -> int:
    with _connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchone()
    return int(row[0]) if row else 0


def pg_restore(url: URL, schema: str, dump: Path, *, clean: bool) -> None:
    """Restore `dump` into `schema` of the target database, which must be the connection's own.

    The schema's own entry is left out of the restore and created here if missing: a fresh
    database already has `public`, and a restore must not fail on it.
    """
    from psycopg import sql

    with _connect(url) as conn, conn.transaction():
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        row = conn.execute("SELECT current_schema()").fetchone()
        if row is None or row[0] != schema:
            raise DumpError(
                f"the backup's tables are in schema {schema!r} but the target connection "
                f"uses {row[0] if row else None!r}; set its search_path to {schema!r}"
            )
    tool = _tool("pg_restore")
    # Arguments are a list, never a shell line; the tool is the one on PATH.
    listing = subprocess.run(  # noqa: S603
        [tool, "--list", str(dump)], capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        raise DumpError(f"pg_restore cannot read the dump: {_first_line(listing.stderr)}")
    entries = [
        line
        for line in listing.stdout.splitlines()
        if " SCHEMA - " not in line and " COMMENT - SCHEMA " not in line
    ]
    toc = dump.with_name(dump.name + ".list")
    toc.write_text("\n".join(entries) + "\n", encoding="utf-8")
    args = [tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if clean:
        args += ["--clean", "--if-exists"]
    args += [f"--use-list={toc}", f"--dbname={url.database or url.username or ''}", str(dump)]
    _run(args, url, "pg_restore")


def _run(args: list[str], url: URL, name: str) -> None:
    env = _libpq_env(url)
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise DumpError(f"{name} failed: {_first_line(result.stderr)}")


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "no message"


def _create_private(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
