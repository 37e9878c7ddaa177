"""One-file backups of a node (restored by `restore`): the database, the media and the config file.

A backup is a gzip'd tar archive. It holds the database (a SQLite copy made with the online
backup API, or a `pg_dump` in custom format, see `dumps`), the config file (`migrantnet.env`,
with the secret key) and the media folder; the associations' private keys are rows of the
database, so they come with it. The last member, `manifest.json`, names the format, the
migrantnet version, the schema revision, the kind of database and every other member with its
size and SHA-256, so a restore can refuse a truncated or altered archive before touching
anything. Everything written (the archive, the restored files) is 0600 and every directory
0700: the archive holds private keys and password hashes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrantnet import __version__
from migrantnet.config import CONFIG_FILE_NAME, Settings
from migrantnet.operations import dumps
from migrantnet.operations.dumps import DumpError, Target

FORMAT = "migrantnet-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/migrantnet.sqlite3"
PG_MEMBER = "database/postgresql.dump"
CONFIG_MEMBER = f"data/{CONFIG_FILE_NAME}"
MEDIA_PREFIX = "data/media/"


class BackupError(Exception):
    """A backup or restore was refused or failed; the message is one line for an operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    files: int
    size: int
    revision: str


# --- backup -------------------------------------------------------------------------------


def default_name(settings: Settings, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"migrantnet-{settings.host}-{stamp}.tar.gz"


def create_backup(settings: Settings, dest: Path, *, into_directory: bool = False) -> BackupResult:
    """Write a backup of the node to `dest`: a file, or a directory to put a dated one in
    (an existing one, or any when `into_directory`: the operator wrote `DEST/`).

    Safe while the node runs: the database copy is a consistent snapshot, media files are
    replaced atomically by the node so an open one is never half-written. The archive appears
    under its name only once complete (written beside it, then renamed).
    """
    if into_directory and not dest.exists():
        dest.mkdir(mode=0o700, parents=True)
    if dest.is_dir():
        dest = dest / default_name(settings)
    if not dest.parent.exists():
        dest.parent.mkdir(mode=0o700, parents=True)
    target = database_target(settings)
    staging = Path(tempfile.mkdtemp(prefix=".migrantnet-backup-", dir=dest.parent))
    try:
        try:
            member, dump, revision, schema = _dump_database(target, staging)
        except DumpError as exc:
            raise BackupError(str(exc)) from None
        fd, partial_name = tempfile.mkstemp(prefix=".partial-", suffix=".tar.gz", dir=dest.parent)
        partial = Path(partial_name)
        try:
            with os.fdopen(fd, "wb") as raw:
                files = _write_archive(raw, settings, member, dump, revision, target.kind, schema)
                raw.flush()
                os.fsync(raw.fileno())
            os.chmod(partial, 0o600)
            os.replace(partial, dest)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BackupResult(dest, files, dest.stat().st_size, revision)


def database_target(settings: Settings) -> Target:
    """The database the settings name, as `dumps` addresses it; shared with `restore`."""
    try:
        return Target.from_url(settings.effective_database_url)
    except DumpError as exc:
        raise BackupError(str(exc)) from None


def _dump_database(target: Target, staging: Path) -> tuple[str, Path, str, str | None]:
    if target.kind == "sqlite":
        if target.sqlite_path is None:
            raise BackupError("the SQLite database URL names no file")
        dump = staging / "migrantnet.sqlite3"
        dumps.sqlite_dump(target.sqlite_path, dump)
        return SQLITE_MEMBER, dump, _sqlite_revision(dump), None
    from migrantnet.migrations import current_revision

    schema = dumps.pg_schema(target.url)
    revision = current_revision(target.url.render_as_string(hide_password=False))
    if revision is None:
        raise BackupError(f"the database has no migrantnet tables (schema {schema!r})")
    dump = staging / "postgresql.dump"
    dumps.pg_dump(target.url, schema, dump)
    return PG_MEMBER, dump, revision, schema


def _sqlite_revision(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        row = None
    finally:
        conn.close()
    if row is None:
        raise BackupError("the database has no migrantnet tables: nothing to back up")
    return str(row[0])


def _write_archive(
    raw: Any,
    settings: Settings,
    db_member: str,
    dump: Path,
    revision: str,
    kind: str,
    schema: str | None,
) -> int:
    entries: list[dict[str, Any]] = []
    with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        entries.append(_add_file(tar, db_member, dump))
        if settings.config_file.is_file():
            entries.append(_add_file(tar, CONFIG_MEMBER, settings.config_file))
        for path, relative in _media_files(settings.media_dir):
            entries.append(_add_file(tar, MEDIA_PREFIX + relative, path))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "migrantnet_version": __version__,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "domain": settings.domain,
            "alembic_revision": revision,
            "database": {"kind": kind, "member": db_member, "schema": schema},
            "files": entries,
        }
        data = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = _tarinfo(MANIFEST, len(data))
        tar.addfile(info, io.BytesIO(data))
    return len(entries)


def _media_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Regular files under the media folder, sorted; symlinks and half-written uploads skipped."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file() or name.startswith(".upload-"):
                continue
            yield path, path.relative_to(root).as_posix()


class _HashingReader:
    """Reads a file for tarfile while hashing exactly the bytes that go into the archive."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return bytes(data)


def _tarinfo(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    return info


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size  # of this open file, even if replaced meanwhile
        reader = _HashingReader(handle)
        tar.addfile(_tarinfo(name, size), reader)
    return {"path": name, "size": size, "sha256": reader.digest.hexdigest()}
