"""Where uploaded files live: one small interface, and the local-disk implementation.

Keys are made by `content.media_cleaning` (random ids, never a user's file name), but every
implementation still refuses keys that could leave its root, so a key that comes back from a
URL is safe to look up. An S3-compatible store can implement the same `Storage` protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from migrantnet.content.errors import NotFound
from migrantnet.uris import Uris

# Lower-case segments of letters, digits, `-`, `_` and `.`, not starting with a dot (so no
# `..`, no hidden files), separated by single slashes; no backslashes, no absolute paths.
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,127}(?:/[a-z0-9][a-z0-9_.-]{0,127}){0,7}$")


class InvalidStorageKey(ValueError):
    """A key that no storage would ever have made (e.g. `../x`); treat it as not found."""


def check_key(key: str) -> str:
    if len(key) > 512 or not _KEY_RE.match(key) or ".." in key:
        raise InvalidStorageKey(f"invalid storage key {key[:100]!r}")
    return key


class Storage(Protocol):
    """A flat store of files by key. Writes are atomic: a key holds a whole file or nothing."""

    async def save(self, key: str, data: bytes, media_type: str) -> None: ...

    async def open(self, key: str) -> bytes:
        """The file's bytes; `NotFound` when there is no such key."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the file; deleting a missing key is not an error."""
        ...

    def url_path(self, key: str) -> str:
        """The absolute path (no host) the file is served at."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The file on this machine, so the web layer can stream it; None for remote stores."""
        ...


class LocalStorage:
    """Files under `root` (the node's `media_dir`), one file per key, sub-directories allowed."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        check_key(key)
        root = self.root.resolve()
        path = (root / key).resolve()
        # Belt and braces against symlinks planted inside the root.
        if not path.is_relative_to(root) or path == root:
            raise InvalidStorageKey(f"invalid storage key {key[:100]!r}")
        return path

    async def save(self, key: str, data: bytes, media_type: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(_write_atomically, path, data)

    async def open(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotFound(f"no stored file {key!r}") from None

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.unlink, missing_ok=True)

    def url_path(self, key: str) -> str:
        return Uris.media_path(check_key(key))

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
