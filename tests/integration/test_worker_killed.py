"""`migrantnet worker` killed with SIGKILL in the middle of a fan-out, then started again
(issue 9, "Faults"): every inbox gets the activity at least once, the jobs the dead worker had
claimed but not recorded are taken again once their lease ends, and nothing is lost.

The one real-process test of this part: the worker is the real command in a subprocess (a
SIGKILL cannot be shown in-process); the node is set up with `migrantnet init` in-process and
the followers' inboxes are `Sink`s in the test's own event loop. The sinks answer the first
batch (16 jobs at 4 in flight) and hold every later request, so the worker is killed with a
second batch claimed and some of it sent but not recorded.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from cli_node import INIT, run
from delivery_fixtures import Reply, Sink, add_follower, publish
from federation_peer import rows
from sqlalchemy import select

from migrantnet.config import Settings, load_settings
from migrantnet.db import Database
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, Delivery, DeliveryState

SINKS = 3
PER_SINK = 8  # 24 inboxes: a batch of 16 (4 x concurrency), then 8
CONCURRENCY = 4
FIRST_BATCH = CONCURRENCY * 4
LEASE_SECONDS = 2


class Gate:
    """Shared by the sinks: the first `open_for` requests are answered, later ones held."""

    def __init__(self, open_for: int) -> None:
        self.open_for = open_for
        self.answered = 0
        self.release = asyncio.Event()


class GatedSink(Sink):
    gate: Gate

    def _next_reply(self, path: str) -> Reply:
        if self.gate.answered < self.gate.open_for or self.gate.release.is_set():
            self.gate.answered += 1
            return Reply(202)
        return Reply(hold=self.gate.release)


async def start_worker(data_dir: Path, database_url: str) -> asyncio.subprocess.Process:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MIGRANTNET_")}
    env.update(
        {
            "MIGRANTNET_DATA_DIR": str(data_dir),
            "MIGRANTNET_DATABASE_URL": database_url,
            "MIGRANTNET_ALLOW_PRIVATE_ADDRESSES": "true",
            "MIGRANTNET_DELIVERY_CONCURRENCY": str(CONCURRENCY),
            "MIGRANTNET_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
            "MIGRANTNET_WORKER_POLL_SECONDS": "0.1",
        }
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "migrantnet",
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def until(check: object, timeout: float = 15) -> None:
    assert callable(check)
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.02)


async def test_a_worker_killed_mid_fan_out_loses_nothing(tmp_path: Path, database_url: str) -> None:
    data_dir = tmp_path / "node"
    # `init` runs its own event loop: off this one.
    assert (await asyncio.to_thread(run, data_dir, database_url, *INIT)).exit_code == 0
    settings: Settings = load_settings(environ={}, data_dir=data_dir, database_url=database_url)
    db = Database(settings.effective_database_url)
    fed = Federation(settings, db)
    gate = Gate(open_for=FIRST_BATCH)
    sinks: list[GatedSink] = []
    worker: asyncio.subprocess.Process | None = None
    try:
        for _ in range(SINKS):
            sink = GatedSink()
            sink.gate = gate
            sinks.append(await sink.start())
        async with db.session() as session:
            association = await session.scalar(select(Actor).where(Actor.slug == "tunis_migrants"))
        assert association is not None
        inboxes = [
            sink.url(f"/users/f{index}/inbox") for sink in sinks for index in range(PER_SINK)
        ]
        for inbox in inboxes:
            await add_follower(db, association, inbox)
        await publish(fed, association)
        assert len(await rows(db, Delivery)) == len(inboxes)

        def posts() -> Counter[str]:
            return Counter(sink.url(seen.path) for sink in sinks for seen in sink.posts())

        async def first_batch_recorded_and_second_in_flight() -> bool:
            sent = [d for d in await rows(db, Delivery) if d.state == DeliveryState.SENT]
            return len(sent) == FIRST_BATCH and sum(posts().values()) > FIRST_BATCH

        worker = await start_worker(data_dir, database_url)
        await until(first_batch_recorded_and_second_in_flight)
        worker.send_signal(signal.SIGKILL)
        assert await worker.wait() == -signal.SIGKILL
        killed_at = datetime.now(UTC)

        at_kill = await rows(db, Delivery)
        unsent = [d for d in at_kill if d.state != DeliveryState.SENT]
        assert len(unsent) == len(inboxes) - FIRST_BATCH
        # Claimed by the dead worker and never recorded: queued, under its lease.
        assert {(d.state, d.attempts) for d in unsent} == {(DeliveryState.QUEUED, 0)}
        assert all(d.locked_until is not None and d.locked_until > killed_at for d in unsent)
        in_flight = {url for url, n in posts().items() if n} & {d.inbox_url for d in unsent}
        assert 1 <= len(in_flight) <= CONCURRENCY  # reached the peer, its answer never read
        seen_before = sum(posts().values())

        gate.release.set()
        worker = await start_worker(data_dir, database_url)

        async def all_sent() -> bool:
            return {d.state for d in await rows(db, Delivery)} == {DeliveryState.SENT}

        await until(all_sent)
        worker.send_signal(signal.SIGTERM)
        assert await worker.wait() == 0

        final = {d.inbox_url: d for d in await rows(db, Delivery)}
        received = posts()
        assert set(received) == set(inboxes), "every inbox got the activity"
        assert all(count >= 1 for count in received.values())
        # At least once: only what was in flight when the worker died came twice.
        assert {url for url, n in received.items() if n > 1} <= in_flight
        assert sum(received.values()) == len(inboxes) + len(in_flight)
        assert sum(received.values()) - seen_before == len(unsent)
        for delivery in unsent:  # taken again once the lease was over, sent on the first try
            again = final[delivery.inbox_url]
            assert (again.state, again.attempts, again.locked_until) == (
                DeliveryState.SENT,
                1,
                None,
            )
        lease_end = min(d.locked_until for d in unsent if d.locked_until is not None)
        resent = [
            seen.received_at
            for sink in sinks
            for seen in sink.posts()
            if sink.url(seen.path) in {d.inbox_url for d in unsent}
        ]
        assert max(resent) >= lease_end, "the lease was respected before taking them again"
    finally:
        if worker is not None and worker.returncode is None:
            worker.kill()
            await worker.wait()
        gate.release.set()
        for sink in sinks:
            await sink.stop()
        await fed.aclose()
        await db.dispose()
