"""Helpers shared by the benchmark scripts (not a benchmark itself).

Activity payloads of a realistic size, a plain-text table printer, percentiles, and the
path set-up that lets a script use `tests/nodes.py` to start a real node process.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TESTS_DIR = REPO / "tests"
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTIVITY_JSON = "application/activity+json"

_FILLER = (
    "Free legal advice for newcomers every Tuesday at the community centre: residence "
    "permits, family reunification, work contracts and appeals. Interpreters for Arabic, "
    "French, Tigrinya and Wolof are there. No appointment needed; bring your documents. "
)


def use_tests_helpers() -> None:
    """Make `tests/nodes.py` (and its `dbs.py`) importable."""
    if str(TESTS_DIR) not in sys.path:
        sys.path.insert(0, str(TESTS_DIR))


def create_note(actor_id: str, index: int, to: Sequence[str], *, size: int = 1500) -> bytes:
    """A Mastodon-shaped `Create{Note}` by `actor_id`, serialised to about `size` bytes."""
    note_id = f"{actor_id}/statuses/{index}"
    doc: dict[str, Any] = {
        "@context": [AS_CONTEXT, {"sensitive": "as:sensitive"}],
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": actor_id,
        "published": "2026-11-30T12:00:00Z",
        "to": list(to),
        "cc": [PUBLIC, f"{actor_id}/followers"],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": actor_id,
            "published": "2026-11-30T12:00:00Z",
            "url": note_id,
            "to": list(to),
            "cc": [PUBLIC, f"{actor_id}/followers"],
            "sensitive": False,
            "contentMap": {"en": ""},
            "content": "",
            "tag": [],
            "attachment": [],
        },
    }
    base = len(json.dumps(doc, separators=(",", ":")).encode())
    room = max(0, size - base) // 2  # the text appears twice: content and contentMap
    text = (_FILLER * (room // len(_FILLER) + 1))[: max(0, room - 7)]
    html = f"<p>{text}</p>"
    doc["object"]["content"] = html
    doc["object"]["contentMap"] = {"en": html}
    return json.dumps(doc, separators=(",", ":")).encode()


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of `values` (fraction in 0..1); nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _stat_cpu_seconds(path: Path) -> float:
    fields = path.read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> tuple[float, float] | None:
    """CPU time (user + system) of a live process: (all threads, main thread), or None.

    The main thread runs the event loop; the rest is mostly aiosqlite's threads.
    """
    try:
        return (
            _stat_cpu_seconds(Path(f"/proc/{pid}/stat")),
            _stat_cpu_seconds(Path(f"/proc/{pid}/task/{pid}/stat")),
        )
    except (OSError, ValueError, IndexError):
        return None


def child_pids(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (the worker's signing processes)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if fields and int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return sorted(children)


def rsa_sign_rate(seconds: float = 1.0) -> float:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    message = b"x" * 300
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        done += 1
    return done / (time.perf_counter() - start)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine_load() -> str:
    """The 1-minute load average: on a shared 2-core box, figures taken above ~0.5 are low."""
    try:
        return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    except OSError:
        return "load average unknown"


def verdict(ok: bool) -> str:
    return "ok" if ok else "BELOW TARGET"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A plain fixed-width table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    print(line(headers))
    print("  ".join("-" * width for width in widths))
    for row in rows:
        print(line(row))
