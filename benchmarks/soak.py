"""Soak: a steady mix of page reads, signed inbox posts and publications against a real node
on loopback for a long time (10 minutes by default), watching that nothing grows.

A node is initialised in a temporary directory and started as `migrantnet serve` (SQLite,
in-process worker) through `tests/nodes.py`; a remote actor's document and key are served on
127.0.0.1 as in `bench_inbox.py`. Every second, bounded: `--reads` page views (the home page,
the association's page, a search, the API agenda), `--posts` signed `Create{Note}` to
`/inbox`, and every `--publish-every` seconds a note published through the JSON API.
Every `--window` seconds it prints the node's resident memory, open file descriptors, the
database size (file and WAL), the queue depth (inbox rows not yet applied, deliveries
queued), p99 of each kind of request and any error; at the end whether memory, descriptors,
queue depth and p99 stayed flat (last window against the first), activities accepted vs
stored and applied, and deliveries expected vs received.

`--followers` (20) remote followers are inserted before the node starts, each with its own
inbox on `bench_fanout.py`'s sinks (raw HTTP servers on 127.0.0.1 in their own process,
counting each POST by path), so every published note is delivered by the node's worker to
each of them: expected = notes published x followers, and each inbox's count says whether a
note was lost (fewer) or delivered twice (more, allowed by the at-least-once rule).

Run:  .venv/bin/python benchmarks/soak.py [--minutes 10] [--window 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx
from _common import machine_load, percentile, print_table, rss_mb, use_tests_helpers
from bench_fanout import Sinks, add_followers
from bench_inbox import ActorServer, _read_response, build_requests, run_loop

from migrantnet.federation.signatures.primitives import generate_key_pair

SLUG = "soak"
TERMINAL = ("done", "ignored", "failed")
RSS_GROWTH_MB = 30.0  # flat: the last window's memory within this of the first's
P99_GROWTH = 2.0  # flat: the last window's p99 within this factor of the first's


class Window:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter[str] = Counter()


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def db_size_mb(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


def inbox_states(path: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
        rows = conn.execute("SELECT state, COUNT(*) FROM inbox_activities GROUP BY state")
        return {str(state): int(count) for state, count in rows}


def queue_depth(path: Path) -> tuple[int, int, int]:
    """(inbox rows not yet applied, inbox rows in all, deliveries queued), read-only."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
        marks = ",".join("?" * len(TERMINAL))
        pending = conn.execute(
            f"SELECT COUNT(*) FROM inbox_activities WHERE state NOT IN ({marks})", TERMINAL
        ).fetchone()[0]
        stored = conn.execute("SELECT COUNT(*) FROM inbox_activities").fetchone()[0]
        queued = conn.execute("SELECT COUNT(*) FROM deliveries WHERE state = 'queued'").fetchone()
    return int(pending), int(stored), int(queued[0])


async def soak(
    node: object, args: argparse.Namespace, inbox_requests: list[bytes], sinks: Sinks
) -> int:
    from nodes import Node

    assert isinstance(node, Node) and node.process is not None
    pid = node.process.pid
    db_path = Path(node.database_url.removeprefix("sqlite:///"))
    headers = node.auth()
    reads = ["/", f"/@{SLUG}", "/search?q=permanence", "/api/v1/agenda"]
    accepted = 0
    published = 0
    windows: list[tuple[Window, list[str]]] = []
    rows: list[list[str]] = []
    next_request = iter(inbox_requests)
    reader, writer = await asyncio.open_connection("127.0.0.1", node.port)
    async with httpx.AsyncClient(base_url=node.base_url, timeout=30) as client:

        async def timed(window: Window, kind: str, call: object) -> None:
            started = time.perf_counter()
            try:
                status = (await call).status_code  # type: ignore[misc]
            except httpx.HTTPError as error:
                window.statuses[f"{kind} {type(error).__name__}"] += 1
                return
            window.latencies[kind].append((time.perf_counter() - started) * 1000)
            window.statuses[f"{kind} {status}"] += 1

        end = time.monotonic() + args.minutes * 60
        tick = 0
        while time.monotonic() < end:
            window = Window()
            window_end = min(end, time.monotonic() + args.window)
            while time.monotonic() < window_end:
                second = time.monotonic() + 1
                calls = [
                    timed(window, "read", client.get(reads[(tick + i) % len(reads)]))
                    for i in range(args.reads)
                ]
                if tick % args.publish_every == 0:
                    body = {"text": {"fr": f"Permanence juridique {tick}"}}
                    calls.append(
                        timed(
                            window,
                            "publish",
                            client.post(
                                f"/api/v1/associations/{SLUG}/notes", json=body, headers=headers
                            ),
                        )
                    )
                    published += 1
                await asyncio.gather(*calls)
                for _ in range(args.posts):
                    request = next(next_request, None)
                    if request is None:
                        break
                    started = time.perf_counter()
                    writer.write(request)
                    status, _ = await _read_response(reader)
                    window.latencies["inbox"].append((time.perf_counter() - started) * 1000)
                    window.statuses[f"inbox {status}"] += 1
                    accepted += status == 202
                tick += 1
                await asyncio.sleep(max(0.0, second - time.monotonic()))
            pending, stored, queued = queue_depth(db_path)
            row = [
                f"{len(windows) * args.window + args.window:>5} s",
                f"{rss_mb(pid):.0f}",
                str(open_fds(pid)),
                f"{db_size_mb(db_path):.1f}",
                f"{pending}/{queued}",
                *(
                    f"{percentile(window.latencies[kind], 0.99):.0f}"
                    for kind in ("read", "inbox", "publish")
                ),
                " ".join(f"{k}:{v}" for k, v in sorted(window.statuses.items()) if " 2" not in k)
                or "-",
            ]
            windows.append((window, row))
            rows.append(row)
            print("  ".join(row), flush=True)
    writer.close()
    drain_deadline = time.monotonic() + 120  # let the node apply and deliver what came last
    await asyncio.sleep(5)
    pending, stored, queued = queue_depth(db_path)
    while (pending or queued) and time.monotonic() < drain_deadline:
        await asyncio.sleep(2)
        pending, stored, queued = queue_depth(db_path)
    states = inbox_states(db_path)
    published_ok = sum(
        count
        for window, _ in windows
        for key, count in window.statuses.items()
        if key.startswith("publish 2")
    )
    received = sinks.stop().get("paths", {})
    per_inbox = [received.get(f"POST /users/f{index}/inbox", 0) for index in range(args.followers)]
    expected = published_ok * args.followers
    missing = sum(max(0, published_ok - count) for count in per_inbox)
    duplicates = sum(max(0, count - published_ok) for count in per_inbox)
    print()
    print_table(
        [
            "window",
            "RSS MB",
            "fds",
            "DB MB",
            "pending/queued",
            "p99 read",
            "inbox",
            "publish",
            "errors",
        ],
        rows,
    )
    first, last = windows[0][1], windows[-1][1]
    checks = {
        f"memory within {RSS_GROWTH_MB:.0f} MB": float(last[1]) - float(first[1]) <= RSS_GROWTH_MB,
        "open fds within 10": abs(int(last[2]) - int(first[2])) <= 10,
        "queue drained": pending == 0 and queued == 0,
        f"p99 within {P99_GROWTH}x": all(
            float(last[i]) <= P99_GROWTH * max(float(first[i]), 20.0) for i in (5, 6, 7)
        ),
        "no error": all(row[8] == "-" for row in rows),
        "accepted = stored": accepted == stored - args.warmup_rows,
        "stored = applied (done or ignored, none failed)": states.get("failed", 0) == 0
        and states.get("done", 0) + states.get("ignored", 0) == stored,
        "no delivery lost (every inbox got every note)": missing == 0,
    }
    print(
        f"\naccepted {accepted} inbox posts, {stored - args.warmup_rows} stored, applied: "
        f"{states}; published {published_ok} of {published}; "
        f"deliveries expected {expected}, received {sum(per_inbox)} "
        f"(missing {missing}, duplicates {duplicates}); memory {first[1]} -> {last[1]} MB"
    )
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--window", type=int, default=30, help="seconds per printed line")
    parser.add_argument("--reads", type=int, default=8, help="page views a second")
    parser.add_argument("--posts", type=int, default=4, help="signed inbox posts a second")
    parser.add_argument("--publish-every", type=int, default=5, help="seconds between notes")
    parser.add_argument("--followers", type=int, default=20, help="inboxes on local sinks")
    args = parser.parse_args()
    args.warmup_rows = 0
    use_tests_helpers()
    from nodes import Node

    print(f"soak: {args.minutes} min, {machine_load()}")
    private_pem, public_pem = generate_key_pair()
    actor = ActorServer(public_pem)
    actor.start()
    sinks = Sinks(4, lifetime=args.minutes * 60 + 600)
    with tempfile.TemporaryDirectory(prefix="migrantnet-soak-") as tmp:
        node = Node(
            "soak",
            Path(tmp),
            extra_env={
                "MIGRANTNET_LOG_LEVEL": "WARNING",
                "MIGRANTNET_INBOX_ACTOR_PER_MINUTE": "1000000",
                "MIGRANTNET_INBOX_DOMAIN_PER_MINUTE": "1000000",
            },
        )
        try:
            node.database_url = f"sqlite:///{Path(tmp) / 'soak.db'}"
            node.init(SLUG)
            add_followers(
                node.database_url, sinks.ports, args.followers, seed_domains=True, slug=SLUG
            )
            node.start()
            count = int(args.minutes * 60 * args.posts) + args.posts
            requests = build_requests(
                actor, private_pem, node.domain, f"{node.base_url}/@{SLUG}", count, rfc9421=False
            )
            print("window  RSS MB  fds  DB MB  pending/queued  p99 ms: read inbox publish  errors")
            return int(run_loop(soak(node, args, requests, sinks)))
        finally:
            node.close()
            actor.stop()


if __name__ == "__main__":
    raise SystemExit(main())
