"""Fan-out: one published note delivered to 1,000 follower inboxes by the real worker.

A node is initialised with `migrantnet init` in a temporary directory (SQLite). 1,000 remote
follower actors with accepted follows are inserted into its database, each with its own inbox
(no shared inbox, so every follower is one delivery), spread over 20 sink "hosts": 20 ports
on 127.0.0.1 (a delivery's domain is host:port, so the worker's per-host limit applies per
port). The sinks are a minimal raw asyncio HTTP/1.1 server answering 202, in a separate
process so they never share an event loop with the worker. `migrantnet post` publishes a note,
which queues the 1,000 deliveries; then `migrantnet worker` runs as a subprocess (default
settings: 128 concurrent deliveries, 4 per host) until the database has no queued delivery.

Reported: deliveries/s from the first request reaching a sink to the last delivery recorded
as sent in the database, the same including the worker's start-up, and a check that every
inbox received exactly one signed POST (counted at the sinks) and every row is `sent`.

The sink hosts get their `domains` rows beforehand, as the delivery of our Accept to each
follower would have left them; `--cold-domains` skips that (first contact with every host).
`--in-process` runs `DeliveryWorker(fed).process_batches()` (what the worker's loop calls:
batches back to back, the next claimed while the current one finishes) in this process instead;
`--profile` does that under cProfile (CPU time of the event-loop thread) and prints where the
time goes.

Run:  .venv/bin/python benchmarks/bench_fanout.py [--quick] [--in-process] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import multiprocessing
import os
import pstats
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from _common import (
    child_pids,
    machine_load,
    print_table,
    process_cpu_seconds,
    rsa_sign_rate,
    rss_mb,
    use_tests_helpers,
    verdict,
)

SLUG = "bench_fanout"
TARGET_SECONDS_PER_1000 = 10.0  # i.e. >= 100 deliveries/s
SIGN_RATIO_TARGET = 0.60  # deliveries/s per worker over the raw RSA signing rate
SINK_LIFETIME = 600.0  # by default the sink process stops by itself after this many seconds
DELIVERY_DEADLINE = 180.0  # seconds to wait for the worker to empty the queue
RESPONSE = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


# --------------------------------------------------------------------------- sinks


class _SinkStats:
    def __init__(self) -> None:
        self.paths: Counter[str] = Counter()
        self.unsigned = 0
        self.first = 0.0
        self.last = 0.0


class _SinkProtocol(asyncio.Protocol):
    """Parses pipelined HTTP/1.1 requests with a Content-Length body; answers 202 to each."""

    def __init__(self, stats: _SinkStats) -> None:
        self.stats = stats
        self.buffer = bytearray()
        self.transport: Any = None  # uvloop's transports are not asyncio.Transport instances

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            length = 0
            start = head.find(b"\r\ncontent-length:")
            if start >= 0:
                stop = head.find(b"\r\n", start + 2)
                length = int(head[start + 17 : stop if stop >= 0 else None])
            total = end + 4 + length
            if len(self.buffer) < total:
                return
            self._record(bytes(self.buffer[:end]), b"\r\nsignature:" in head)
            del self.buffer[:total]
            self.transport.write(RESPONSE)

    def _record(self, head: bytes, signed: bool) -> None:
        now = time.monotonic()  # CLOCK_MONOTONIC: comparable across processes on Linux
        stats = self.stats
        if not stats.first:
            stats.first = now
        stats.last = now
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, _, rest = request_line.partition(" ")
        stats.paths[f"{method} {rest.rpartition(' ')[0]}"] += 1
        stats.unsigned += not signed


def sink_main(conn: Connection, hosts: int, lifetime: float = SINK_LIFETIME) -> None:
    """Entry point of the sink process: serve `hosts` ports until told to stop."""
    try:
        import uvloop

        loop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stats = _SinkStats()
    stop = asyncio.Event()

    async def serve() -> None:
        servers = [
            await loop.create_server(lambda: _SinkProtocol(stats), "127.0.0.1", 0, backlog=512)
            for _ in range(hosts)
        ]
        conn.send([server.sockets[0].getsockname()[1] for server in servers])
        try:
            async with asyncio.timeout(lifetime):
                await stop.wait()
        except TimeoutError:
            pass
        for server in servers:
            server.close()

    def wait_for_stop() -> None:
        with contextlib.suppress(EOFError):
            conn.recv()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_stop, daemon=True).start()
    loop.run_until_complete(serve())
    conn.send(
        {
            "paths": dict(stats.paths),
            "unsigned": stats.unsigned,
            "first": stats.first,
            "last": stats.last,
        }
    )
    loop.close()


class Sinks:
    def __init__(self, hosts: int, lifetime: float = SINK_LIFETIME) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=sink_main, args=(child, hosts, lifetime), daemon=True
        )
        self._process.start()
        if not self._conn.poll(30):
            raise SystemExit("the sink process did not start")
        self.ports: list[int] = self._conn.recv()

    def stop(self) -> dict[str, Any]:
        self._conn.send("stop")
        result: dict[str, Any] = self._conn.recv() if self._conn.poll(30) else {}
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
        return result


# --------------------------------------------------------------------------- database


def add_followers(
    database_url: str, ports: list[int], count: int, *, seed_domains: bool, slug: str = SLUG
) -> None:
    """Insert `count` remote actors, each with its own inbox, following the association `slug`.

    With `seed_domains`, each sink host also gets its `domains` row, as the delivery of our
    Accept to each follower would have left it on a real node.
    """
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, insert, select
    from sqlalchemy.orm import Session

    from migrantnet.config import sync_database_url
    from migrantnet.models import Actor, DomainHealth, Follow, FollowState

    engine = create_engine(sync_database_url(database_url))
    try:
        with Session(engine) as session, session.begin():
            association = session.scalar(select(Actor.id).where(Actor.slug == slug))
            actors = []
            for index in range(count):
                host = f"127.0.0.1:{ports[index % len(ports)]}"
                ap_id = f"http://{host}/users/f{index}"
                actors.append(
                    {
                        "ap_id": ap_id,
                        "type": "Person",
                        "local": False,
                        "username": f"f{index}",
                        "domain": host,
                        "inbox_url": f"{ap_id}/inbox",
                        "followers_url": f"{ap_id}/followers",
                    }
                )
            session.execute(insert(Actor), actors)
            ids = session.scalars(select(Actor.id).where(Actor.local.is_(False))).all()
            session.execute(
                insert(Follow),
                [
                    {
                        "ap_id": f"http://bench.invalid/follows/{actor_id}",
                        "follower_id": actor_id,
                        "followed_id": association,
                        "state": FollowState.ACCEPTED,
                    }
                    for actor_id in ids
                ],
            )
            if seed_domains:
                now = datetime.now(UTC)
                session.execute(
                    insert(DomainHealth),
                    [
                        {"domain": f"127.0.0.1:{port}", "failure_days": [], "last_success_at": now}
                        for port in ports
                    ],
                )
    finally:
        engine.dispose()


class Deliveries:
    """The node's delivery rows, read by their own connection (SQLite read-only)."""

    def __init__(self, database_url: str) -> None:
        from sqlalchemy import create_engine

        from migrantnet.config import sync_database_url

        url = sync_database_url(database_url)
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            self._engine = create_engine(
                "sqlite://", creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            )
        else:
            self._engine = create_engine(url)

    def _counts(self, column: str) -> list[tuple[Any, int]]:
        from sqlalchemy import text

        with self._engine.connect() as connection:
            rows = connection.execute(
                text(f"SELECT {column}, COUNT(*) FROM deliveries GROUP BY {column}")
            )
            return [(key, count) for key, count in rows]

    def by_state(self) -> Counter[str]:
        return Counter({str(state).lower(): n for state, n in self._counts("state")})

    def attempts(self) -> Counter[int]:
        return Counter(dict(self._counts("attempts")))

    done_at_first_sample = 0

    def close(self) -> None:
        self._engine.dispose()


def wait_until_empty(
    deliveries: Deliveries,
    alive: Callable[[], bool],
    cpu: Callable[[], tuple[float, float, float] | None],
) -> tuple[float | None, list[tuple[float, float, float] | None]]:
    """Poll every 20 ms until nothing is queued: (monotonic time it happened, or None;
    worker CPU when the first delivery was recorded and when the last was)."""
    deadline = time.monotonic() + DELIVERY_DEADLINE
    samples: list[tuple[float, float, float] | None] = []
    while time.monotonic() < deadline and alive():
        states = deliveries.by_state()
        if not samples and states["queued"] < sum(states.values()):
            samples.append(cpu())
            deliveries.done_at_first_sample = sum(states.values()) - states["queued"]
        if states["queued"] == 0:
            samples.append(cpu())
            return time.monotonic(), samples
        time.sleep(0.02)
    return None, samples


# --------------------------------------------------------------------------- workers


@dataclass
class WorkerRun:
    started: float  # monotonic: worker spawned (or first batch started, in-process)
    done: float | None  # monotonic: no queued delivery left
    log: str
    cpu_per_delivery: tuple[float, float] | None = None  # ms: (process, event-loop thread)
    rss_mb: float | None = None  # resident memory of the worker process when done
    signer_cpu_per_delivery: float | None = None  # ms, the signing processes (all of them)
    signer_rss_mb: float | None = None  # resident memory of the largest signing process


def run_worker_processes(node: Any, deliveries: Deliveries, count: int = 1) -> WorkerRun:
    """`count` `migrantnet worker` processes on the node's database, until nothing is queued.
    CPU is summed over them; the memory is the largest one's."""
    logs = [node.root / f"worker-{index}.log" for index in range(count)]
    handles = [path.open("wb") for path in logs]
    started = time.monotonic()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "migrantnet", "worker"],
            env=node.env(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        for handle in handles
    ]

    def cpu() -> tuple[float, float, float] | None:
        readings = [process_cpu_seconds(process.pid) for process in processes]
        if any(reading is None for reading in readings):
            return None
        signers = [
            process_cpu_seconds(child) for process in processes for child in child_pids(process.pid)
        ]
        return (
            sum(reading[0] for reading in readings if reading),
            sum(reading[1] for reading in readings if reading),
            sum(reading[0] for reading in signers if reading),
        )

    try:
        done, samples = wait_until_empty(
            deliveries, lambda: all(process.poll() is None for process in processes), cpu
        )
        states = deliveries.by_state()
        per_delivery = signer_per_delivery = None
        if len(samples) == 2 and samples[0] is not None and samples[1] is not None:
            # From the first deliveries recorded (outcomes are written a chunk at a
            # time) to the last: the deliveries recorded in between.
            recorded = max(1, states["sent"] - deliveries.done_at_first_sample)
            per_delivery = (
                (samples[1][0] - samples[0][0]) * 1000 / recorded,
                (samples[1][1] - samples[0][1]) * 1000 / recorded,
            )
            signer_per_delivery = (samples[1][2] - samples[0][2]) * 1000 / recorded
        rss = max(rss_mb(process.pid) for process in processes)
        signers = [child for process in processes for child in child_pids(process.pid)]
        signer_rss = max((rss_mb(child) for child in signers), default=None)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for handle in handles:
            handle.close()
    log = "\n".join(path.read_text(errors="replace") for path in logs)
    return WorkerRun(started, done, log, per_delivery, rss, signer_per_delivery, signer_rss)


def run_worker_in_process(node: Any, profile: cProfile.Profile | None) -> WorkerRun:
    from migrantnet.config import load_settings
    from migrantnet.db import Database
    from migrantnet.federation.service import Federation
    from migrantnet.federation.worker import DeliveryWorker
    from migrantnet.logs import configure_logging

    settings = load_settings(environ=node.env())
    configure_logging(settings.log_level)
    stream = io.StringIO()
    import logging

    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]

    async def work() -> WorkerRun:
        db = Database(settings.effective_database_url)
        fed = Federation(settings, db)
        worker = DeliveryWorker(fed)
        started = time.monotonic()
        cpu = (time.process_time(), time.thread_time())
        done = None
        deadline = started + DELIVERY_DEADLINE
        sent = 0
        try:
            if profile is not None:
                profile.enable()
            never = asyncio.Event()
            for _ in range(10_000):  # bounded; returns when no delivery is due
                batch = await worker.process_batches(never)
                sent += batch
                if batch == 0 or time.monotonic() > deadline:
                    break
            if time.monotonic() <= deadline:
                done = time.monotonic()
        finally:
            if profile is not None:
                profile.disable()
            signing = worker.signing
            print(
                f"signatures: {signing.signed_by_processes} by the signing process(es), "
                f"{signing.signed_on_loop} on the loop"
            )
            await worker.aclose()
            await fed.aclose()
            await db.dispose()
        count = max(1, sent)
        per_delivery = (
            (time.process_time() - cpu[0]) * 1000 / count,
            (time.thread_time() - cpu[1]) * 1000 / count,
        )
        return WorkerRun(started, done, "", per_delivery)

    from migrantnet.cli.node import fast_loop_factory

    with asyncio.Runner(loop_factory=fast_loop_factory()) as runner:  # as `migrantnet worker`
        run = runner.run(work())
    run.log = stream.getvalue()
    return run


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 followers on 10 hosts (~15 s)")
    parser.add_argument("--followers", type=int, help="number of follower inboxes (1000)")
    parser.add_argument("--hosts", type=int, help="number of sink ports (20)")
    parser.add_argument("--in-process", action="store_true", help="run the worker in-process")
    parser.add_argument("--profile", action="store_true", help="in-process, under cProfile")
    parser.add_argument("--profile-out", type=Path, help="also save the cProfile stats here")
    parser.add_argument(
        "--cold-domains",
        action="store_true",
        help="no `domains` rows for the sink hosts beforehand (first contact with each host)",
    )
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a worker setting for this run, e.g. delivery_concurrency=32 (repeatable)",
    )
    parser.add_argument("--database", default="", help="a PostgreSQL URL (default: a SQLite file)")
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (more than one: PostgreSQL)"
    )
    args = parser.parse_args()
    if args.workers > 1 and not args.database:
        parser.error("several workers need PostgreSQL (--database): SQLite runs one worker")
    if args.workers > 1 and (args.in_process or args.profile):
        parser.error("--workers counts worker processes; --in-process runs one loop")
    if args.database:
        os.environ["MIGRANTNET_TEST_DATABASE_URL"] = args.database  # read by tests/dbs.py
    settings_env = {
        f"MIGRANTNET_{name.upper()}": value
        for name, _, value in (item.partition("=") for item in args.setting)
    }
    followers = args.followers or (300 if args.quick else 1000)
    hosts = args.hosts or (10 if args.quick else 20)
    in_process = args.in_process or args.profile
    use_tests_helpers()
    from nodes import Node

    print(f"fan-out benchmark: {machine_load()}")
    sign_before = rsa_sign_rate()
    print(f"limit: raw RSA-2048 sign {sign_before:,.0f}/s on one core (this run, before)")
    sinks = Sinks(hosts)
    sink_result: dict[str, Any] = {}
    profile = cProfile.Profile(time.thread_time) if args.profile else None
    with tempfile.TemporaryDirectory(prefix="migrantnet-bench-fanout-") as tmp:
        node = Node(
            "fanout", Path(tmp), extra_env={"MIGRANTNET_LOG_LEVEL": "WARNING", **settings_env}
        )
        deliveries: Deliveries | None = None
        try:
            if not args.database:
                node.database_url = f"sqlite:///{Path(tmp) / 'fanout.db'}"
            node.init(SLUG)  # on PostgreSQL, a schema of its own (tests/dbs.py)
            add_followers(
                node.database_url, sinks.ports, followers, seed_domains=not args.cold_domains
            )
            posted = time.perf_counter()
            node.cli("post", SLUG, "A note for all our followers: the office is open on Monday.")
            post_s = time.perf_counter() - posted
            deliveries = Deliveries(node.database_url)
            queued = deliveries.by_state()["queued"]
            if in_process:
                run = run_worker_in_process(node, profile)
            else:
                run = run_worker_processes(node, deliveries, args.workers)
            states = deliveries.by_state()
            attempts = deliveries.attempts()
        finally:
            if deliveries is not None:
                deliveries.close()
            sink_result = sinks.stop()

    # Sampled again after the run: on a shared machine the rate moves within a minute, and
    # the ratios below use the mean of the two samples.
    sign_after = rsa_sign_rate()
    sign_rate = (sign_before + sign_after) / 2
    print(
        f"limit: raw RSA-2048 sign {sign_after:,.0f}/s after the run; "
        f"mean {sign_rate:,.0f}/s (the ratios use it)"
    )
    paths: dict[str, int] = sink_result.get("paths", {})
    received = sum(paths.values())
    once = sum(1 for n in paths.values() if n == 1)
    duplicates = sum(n - 1 for n in paths.values() if n > 1)
    posts = sum(1 for path in paths if path.startswith("POST ") and path.endswith("/inbox"))
    first, last = sink_result.get("first", 0.0), sink_result.get("last", 0.0)
    mode = (
        "in-process process_batches() loop"
        if in_process
        else f"{args.workers} `migrantnet worker` subprocess(es)"
    )
    database = "PostgreSQL" if args.database else "SQLite"
    print(
        f"{followers} follower inboxes on {hosts} sink ports "
        f"({'no' if args.cold_domains else 'with'} `domains` rows beforehand); "
        f"`migrantnet post` queued {queued} deliveries in {post_s:.1f} s (CLI start-up "
        f"included); worker: {mode}; database: {database}"
        + (f"; settings: {', '.join(args.setting)}" if args.setting else "")
    )
    scale = TARGET_SECONDS_PER_1000 * followers / 1000
    rows: list[list[str]] = []
    if run.done is None or not first:
        rows.append(["deliveries", "DID NOT FINISH", "", "BELOW TARGET"])
    else:
        total = run.done - first
        rows.append(
            [
                "first request at a sink -> all recorded sent",
                f"{total:.2f} s",
                f"<= {scale:.1f} s",
                verdict(total <= scale),
            ]
        )
        rows.append(
            ["  = deliveries/s", f"{followers / total:,.0f}", ">= 100/s", verdict(total <= scale)]
        )
        ratio = followers / total / sign_rate / args.workers
        rows.append(
            [
                "  per worker / raw RSA sign rate of this run",
                f"{ratio:.2f}",
                f">= {SIGN_RATIO_TARGET:.2f}",
                verdict(ratio >= SIGN_RATIO_TARGET),
            ]
        )
        rows.append(["first -> last request at the sinks", f"{last - first:.2f} s", "", ""])
        rows.append(["worker start -> first request", f"{first - run.started:.2f} s", "", ""])
        rows.append(
            [
                "worker start -> all sent (deliveries/s)",
                f"{run.done - run.started:.2f} s ({followers / (run.done - run.started):,.0f}/s)",
                "",
                "",
            ]
        )
    if run.cpu_per_delivery is not None:
        process_ms, loop_ms = run.cpu_per_delivery
        rows.append(
            [
                "worker CPU per delivery",
                f"{process_ms:.2f} ms (event loop thread {loop_ms:.2f})",
                "",
                "",
            ]
        )
    if run.signer_cpu_per_delivery is not None and run.signer_rss_mb is not None:
        rows.append(
            [
                "signing process(es) CPU per delivery",
                f"{run.signer_cpu_per_delivery:.2f} ms",
                "",
                "",
            ]
        )
    if run.cpu_per_delivery is not None:
        # The busiest process bounds a worker's rate: with signing processes, the loop's
        # process or the signers, whichever spends more per delivery.
        busiest = max(run.cpu_per_delivery[0], run.signer_cpu_per_delivery or 0.0)
        cpu_ratio = 1000 / sign_rate / busiest
        rows.append(
            [
                "  RSA sign CPU / busiest process's CPU per delivery",
                f"{cpu_ratio:.2f}",
                f">= {SIGN_RATIO_TARGET:.2f}",
                verdict(cpu_ratio >= SIGN_RATIO_TARGET),
            ]
        )
    if run.rss_mb is not None:
        rows.append(
            [
                "worker resident memory",
                f"{run.rss_mb:.0f} MB",
                "<= 150 MB",
                verdict(run.rss_mb <= 150),
            ]
        )
    if run.signer_rss_mb is not None:
        rows.append(["signing process resident memory", f"{run.signer_rss_mb:.0f} MB", "", ""])
    rows.append(
        [
            "POSTs received at the sinks",
            f"{received:,}",
            f"{followers:,}",
            verdict(received == followers == posts),
        ]
    )
    rows.append(
        ["inboxes that got exactly one", f"{once:,}", f"{followers:,}", verdict(once == followers)]
    )
    rows.append(
        ["duplicates / unsigned", f"{duplicates} / {sink_result.get('unsigned', '?')}", "0 / 0", ""]
    )
    final = ", ".join(f"{state} {n}" for state, n in sorted(states.items()))
    rows.append(
        ["delivery rows by state", final, f"sent {followers}", verdict(states["sent"] == followers)]
    )
    rows.append(["attempts per delivery", str(dict(attempts)), "{1: all}", ""])
    problems = [line for line in run.log.splitlines() if " error " in line or " warning " in line]
    rows.append(["worker log warnings/errors", str(len(problems)), "0", verdict(not problems)])
    print_table(["figure", "value", "target", ""], rows)
    print(f"after the run: {machine_load()}")
    for line in problems[:5]:
        print("  worker log:", line[:3000], file=sys.stderr)
    if profile is not None and args.profile_out:
        profile.dump_stats(args.profile_out)
    if profile is not None:
        for key in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(key).print_stats(25)
            print(f"\n== cProfile of the worker, top 25 by {key} ==")
            print(out.getvalue().split("\n", 4)[-1][:6000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
