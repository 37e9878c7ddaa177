"""Restoring a backup made by `backup`: every member checked before anything is put in place.

The manifest is read and checked first (format, schema revision), then every member is
extracted into a staging directory and compared with its size and SHA-256; only then are the
config file, the database and the media moved into place. A failure removes what the restore
created. Restored files are 0600 and directories 0700, as in the archive's own promise.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from migrantnet import __version__
from migrantnet.config import Settings
from migrantnet.operations import dumps
from migrantnet.operations.backup import (
    CONFIG_MEMBER,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA_PREFIX,
    BackupError,
    database_target,
)
from migrantnet.operations.dumps import DumpError

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class RestoreResult:
    data_dir: Path
    database: str
    files: int
    revision: str


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
        target = database_target(settings)
        kind = manifest["database"]["kind"]
        if target.kind != kind:
            raise BackupError(
                f"the backup holds a {kind} database but the target is {target.kind} "
                f"(MIGRANTNET_DATABASE_URL); restore into the same kind of database"
            )
        dump = staging / manifest["database"]["member"]
        try:
            if kind == "sqlite":
                if target.sqlite_path is None:
                    raise BackupError("the SQLite database URL names no file")
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
                if source is None:
                    raise BackupError(f"the backup's {member.name!r} cannot be read")
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
