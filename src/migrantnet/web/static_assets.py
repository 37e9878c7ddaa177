"""Static files under a URL that names their content, so browsers keep them for a year.

`/static/site.3f9a0c1b2d4e.css` is `site.css` as it is now: served `immutable`, never asked
for again. A new version of the file has a new hash, hence a new URL, which the pages name
through the `static()` template global. The plain name (`/static/site.css`) and a stale hash
(a page cached before an upgrade) still get the current file, revalidated on each use.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
DIGEST_LENGTH = 12
_HASHED = re.compile(
    rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<suffix>\.[^./]+)$"
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_LENGTH]


class HashedStaticFiles(StaticFiles):
    """The app's static folder, hashed once at start (the files ship with the package)."""

    def __init__(self, directory: Path, prefix: str = "/static") -> None:
        super().__init__(directory=str(directory))
        self.prefix = prefix.rstrip("/")
        self.digests = {
            path.name: _digest(path) for path in sorted(directory.iterdir()) if path.is_file()
        }

    def url(self, name: str) -> str:
        """The content-addressed URL of `name` (a file of the static folder)."""
        digest = self.digests.get(name)
        if digest is None:
            raise KeyError(f"no static file named {name!r}")
        stem, dot, suffix = name.rpartition(".")
        hashed = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
        return f"{self.prefix}/{hashed}"

    async def get_response(self, path: str, scope: Scope) -> Response:
        name, immutable = self._resolve(path)
        response = await super().get_response(name, scope)
        if response.status_code in (200, 304):
            response.headers["cache-control"] = IMMUTABLE if immutable else REVALIDATE
        return response

    def _resolve(self, path: str) -> tuple[str, bool]:
        """The file a URL path names, and whether the path carries its current hash."""
        match = _HASHED.match(path)
        if match is not None:
            name = match["stem"] + match["suffix"]
            if name in self.digests:
                return name, self.digests[name] == match["digest"]
        return path, False
