"""The agenda page, its month and its iCalendar feed with 10,000 events from 200 followed
actors, beside the same with 100 events: p50 and p99 of each, and the ratio of the p99s.

The node's app runs in this process (httpx's ASGI transport: no sockets, so the figures are
the app's own work, database included); each database is seeded by bulk inserts (actors,
accepted follows, objects, events: the rows the inbox would have written, then their dates in
`event_occurrences`, which a flush writes and bulk inserts skip), a tenth of the events
recurring weekly. Target: p99 with 10,000 events <= 1.5x p99 with 100 (an index
walk: the page costs what its 30 events cost, not what the table holds).

    .venv/bin/python benchmarks/bench_agenda.py [--quick] [--requests N] [--small N] [--large N]
        [--path /agenda/month/{month} ...]  (only those of PATHS)
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from _common import machine_load, percentile, print_table, verdict
from sqlalchemy import insert, select

from migrantnet.app import create_app
from migrantnet.config import load_settings
from migrantnet.content.associations import create_association
from migrantnet.content.occurrences import write_all_occurrences
from migrantnet.db import Database
from migrantnet.models import Actor, Base, ContentObject, Event, Follow, FollowState
from migrantnet.uris import Uris

ACTORS = 200
# A `tz` sets the zone's cookie, so that page is built each time (`page_cache` keeps none).
PATHS = ["/agenda", "/agenda?tz=America/Argentina/Buenos_Aires", "/agenda/month/{month}",
         "/agenda/month/{month}?tz=America/Argentina/Buenos_Aires", "/agenda.ics",
         "/api/v1/agenda"]  # fmt: skip


async def seed(database: Database, uris: Uris, events: int) -> None:
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with database.session() as session:
        ours = await create_association(session, uris, slug="coordination", name="Coordination")
        await session.commit()
        actor_rows = [
            {
                "ap_id": f"https://peer{n % 20}.example/@group{n}",
                "type": "Group",
                "local": False,
                "username": f"group{n}",
                "domain": f"peer{n % 20}.example",
                "name": f"Group {n}",
                "inbox_url": f"https://peer{n % 20}.example/@group{n}/inbox",
            }
            for n in range(ACTORS)
        ]
        await session.execute(insert(Actor), actor_rows)
        ids = list(await session.scalars(select(Actor.id).where(Actor.local.is_(False))))
        await session.execute(
            insert(Follow),
            [
                {
                    "ap_id": f"{ours.ap_id}#follow-{actor_id}",
                    "follower_id": ours.id,
                    "followed_id": actor_id,
                    "state": FollowState.ACCEPTED,
                }
                for actor_id in ids
            ],
        )
        now = datetime.now(UTC).replace(microsecond=0)
        objects, rows = [], []
        for n in range(events):
            actor_id = ids[n % len(ids)]
            objects.append(
                {
                    "id": n + 1000,
                    "ap_id": f"https://peer.example/events/{n}",
                    "type": "Event",
                    "kind": "event",
                    "actor_id": actor_id,
                    "local": False,
                    "visibility": "public",
                    "primary_language": "es",
                    "name_map": {"es": f"Asamblea {n}"},
                    "summary_map": {},
                    "content_map": {"es": "<p>Asamblea abierta.</p>"},
                    "tags": [{"type": "Hashtag", "name": "#migrantes"}],
                    "attachments": [],
                    "extra": {},
                    "published_at": now,
                    "created_at": now,
                }
            )
            # spread over two years around now: a fifth already past
            starts = now + timedelta(hours=(n * 17) % (24 * 600) - 24 * 120)
            recurring = n % 10 == 0
            rows.append(
                {
                    "object_id": n + 1000,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "timezone": "America/Argentina/Buenos_Aires",
                    "status": "cancelled" if n % 25 == 0 else "confirmed",
                    "place_name": "Plaza de Mayo",
                    "locality": "Buenos Aires",
                    "country": "AR",
                    "organizers": [],
                    "rrule": "FREQ=WEEKLY;COUNT=20" if recurring else None,
                    "exdates": [],
                    "moved": [],
                    "recurs_until": starts + timedelta(weeks=19, hours=2) if recurring else None,
                    "sequence": 0,
                }
            )
        for start in range(0, events, 2000):
            await session.execute(insert(ContentObject), objects[start : start + 2000])
            await session.execute(insert(Event), rows[start : start + 2000])
        await session.run_sync(lambda sync: write_all_occurrences(sync.connection()))
        await session.commit()


async def measure(
    events: int, requests: int, workdir: Path, paths: list[str]
) -> dict[str, tuple[float, float]]:
    directory = workdir / f"n{events}"
    directory.mkdir()
    settings = load_settings(
        environ={},
        data_dir=directory / "data",
        database_url=f"sqlite+aiosqlite:///{directory / 'node.db'}",
        domain="bench.test",
        https=False,
        secret_key="bench",
    )
    database = Database(settings.effective_database_url)
    began = time.perf_counter()
    await seed(database, Uris(settings.base_url), events)
    await database.dispose()
    print(f"seeded {events} events in {time.perf_counter() - began:.1f} s")
    app = create_app(settings, run_worker=False)
    month = datetime.now(UTC).strftime("%Y-%m")
    figures: dict[str, tuple[float, float]] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            for template in paths:
                path = template.format(month=month)
                response = await client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                times = []
                deadline = time.perf_counter() + 60
                for _ in range(requests):
                    start = time.perf_counter()
                    response = await client.get(path)
                    times.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200
                    if time.perf_counter() > deadline:
                        break
                figures[template] = (percentile(times, 0.5), percentile(times, 0.99))
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--path", action="append", choices=PATHS, help="measure only these")
    args = parser.parse_args()
    paths = args.path or PATHS
    requests = 20 if args.quick else args.requests
    large = 2_000 if args.quick else args.large
    print(f"load average: {machine_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        small = await measure(args.small, requests, Path(tmp), paths)
        big = await measure(large, requests, Path(tmp), paths)
    rows = []
    for path in paths:
        ratio = big[path][1] / small[path][1]
        rows.append(
            [
                path,
                f"{small[path][0]:.1f}",
                f"{small[path][1]:.1f}",
                f"{big[path][0]:.1f}",
                f"{big[path][1]:.1f}",
                f"{ratio:.2f}",
                verdict(ratio <= 1.5),
            ]
        )
    print_table(
        ["path", f"p50 ms ({args.small})", f"p99 ms ({args.small})", f"p50 ms ({large})",
         f"p99 ms ({large})",
         "p99 ratio", "<= 1.5x"],
        rows,
    )  # fmt: skip
    print(f"load average after: {machine_load()}")


if __name__ == "__main__":
    asyncio.run(main())
