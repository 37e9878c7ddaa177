"""Read endpoints of a real node beside the framework's limits, and their growth with the data.

In one run, on one machine state:
- the limits: a bare FastAPI app (`_bare_app.py`, the same uvicorn options as `migrantnet
  serve`) returning prebuilt JSON and rendering a 20-item Jinja2 page; raw RSA-2048 signing;
- a node (`migrantnet init` + `migrantnet serve --no-worker`, SQLite or PostgreSQL) seeded
  with N objects by bulk inserts (its association's, another association's, a remote actor's;
  notes, events, struggles, declarations), then each endpoint under `wrk -t1 -c50`, bare and
  node interleaved, median of `--runs`, after a second of warm-up per endpoint (its p99
  shown apart as "cold p99");
- the same after growing to the next N (default 1,000 then 100,000): p99 ratio per page;
- resident memory of `serve` after the runs, and of an idle `migrantnet worker`.

Run:  .venv/bin/python benchmarks/bench_pages.py [--quick] [--database postgresql://...]
Needs `wrk` (Debian package). Every run is bounded: `--duration` seconds per wrk call.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import (
    REPO,
    machine_load,
    print_table,
    process_cpu_seconds,
    rsa_sign_rate,
    rss_mb,
    use_tests_helpers,
    verdict,
)

SLUG = "bench_pages"
JSON_TARGET = 0.80  # of the bare prebuilt-JSON endpoint
PAGE_TARGET = 0.40  # of the bare 20-item Jinja2 page
PAGE_P99_MS = 50.0
WARMUP_SECONDS = 1.0  # per endpoint, before the counted runs (wrk runs whole seconds)
GROWTH_TARGET = 1.5  # p99 at the largest N over p99 at the smallest
RSS_TARGET_MB = 150.0


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    cpu_ms: float = float("nan")  # server CPU (all threads) per request


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(value: str | None) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", value or "")
    if match is None:
        return float("nan")
    return float(match[1]) * _UNITS[match[2]]


def wrk(url: str, *, duration: float, connections: int, accept: str, pid: int) -> WrkResult:
    """One wrk run; also the server's CPU time per request, from /proc: on a shared machine
    that moves far less than the rates do."""
    before = process_cpu_seconds(pid)
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--latency",
            "--timeout",
            "5s",
            "-H",
            f"Accept: {accept}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=duration + 30,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    # Anchored: the "+/- Stdev" column (e.g. `90.50%`) would match a bare `50%` too.
    p50 = _ms(_group(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)))
    p99 = _ms(_group(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)))
    after = process_cpu_seconds(pid)
    done = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    cpu = (after[0] - before[0]) * 1000 / done if before and after and done else float("nan")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return WrkResult(rps, p50, p99, int(bad[1]) if bad else 0, cpu)


def _group(match: re.Match[str] | None) -> str | None:
    return match[1] if match else None


def median_of(results: list[WrkResult]) -> WrkResult:
    return WrkResult(
        statistics.median(r.rps for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.non_2xx for r in results),
        statistics.median(r.cpu_ms for r in results),
    )


def start_serve(node: Any) -> None:
    """`migrantnet serve --no-worker` for `node`, waiting up to 120 s (a loaded box is slow
    to import); the tests' helper waits 30 s."""
    log = node.log_path.open("ab")
    node.process = subprocess.Popen(
        [sys.executable, "-m", "migrantnet", "serve", "--port", str(node.port), "--no-worker"],
        env=node.env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    wait_http(f"{node.base_url}/healthz", seconds=120)


def wait_http(url: str, seconds: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


# --- seeding -------------------------------------------------------------------------------


def seed(database_url: str, total: int, domain: str) -> None:
    """Grow the node to `total` objects with bulk inserts, then recount the kept counters as
    the migration does (this bypasses the ORM hook on purpose: it is a bulk load)."""
    from sqlalchemy import create_engine, func, insert, select, text

    from migrantnet.config import sync_database_url
    from migrantnet.models import Actor, ContentObject, Declaration, Event, Struggle

    engine = create_engine(sync_database_url(database_url))
    with engine.begin() as conn:
        own = conn.scalar(select(Actor.id).where(Actor.slug == SLUG))
        other = conn.scalar(select(Actor.id).where(Actor.slug == "bench_other"))
        remote = conn.scalar(select(Actor.id).where(Actor.ap_id == "https://remote.example/u/a"))
        if other is None:
            other = _add_actor(conn, Actor, "bench_other", domain, local=True)
            remote = _add_actor(conn, Actor, "a", "remote.example", local=False)
        have = conn.scalar(select(func.count(ContentObject.id))) or 0
        next_id = (conn.scalar(select(func.max(ContentObject.id))) or 0) + 1
        start = datetime(2020, 1, 1, tzinfo=UTC)
        batch: dict[str, list[dict[str, Any]]] = {"objects": [], "event": [], "struggle": []}
        batch["declaration"] = []
        for n in range(have, total):
            object_id = next_id + n - have
            owner = (own, other, other, remote)[n % 4]
            kind = ("note", "note", "event", "note", "struggle", "note", "declaration")[n % 7]
            local = owner != remote
            ap_type = {"note": "Note", "event": "Event", "struggle": "Page"}.get(kind, "Article")
            slug = SLUG if owner == own else "bench_other"
            ap_id = (
                f"http://{domain}/@{slug}/objects/seed{n}"
                if local
                else f"https://remote.example/objects/{n}"
            )
            batch["objects"].append(
                {
                    "id": object_id,
                    "ap_id": ap_id,
                    "type": ap_type,
                    "kind": kind,
                    "actor_id": owner,
                    "local": local,
                    "visibility": "public" if n % 10 else "unlisted",
                    "url": ap_id,
                    "primary_language": "en",
                    "name_map": {"en": f"Item {n}"} if kind != "note" else {},
                    "summary_map": {},
                    "content_map": {"en": f"<p>Seeded item {n}: legal advice on Tuesday.</p>"},
                    "sensitive": False,
                    "tags": [],
                    "attachments": [],
                    "extra": {},
                    "published_at": start + timedelta(minutes=n),
                    "created_at": start + timedelta(minutes=n),
                }
            )
            when = start + timedelta(days=n % 900)
            if kind == "event":
                batch["event"].append(
                    {
                        "object_id": object_id,
                        "starts_at": when,
                        "ends_at": when + timedelta(hours=2),
                        "timezone": "Europe/Paris",
                        "status": "confirmed",
                        "organizers": [],
                    }
                )
            elif kind == "struggle":
                batch["struggle"].append(
                    {"object_id": object_id, "status": "ongoing", "countries": [], "topics": []}
                )
            elif kind == "declaration":
                batch["declaration"].append({"object_id": object_id})
            if len(batch["objects"]) >= 5000 or n == total - 1:
                conn.execute(insert(ContentObject), batch["objects"])
                for name, model in (
                    ("event", Event),
                    ("struggle", Struggle),
                    ("declaration", Declaration),
                ):
                    if batch[name]:
                        conn.execute(insert(model), batch[name])
                for rows in batch.values():
                    rows.clear()
        conn.execute(text("DELETE FROM actor_counts"))
        conn.execute(
            text(
                "INSERT INTO actor_counts (actor_id, name, value) "
                "SELECT actor_id, 'objects:' || kind || ':' || visibility, count(*) "
                "FROM objects WHERE local AND deleted_at IS NULL "
                "GROUP BY actor_id, kind, visibility"
            )
        )
        conn.execute(text("ANALYZE"))
    engine.dispose()


def _add_actor(conn: Any, actor: Any, slug: str, domain: str, *, local: bool) -> int:
    from sqlalchemy import insert

    base = f"http://{domain}/@{slug}" if local else f"https://{domain}/u/{slug}"
    return conn.execute(
        insert(actor)
        .values(
            ap_id=base,
            type="Organization",
            local=local,
            slug=slug if local else None,
            username=slug,
            domain=domain,
            name=slug.title(),
            inbox_url=f"{base}/inbox",
            also_known_as=[],
        )
        .returning(actor.id)
    ).scalar_one()


# --- the run -------------------------------------------------------------------------------


def endpoints(node: Any) -> list[tuple[str, str, str, str]]:
    """(label, path, Accept, which limit)."""
    some = f"/@{SLUG}/objects/seed0"
    return [
        ("actor JSON", f"/@{SLUG}", "application/activity+json", "json"),
        ("WebFinger", f"/.well-known/webfinger?resource=acct:{SLUG}@{node.domain}", "*/*", "json"),
        ("NodeInfo", "/nodeinfo/2.1", "application/json", "json"),
        ("object JSON", some, "application/activity+json", "json"),
        ("home page", "/", "text/html", "page"),
        ("association page", f"/@{SLUG}", "text/html", "page"),
        ("agenda (events of one association)", f"/@{SLUG}?kind=event", "text/html", "page"),
        ("object page", some, "text/html", "page"),
        ("agenda page", "/agenda", "text/html", "page"),
    ]


def measure(node: Any, bare: str, bare_pid: int, args: argparse.Namespace) -> dict[str, Any]:
    limits: dict[str, list[WrkResult]] = {"json": [], "page": []}
    results: dict[str, list[WrkResult]] = {}
    pid = node.process.pid
    # A first second per endpoint, not counted, as research/perf-anchors.md measures: the
    # first burst of 50 connections meets a cold process (database connections opened,
    # statements compiled, the first rendering), which set that run's p99 to 50-130 ms
    # against ~6 ms for the same endpoint once warm. Shown apart, as "cold p99".
    cold: dict[str, WrkResult] = {}
    wrk(f"{bare}/prebuilt", **_w(args, "application/json", bare_pid, WARMUP_SECONDS))
    wrk(f"{bare}/page", **_w(args, "text/html", bare_pid, WARMUP_SECONDS))
    for label, path, accept, _limit in endpoints(node):
        cold[label] = wrk(node.base_url + path, **_w(args, accept, pid, WARMUP_SECONDS))
    for _ in range(args.runs):  # interleaved: limit, node endpoints, limit...
        limits["json"].append(wrk(f"{bare}/prebuilt", **_w(args, "application/json", bare_pid)))
        limits["page"].append(wrk(f"{bare}/page", **_w(args, "text/html", bare_pid)))
        for label, path, accept, _limit in endpoints(node):
            result = wrk(node.base_url + path, **_w(args, accept, pid))
            results.setdefault(label, []).append(result)
    return {
        "limits": {name: median_of(runs) for name, runs in limits.items()},
        "results": {label: median_of(runs) for label, runs in results.items()},
        "cold": cold,
    }


def _w(
    args: argparse.Namespace, accept: str, pid: int, duration: float | None = None
) -> dict[str, Any]:
    return {
        "duration": args.duration if duration is None else duration,
        "connections": args.connections,
        "accept": accept,
        "pid": pid,
    }


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def report(node: Any, total: int, figures: dict[str, Any]) -> None:
    limits = figures["limits"]
    print(f"\n## {total:,} objects  ({machine_load()})")
    for name, title in (("json", "bare prebuilt JSON"), ("page", "bare 20-item Jinja2 page")):
        limit = limits[name]
        print(
            f"limit: {title} {limit.rps:,.0f} req/s, p99 {limit.p99_ms:.1f} ms, "
            f"{limit.cpu_ms:.3f} ms CPU per request"
        )
    rows = []
    for label, _path, _accept, which in endpoints(node):
        result, limit = figures["results"][label], limits[which]
        ratio = _ratio(result.rps, limit.rps)
        cpu_ratio = _ratio(limit.cpu_ms, result.cpu_ms)
        target = JSON_TARGET if which == "json" else PAGE_TARGET
        ok = ratio >= target and (which == "json" or result.p99_ms < PAGE_P99_MS)
        rows.append(
            [
                label,
                f"{result.rps:,.0f}",
                f"{result.p50_ms:.1f}",
                f"{result.p99_ms:.1f}",
                f"{figures['cold'][label].p99_ms:.1f}",
                f"{result.cpu_ms:.3f}",
                f"{ratio:.2f}",
                f"{cpu_ratio:.2f}",
                f">= {target:.2f}" + ("" if which == "json" else f", p99 < {PAGE_P99_MS:.0f}"),
                verdict(ok) + (f" ({result.non_2xx} non-2xx)" if result.non_2xx else ""),
            ]
        )
    print_table(
        [
            "endpoint",
            "req/s",
            "p50 ms",
            "p99 ms",
            "cold p99",
            "CPU ms/req",
            "rate ratio",
            "CPU ratio",
            "target",
            "",
        ],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts and 1 s runs")
    parser.add_argument("--objects", default="1000,100000", help="growth steps, comma-separated")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk call")
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs; median reported")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--database", default="", help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting of the node, e.g. MIGRANTNET_PAGE_CACHE_ENTRIES=0 (repeatable)",
    )
    args = parser.parse_args()
    if args.quick:
        args.objects, args.duration, args.runs = "300,3000", 1.0, 1
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    if args.database:
        os.environ["MIGRANTNET_TEST_DATABASE_URL"] = args.database
    use_tests_helpers()
    from nodes import Node, free_port

    steps = [int(step) for step in args.objects.split(",")]
    database = "PostgreSQL" if args.database else "SQLite"
    print(f"# bench_pages: {machine_load()}; database: {database}")
    sign_rate = rsa_sign_rate()
    print(f"limit: raw RSA-2048 sign {sign_rate:,.0f}/s on one core")

    bare_port = free_port()
    bare = subprocess.Popen(
        [sys.executable, str(REPO / "benchmarks" / "_bare_app.py"), str(bare_port)],
        stdin=subprocess.DEVNULL,
    )
    root = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    extra_env = {"MIGRANTNET_LOG_LEVEL": "WARNING"}
    extra_env.update(dict(item.split("=", 1) for item in args.env))
    node = Node("pages", root, extra_env=extra_env)
    measured: dict[int, dict[str, Any]] = {}
    serve_rss = worker_rss = float("nan")
    try:
        wait_http(f"http://127.0.0.1:{bare_port}/prebuilt", seconds=120)
        node.init(SLUG)
        for total in steps:
            began = time.monotonic()
            seed(node.database_url, total, node.domain)
            print(f"\nseeded {total:,} objects in {time.monotonic() - began:.1f} s")
            start_serve(node)
            measured[total] = measure(node, f"http://127.0.0.1:{bare_port}", bare.pid, args)
            assert node.process is not None
            serve_rss = rss_mb(node.process.pid)
            node.stop()
            report(node, total, measured[total])
        worker = subprocess.Popen(
            [sys.executable, "-m", "migrantnet", "worker"],
            env=node.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(5)
        worker_rss = rss_mb(worker.pid)
        worker.terminate()
        worker.wait(timeout=15)
    finally:
        node.close()
        bare.terminate()
        bare.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)

    if len(steps) > 1:
        first, last = measured[steps[0]]["results"], measured[steps[-1]]["results"]
        print(f"\n## growth {steps[0]:,} -> {steps[-1]:,} objects: p99 ratio (target <= 1.5)")
        rows = []
        for label in first:
            ratio = _ratio(last[label].p99_ms, first[label].p99_ms)
            rows.append(
                [
                    label,
                    f"{first[label].p99_ms:.1f}",
                    f"{last[label].p99_ms:.1f}",
                    f"{ratio:.2f}",
                    verdict(ratio <= GROWTH_TARGET),
                ]
            )
        print_table(["endpoint", "p99 ms small", "p99 ms large", "ratio", ""], rows)
    print(
        f"\nmemory: serve {serve_rss:.0f} MB after the runs, idle worker {worker_rss:.0f} MB "
        f"(target <= {RSS_TARGET_MB:.0f} MB each): "
        f"{verdict(serve_rss <= RSS_TARGET_MB and worker_rss <= RSS_TARGET_MB)}"
    )


if __name__ == "__main__":
    main()
