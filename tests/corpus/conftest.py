"""Access to the shared fediverse payload corpus.

The corpus lives outside the repository (its files keep their own licences),
so its location comes from ``MIGRANTNET_FEDI_CORPUS`` and defaults to the
sibling ``shared/fedi-corpus`` checkout.  Without it, corpus tests skip with
a reason instead of failing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = Path(
    os.environ.get("MIGRANTNET_FEDI_CORPUS") or REPO_ROOT / ".." / "shared" / "fedi-corpus"
).resolve()
SKIP_REASON = f"fedi-corpus not found at {CORPUS_DIR}; set MIGRANTNET_FEDI_CORPUS"
# CI sets this: there, a missing corpus is a failure, not a reason to skip.
REQUIRED = os.environ.get("MIGRANTNET_REQUIRE_CORPUS") == "1"


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRED and not CORPUS_DIR.is_dir():
        raise pytest.UsageError(f"MIGRANTNET_REQUIRE_CORPUS is set but {SKIP_REASON}")


def load_corpus_file(path: str | os.PathLike[str]) -> Any:
    """Decode one corpus file.

    ``.txt`` files are raw HTTP responses: a status line and headers, a blank
    line (CRLF or LF), then the JSON body.  Usually a dict; a few hand-written
    inputs (Gancio location lists) are JSON arrays.
    """
    raw = Path(path).read_bytes().decode("utf-8")
    if Path(path).suffix == ".txt":
        candidates = [(raw.find(sep), len(sep)) for sep in ("\r\n\r\n", "\n\n")]
        found = [(pos, size) for pos, size in candidates if pos >= 0]
        if not found:
            raise ValueError(f"{path}: no blank line between headers and body")
        pos, size = min(found)
        raw = raw[pos + size :]
    return json.loads(raw)


def corpus_files() -> list[Path]:
    if not CORPUS_DIR.is_dir():
        return []
    return sorted(p for p in CORPUS_DIR.rglob("*") if p.is_file() and p.suffix in (".json", ".txt"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``corpus_path`` over every corpus file."""
    if "corpus_path" not in metafunc.fixturenames:
        return
    files = corpus_files()
    if not files:
        metafunc.parametrize(
            "corpus_path", [pytest.param(None, marks=pytest.mark.skip(reason=SKIP_REASON))]
        )
        return
    metafunc.parametrize(
        "corpus_path", files, ids=[p.relative_to(CORPUS_DIR).as_posix() for p in files]
    )


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS_DIR.is_dir():
        pytest.skip(SKIP_REASON)
    return CORPUS_DIR


@pytest.fixture(scope="session")
def load_corpus(corpus_dir: Path) -> Callable[[str], Any]:
    """``load_corpus("mastodon/person.json")`` → the decoded document."""
    cache: dict[str, Any] = {}

    def load(name: str) -> Any:
        if name not in cache:
            cache[name] = load_corpus_file(corpus_dir / name)
        # Hand out a fresh copy: tests may mutate what they get.
        return json.loads(json.dumps(cache[name]))

    return load


@pytest.fixture(scope="session")
def read_corpus_file() -> Callable[[str | os.PathLike[str]], Any]:
    """:func:`load_corpus_file` for tests, which cannot import a conftest."""
    return load_corpus_file
