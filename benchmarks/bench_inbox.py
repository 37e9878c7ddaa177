"""Inbox acceptance rate of a real node process, and how long applying the activities takes.

A node is initialised in a temporary directory and started as `migrantnet serve` (SQLite, or
PostgreSQL with `--database`; uvicorn, in-process worker, log level WARNING) through
`tests/nodes.py`. A remote actor's document, with its RSA-2048 key, is served by a tiny HTTP
server on 127.0.0.1, so the node fetches the key once, during a warm-up. Then N distinct
`Create{Note}` activities (~1.5 KB, addressed to the node's association, so each is stored
and then applied into a content row) are signed in advance (draft-cavage, or RFC 9421 with
`--rfc9421`) and POSTed to `/inbox` by a fixed number of keep-alive connections (a minimal
raw asyncio HTTP/1.1 client, so the load generator takes little of the 2 cores it shares
with the node).

Reported: accepted (202) requests/s over the sending phase, p50 / p99 latency, any other
status, then the time until every accepted activity has been applied by the node's
background tasks (read from the node's database by a connection of this script, every
50 ms). The limit,
measured in the same run: the same requests sent the same way to a bare FastAPI endpoint on
the same server options that parses the JSON body and answers 202 (`_bare_app.py`); the
target is an accepted rate of at least 25 % of its rate.

Run:  .venv/bin/python benchmarks/bench_inbox.py [--quick] [--count N] [--concurrency C]
                                                [--database postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from _common import (
    ACTIVITY_JSON,
    AS_CONTEXT,
    REPO,
    create_note,
    machine_load,
    percentile,
    print_table,
    process_cpu_seconds,
    use_tests_helpers,
    verdict,
)

from migrantnet.federation.signatures.cavage import sign_request
from migrantnet.federation.signatures.primitives import generate_key_pair, load_private_key
from migrantnet.federation.signatures.rfc9421 import sign_request as sign_request_rfc9421

SLUG = "bench_inbox"
TARGET_RATIO = 0.25  # of the bare JSON endpoint's accepted rate, same requests, same run
TERMINAL_STATES = ("done", "ignored", "failed")
REQUEST_TIMEOUT = 30.0  # seconds, per request
SEND_DEADLINE = 300.0  # seconds, whole sending phase
PROCESS_DEADLINE = 300.0  # seconds, waiting for the node to apply what it accepted


class ActorServer:
    """Serves one actor document on 127.0.0.1 (threaded stdlib server) and counts GETs."""

    def __init__(self, public_pem: str) -> None:
        self.gets = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.gets += 1
                if self.path.split("?", 1)[0] != "/users/bench":
                    self.send_error(404)
                    return
                body = json.dumps(server.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", ACTIVITY_JSON)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self._httpd.server_address[1])
        self.actor_id = f"http://127.0.0.1:{self.port}/users/bench"
        self.key_id = f"{self.actor_id}#main-key"
        self.document = {
            "@context": [AS_CONTEXT, "https://w3id.org/security/v1"],
            "id": self.actor_id,
            "type": "Person",
            "preferredUsername": "bench",
            "name": "Bench Sender",
            "inbox": f"{self.actor_id}/inbox",
            "outbox": f"{self.actor_id}/outbox",
            "followers": f"{self.actor_id}/followers",
            "endpoints": {"sharedInbox": f"http://127.0.0.1:{self.port}/inbox"},
            "publicKey": {"id": self.key_id, "owner": self.actor_id, "publicKeyPem": public_pem},
        }
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def build_requests(
    actor: ActorServer,
    private_pem: str,
    node_domain: str,
    association: str,
    count: int,
    *,
    rfc9421: bool,
) -> list[bytes]:
    """Complete HTTP/1.1 requests (head and body), each signed for `POST /inbox`."""
    private_key = load_private_key(private_pem)
    sign = sign_request_rfc9421 if rfc9421 else sign_request
    url = f"http://{node_domain}/inbox"
    now = datetime.now(UTC)
    requests = []
    for index in range(count):
        body = create_note(actor.actor_id, index, [association])
        headers = sign(
            "POST",
            url,
            {"Content-Type": ACTIVITY_JSON, "User-Agent": "migrantnet-bench"},
            body,
            key_id=actor.key_id,
            private_key=private_key,
            now=now,
        )
        headers["Content-Length"] = str(len(body))
        head = "POST /inbox HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        requests.append(head.encode("latin-1") + b"\r\n" + body)
    return requests


@dataclass
class SendResult:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)  # of 202 answers
    errors: Counter[str] = field(default_factory=Counter)
    started: float = 0.0
    finished: float = 0.0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; returns (status, server keeps the connection open)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    keep_alive = True
    for line in head.lower().split(b"\r\n")[1:]:
        if line.startswith(b"content-length:"):
            length = int(line[15:])
        elif line.startswith(b"connection:") and b"close" in line:
            keep_alive = False
    if length:
        await reader.readexactly(length)
    return status, keep_alive


async def send_all(port: int, requests: list[bytes], concurrency: int) -> SendResult:
    """POST every request once, over `concurrency` keep-alive connections."""
    result = SendResult()
    todo = iter(range(len(requests)))

    async def connection() -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        try:
            for index in todo:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                assert reader is not None
                sent = time.perf_counter()
                try:
                    async with asyncio.timeout(REQUEST_TIMEOUT):
                        writer.write(requests[index])
                        status, keep_alive = await _read_response(reader)
                except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
                    result.errors[type(exc).__name__] += 1
                    writer.close()
                    reader = writer = None
                    continue
                result.statuses[status] += 1
                if status == 202:
                    result.latencies_ms.append((time.perf_counter() - sent) * 1000)
                if not keep_alive:
                    writer.close()
                    reader = writer = None
        finally:
            if writer is not None:
                writer.close()

    result.started = time.perf_counter()
    async with asyncio.timeout(SEND_DEADLINE):
        await asyncio.gather(*(connection() for _ in range(concurrency)))
    result.finished = time.perf_counter()
    return result


class InboxRows:
    """Counts inbox rows by state in the node's database, by a connection of its own (SQLite:
    opened read-only)."""

    def __init__(self, database_url: str) -> None:
        from sqlalchemy import create_engine

        from migrantnet.config import sync_database_url

        url = sync_database_url(database_url)
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            self._engine = create_engine(
                "sqlite://",
                creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5),
            )
        else:
            self._engine = create_engine(url)

    def by_state(self) -> Counter[str]:
        from sqlalchemy import text

        with self._engine.connect() as connection:
            rows = connection.execute(
                text("SELECT state, COUNT(*) FROM inbox_activities GROUP BY state")
            )
            return Counter({state: count for state, count in rows})

    def terminal(self) -> int:
        states = self.by_state()
        return sum(states[state] for state in TERMINAL_STATES)

    def close(self) -> None:
        self._engine.dispose()


async def wait_applied(rows: InboxRows, expected: int, deadline: float) -> float | None:
    """Poll until `expected` rows are in a final state; the time it happened, or None."""
    while time.perf_counter() < deadline:
        if rows.terminal() >= expected:
            return time.perf_counter()
        await asyncio.sleep(0.05)
    return None


@dataclass
class Measurement:
    sent: SendResult
    applied_at: float | None  # perf_counter time every accepted activity was applied
    warmup_gets: int  # actor document GETs during the warm-up
    node_cpu: list[tuple[float, float] | None]  # (all, main thread): start, sent, applied
    generator_cpu: float  # this process's CPU seconds over the sending phase


async def measure(
    port: int,
    requests: list[bytes],
    warmup: int,
    concurrency: int,
    rows: InboxRows,
    actor: ActorServer,
    node_pid: int,
) -> Measurement:
    """Warm up on one connection, then send the rest and wait until all is applied."""
    # The first request makes the node fetch the sender's key.
    warm = await send_all(port, requests[:warmup], 1)
    if warm.statuses[202] != warmup:
        raise SystemExit(f"warm-up failed: statuses {dict(warm.statuses)} {dict(warm.errors)}")
    if await wait_applied(rows, warmup, time.perf_counter() + 60) is None:
        raise SystemExit(f"warm-up activities were not applied: {dict(rows.by_state())}")

    warm_gets = actor.gets
    measured = requests[warmup:]
    waiter_deadline = time.perf_counter() + SEND_DEADLINE + PROCESS_DEADLINE
    cpu = [process_cpu_seconds(node_pid)]
    generator_cpu = time.process_time()
    result = await send_all(port, measured, concurrency)
    generator_cpu = time.process_time() - generator_cpu
    cpu.append(process_cpu_seconds(node_pid))
    expected = warmup + result.statuses[202]
    applied_at = await wait_applied(rows, expected, waiter_deadline)
    cpu.append(process_cpu_seconds(node_pid))
    return Measurement(result, applied_at, warm_gets, cpu, generator_cpu)


def measure_bare(requests: list[bytes], concurrency: int) -> float:
    """The limit: accepted/s of a bare FastAPI JSON endpoint for the same requests."""
    from nodes import free_port

    port = free_port()
    bare = subprocess.Popen(
        [sys.executable, str(REPO / "benchmarks" / "_bare_app.py"), str(port)],
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the bare app did not start") from None
                time.sleep(0.2)
        run_loop(send_all(port, requests[:200], concurrency))  # warm-up
        result = run_loop(send_all(port, requests, concurrency))
    finally:
        bare.terminate()
        bare.wait(timeout=10)
    elapsed = result.finished - result.started
    return result.statuses[202] / elapsed if elapsed > 0 else 0.0


def run_loop(coro: Any) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="600 activities (~15 s)")
    parser.add_argument("--count", type=int, help="activities to send (default 3000)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections (16)")
    parser.add_argument("--rfc9421", action="store_true", help="sign with RFC 9421")
    parser.add_argument("--database", default="", help="a PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    count = args.count or (600 if args.quick else 3000)
    warmup = 20
    if args.database:
        os.environ["MIGRANTNET_TEST_DATABASE_URL"] = args.database  # read by tests/dbs.py
    use_tests_helpers()
    from nodes import Node

    print(f"inbox benchmark: {machine_load()}")
    private_pem, public_pem = generate_key_pair()
    actor = ActorServer(public_pem)
    actor.start()
    with tempfile.TemporaryDirectory(prefix="migrantnet-bench-inbox-") as tmp:
        node = Node(
            "bench",
            Path(tmp),
            extra_env={
                "MIGRANTNET_LOG_LEVEL": "WARNING",
                "MIGRANTNET_WORKER_POLL_SECONDS": "1",
                # One actor sends everything: lift the per-actor and per-domain limits.
                "MIGRANTNET_INBOX_ACTOR_PER_MINUTE": "1000000",
                "MIGRANTNET_INBOX_DOMAIN_PER_MINUTE": "1000000",
            },
        )
        rows: InboxRows | None = None
        try:
            if not args.database:
                node.database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            node.init(SLUG)
            node.start()
            association = f"{node.base_url}/@{SLUG}"
            started = time.perf_counter()
            requests = build_requests(
                actor, private_pem, node.domain, association, warmup + count, rfc9421=args.rfc9421
            )
            sign_s = time.perf_counter() - started
            rows = InboxRows(node.database_url)
            assert node.process is not None
            run = run_loop(
                measure(
                    node.port, requests, warmup, args.concurrency, rows, actor, node.process.pid
                )
            )
            states = rows.by_state()
        finally:
            if rows is not None:
                rows.close()
            node.stop()
            actor.stop()
        problems = [
            line for line in node.log().splitlines() if " error " in line or " warning " in line
        ]

    result, applied_at, gets_before = run.sent, run.applied_at, run.warmup_gets
    accepted = result.statuses[202]
    elapsed = result.finished - result.started
    rate = accepted / elapsed if elapsed > 0 else 0.0
    scheme = "RFC 9421" if args.rfc9421 else "draft-cavage"
    database = "PostgreSQL" if args.database else "SQLite"
    print(
        f"{database}; {count} signed Create{{Note}} ({len(requests[-1]):,} B requests, {scheme}) "
        f"to POST /inbox over {args.concurrency} keep-alive connections; "
        f"pre-signed in {sign_s:.1f} s; key fetched during warm-up "
        f"({gets_before} actor GETs), {actor.gets - gets_before} GETs during the run"
    )
    others = {status: n for status, n in result.statuses.items() if status != 202}
    bare_rate = measure_bare(requests[warmup:], args.concurrency)
    ratio = rate / bare_rate if bare_rate else 0.0
    rows_out = [
        ["limit: bare JSON endpoint, accepted/s", f"{bare_rate:,.0f}", "", ""],
        [
            "accepted (202) requests/s",
            f"{rate:,.0f} ({ratio:.2f} of the limit)",
            f">= {TARGET_RATIO:.2f} of the limit",
            verdict(ratio >= TARGET_RATIO),
        ],
        ["accepted / sent", f"{accepted:,} / {count:,}", "all", verdict(accepted == count)],
        ["sending phase", f"{elapsed:.2f} s", "", ""],
        ["latency p50 (202)", f"{percentile(result.latencies_ms, 0.5):.1f} ms", "", ""],
        ["latency p99 (202)", f"{percentile(result.latencies_ms, 0.99):.1f} ms", "", ""],
    ]
    if applied_at is None:
        rows_out.append(["all applied after", "TIMED OUT", "", ""])
    else:
        applied_s = applied_at - result.started
        rows_out.append(["all applied after (from first send)", f"{applied_s:.2f} s", "", ""])
        rows_out.append(["applied activities/s", f"{accepted / applied_s:,.0f}", "", ""])
    cpu_start, cpu_sent, cpu_applied = run.node_cpu
    if cpu_start is not None and cpu_sent is not None and cpu_applied is not None and accepted:
        per_activity = [(cpu_applied[i] - cpu_start[i]) * 1000 / accepted for i in (0, 1)]
        rows_out.append(
            [
                "node CPU per activity (accept + apply)",
                f"{per_activity[0]:.1f} ms (event loop thread {per_activity[1]:.1f})",
                "",
                "",
            ]
        )
        rows_out.append(
            [
                "node CPU use while sending",
                f"{(cpu_sent[0] - cpu_start[0]) / elapsed:.2f} cores",
                "",
                "",
            ]
        )
    if accepted:
        rows_out.append(
            [
                "load generator CPU per request",
                f"{run.generator_cpu * 1000 / accepted:.2f} ms",
                "",
                "",
            ]
        )
    final = ", ".join(f"{state} {n}" for state, n in sorted(states.items()))
    rows_out.append(["inbox rows by state (incl. warm-up)", final, "", ""])
    if others or result.errors:
        rows_out.append(
            ["other answers", str(others or "") + str(dict(result.errors) or ""), "", ""]
        )
    rows_out.append(["node log warnings/errors", str(len(problems)), "0", verdict(not problems)])
    print_table(["figure", "value", "target", ""], rows_out)
    for line in problems[:5]:
        print("  node log:", line[:300], file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
