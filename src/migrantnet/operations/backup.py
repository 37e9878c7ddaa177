"""One-file backups of a node, and their restore: the database, the media and the config file.

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

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
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
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore was refused or failed; the message is one line for an operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    files: int
    size: int
    revision: str


@dataclass(frozen=True)
class RestoreResult:
    data_dir: Path
    database: str
    files: int
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
    target = _target(settings)
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


def _target(settings: Settings) -> Target:
    try:
        return Target.from_url(settings.effective_database_url)
    except DumpError as exc:
        raise BackupError(str(exc)) from None


def _dump_database(target: Target, staging: Path) -> tuple[str, Path, str, str | None]:
    if target.kind == "sqlite":
        assert target.sqlite_path is not None
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


# --- restore ------------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of `archive`, checked for format and for a schema this migrantnet knows."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            member = tar.getmember(MANIFEST)
            handle = tar.extractfile(member)
            if handle is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(handle.read(1024 * 1024))
    except FileNotFoundError:
        raise BackupError(f"no such file: {archive}") from None
    except KeyError:
        raise BackupError(f"{archive} is not a migrantnet backup (no {MANIFEST})") from None
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(f"{archive} is not a readable backup archive: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a migrantnet backup (unknown manifest)")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"{archive} is in backup format {version!r}, newer than this migrantnet "
            f"({__version__}, format {FORMAT_VERSION}) reads: upgrade migrantnet to "
            f"{manifest.get('migrantnet_version')} or later to restore it"
        )
    _check_schema(str(manifest.get("alembic_revision")), manifest)
    return manifest


def _check_schema(revision: str, manifest: dict[str, Any]) -> None:
    from migrantnet.migrations import head_revision, is_known_revision

    if not is_known_revision(revision):
        raise BackupError(
            f"this backup is from a newer schema (revision {revision!r}, migrantnet "
            f"{manifest.get('migrantnet_version')}) than this migrantnet {__version__} knows "
            f"(head {head_revision()}): upgrade migrantnet first, then restore"
        )


def restore_backup(
    archive: Path, load: Callable[[], Settings], *, force: bool = False
) -> RestoreResult:
    """Restore `archive` into the data directory and database that `load()` names.

    Refuses a non-empty data directory or a database that already has tables unless `force`.
    Every member is checked against the manifest in a staging directory before anything is put
    in place. `load` is called again once the config file is back, so that a database URL the
    backed-up node had in its config file is honoured (environment variables still win).
    """
    manifest = read_manifest(archive)
    settings = load()
    data_dir = settings.data_dir
    if data_dir.is_dir() and any(data_dir.iterdir()) and not force:
        raise BackupError(
            f"the data directory {data_dir.resolve()} is not empty: restore into an empty one, "
            f"or pass --force to overwrite it"
        )
    created_dir = not data_dir.exists()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".migrantnet-restore-", dir=data_dir.parent))
    written: list[Path] = []
    try:
        _extract_checked(archive, manifest, staging)
        staged_config = staging / CONFIG_MEMBER
        if staged_config.is_file():
            config = settings.config_file
            if not config.exists():
                written.append(config)
            os.replace(staged_config, config)
            settings = load()
        target = _target(settings)
        kind = manifest["database"]["kind"]
        if target.kind != kind:
            raise BackupError(
                f"the backup holds a {kind} database but the target is {target.kind} "
                f"(MIGRANTNET_DATABASE_URL); restore into the same kind of database"
            )
        dump = staging / manifest["database"]["member"]
        try:
            if kind == "sqlite":
                assert target.sqlite_path is not None
                if target.sqlite_path.exists() and target.sqlite_path.stat().st_size and not force:
                    raise BackupError(
                        f"a database already exists at {target.sqlite_path}: pass --force to "
                        f"overwrite it"
                    )
                if not target.sqlite_path.exists():
                    written.append(target.sqlite_path)
                dumps.sqlite_restore(dump, target.sqlite_path)
            else:
                schema = str(manifest["database"]["schema"])
                if dumps.pg_table_count(target.url, schema) and not force:
                    shown = target.url.set(drivername="postgresql").render_as_string()
                    raise BackupError(
                        f"the target database {shown} already has tables in schema {schema!r}: "
                        f"restore into an empty one (MIGRANTNET_DATABASE_URL), or pass --force "
                        f"to overwrite them"
                    )
                dumps.pg_restore(target.url, schema, dump, clean=force)
        except DumpError as exc:
            raise BackupError(str(exc)) from None
        staged_media = staging / MEDIA_PREFIX
        if staged_media.is_dir():
            if settings.media_dir.exists():
                shutil.rmtree(settings.media_dir)
            os.replace(staged_media, settings.media_dir)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if created_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(
        data_dir=data_dir,
        database=kind,
        files=len(manifest["files"]),
        revision=str(manifest["alembic_revision"]),
    )


def _safe_member_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"the backup holds an unsafe path {name!r}")
    return path


def _extract_checked(archive: Path, manifest: dict[str, Any], staging: Path) -> None:
    """Extract every member the manifest lists into `staging`, checking size and SHA-256."""
    expected = {entry["path"]: entry for entry in manifest.get("files", [])}
    seen: set[str] = set()
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                if member.name not in expected or member.name in seen:
                    raise BackupError(f"the backup holds {member.name!r}, not in its manifest")
                if not member.isfile():
                    raise BackupError(f"the backup's {member.name!r} is not a regular file")
                seen.add(member.name)
                dest = staging.joinpath(*_safe_member_path(member.name).parts)
                _make_private_dirs(dest.parent, staging)
                digest = hashlib.sha256()
                size = 0
                source = tar.extractfile(member)
                assert source is not None
                fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                entry = expected[member.name]
                if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                    raise BackupError(
                        f"the backup's {member.name!r} does not match its checksum: the archive "
                        f"is damaged or was altered"
                    )
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"the backup archive is damaged: {exc}") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(
            f"the backup lacks {len(missing)} file(s) its manifest lists: {missing[0]}"
        )
    if manifest["database"]["member"] not in seen:
        raise BackupError("the backup holds no database")


def _make_private_dirs(path: Path, root: Path) -> None:
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700, parents=True)
    while path != root and path.is_relative_to(root):
        path.chmod(0o700)
        path = path.parent
