"""Every file the package needs at run time is named by pyproject's package-data globs.

An editable install (what the tests use) finds files on disk whatever the globs say; a wheel or
the Docker image only carries what the globs match. A template folder added without a glob gave
a node that served 500s on its admin pages once installed for real.
"""

from __future__ import annotations

import tomllib
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "migrantnet"
RUNTIME_SUFFIXES = {
    ".typed",
    ".html",
    ".css",
    ".js",
    ".svg",
    ".ico",
    ".png",
    ".po",
    ".mo",
    ".mako",
    ".ini",
}


def _globs() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["package-data"]["migrantnet"]


def _matches(relative: PurePosixPath, pattern: str) -> bool:
    if "**/" in pattern:
        head, tail = pattern.split("**/", 1)
        return str(relative).startswith(head) and relative.match(tail)
    return relative.match(pattern) and len(relative.parts) == len(PurePosixPath(pattern).parts)


def test_every_runtime_file_is_packaged() -> None:
    globs = _globs()
    missing = [
        str(relative)
        for path in sorted(PACKAGE.rglob("*"))
        if path.is_file() and path.suffix in RUNTIME_SUFFIXES and "__pycache__" not in path.parts
        for relative in [PurePosixPath(path.relative_to(PACKAGE).as_posix())]
        if not any(_matches(relative, pattern) for pattern in globs)
    ]
    assert not missing, f"add package-data globs in pyproject.toml for: {missing}"


def test_the_matcher_tells_folders_apart() -> None:
    assert _matches(PurePosixPath("web/templates/admin/x.html"), "web/templates/**/*.html")
    assert not _matches(PurePosixPath("web/templates/admin/x.html"), "web/templates/*.html")
    assert not _matches(PurePosixPath("web/other/x.html"), "web/templates/**/*.html")
