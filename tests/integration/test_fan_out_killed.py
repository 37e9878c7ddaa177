"""A fan-out to 500 inboxes with the worker killed by SIGKILL half-way, then started again
(issue 9, "Faults"): every inbox gets the activity, none is lost, and an inbox that gets it
twice gets the same activity, with the same id, twice.

Everything is a real process but the peers: `migrantnet serve --no-worker` on loopback takes
the note through the JSON API and queues one delivery per follower inbox; `migrantnet worker`
sends them, is killed with SIGKILL once about half the inboxes have been reached, and is
started again. The 500 inboxes are spread over five `Sink`s in the test's event loop, which
answer 202 after a short delay (a peer on the network takes a while), so deliveries are in
flight at the kill.

Delivery is at least once, not exactly once: the worker records a delivery as sent after the
peer has answered (in chunks of a few), so a request the peer received whose answer was not
yet recorded when the worker died is sent again when its lease ends. Exactly once would need
the peer's cooperation: it is what the activity's id is for, and receivers (this node's inbox
too) drop an activity whose id they already have. So the test asserts that duplicates carry
the same id, and come only from deliveries not recorded at the kill.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from delivery_fixtures import Reply, Sink
from federation_peer import rows
from sqlalchemy import select

from migrantnet.config import load_settings
from migrantnet.db import Database
from migrantnet.models import Actor, Delivery, DeliveryState, Follow, FollowState
from nodes import Node

SLUG = "fan_out"
SINKS = 5
PER_SINK = 100
INBOXES = SINKS * PER_SINK
ANSWER_AFTER = 0.05  # seconds a peer takes to answer
KILL_AFTER = INBOXES // 2  # requests received by the peers
LEASE_SECONDS = 2


class SlowSink(Sink):
    """Answers 202 to everything, `ANSWER_AFTER` seconds after reading the request."""

    def _next_reply(self, path: str) -> Reply:
        answered = asyncio.Event()
        asyncio.get_running_loop().call_later(ANSWER_AFTER, answered.set)
        return Reply(202, hold=answered)


async def add_followers(db: Database, slug: str, inboxes: list[str]) -> None:
    """Remote followers with inboxes of their own (no shared inbox), in one transaction."""
    async with db.session() as session, session.begin():
        followed = await session.scalar(select(Actor).where(Actor.slug == slug))
        assert followed is not None
        for inbox in inboxes:
            ap_id = inbox.removesuffix("/inbox")
            follower = Actor(
                ap_id=ap_id,
                type="Person",
                local=False,
                username=ap_id.rsplit("/", 1)[-1],
                domain=httpx.URL(inbox).netloc.decode(),
                inbox_url=inbox,
            )
            session.add(follower)
            await session.flush()
            session.add(
                Follow(
                    ap_id=f"{ap_id}#follow",
                    follower_id=follower.id,
                    followed_id=followed.id,
                    state=FollowState.ACCEPTED,
                )
            )


async def start_worker(node: Node) -> asyncio.subprocess.Process:
    env = {**node.env(), "MIGRANTNET_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS)}
    log = node.root / "worker.log"
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "migrantnet",
        "worker",
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=log.open("ab"),
        stderr=asyncio.subprocess.STDOUT,
    )


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.02)


async def test_a_worker_killed_during_a_fan_out_to_500_inboxes_loses_none(
    tmp_path: Path,
) -> None:
    node = Node("fan", tmp_path)
    node.init(SLUG)
    headers = node.auth()
    node.start(worker=False)
    settings = load_settings(environ={}, data_dir=node.data_dir, database_url=node.database_url)
    db = Database(settings.effective_database_url)
    sinks: list[SlowSink] = []
    worker: asyncio.subprocess.Process | None = None
    try:
        for _ in range(SINKS):
            sinks.append(await SlowSink().start())
        inboxes = [sink.url(f"/users/f{i}/inbox") for sink in sinks for i in range(PER_SINK)]
        await add_followers(db, SLUG, inboxes)
        async with httpx.AsyncClient(base_url=node.base_url, headers=headers) as client:
            created = await client.post(
                f"/api/v1/associations/{SLUG}/notes", json={"text": {"fr": "Rassemblement"}}
            )
        assert created.status_code == 201, created.text
        note_id = created.json()["id"]
        assert len(await rows(db, Delivery)) == INBOXES

        def received() -> dict[str, list[dict[str, object]]]:
            by_inbox: dict[str, list[dict[str, object]]] = defaultdict(list)
            for sink in sinks:
                for seen in sink.posts():
                    by_inbox[sink.url(seen.path)].append(json.loads(seen.body))
            return by_inbox

        async def half_way() -> bool:
            return sum(len(sink.posts()) for sink in sinks) >= KILL_AFTER

        worker = await start_worker(node)
        await until(half_way)
        worker.send_signal(signal.SIGKILL)
        assert await worker.wait() == -signal.SIGKILL

        at_kill = await rows(db, Delivery)
        recorded = {d.inbox_url for d in at_kill if d.state == DeliveryState.SENT}
        reached_at_kill = set(received())
        assert KILL_AFTER <= len(reached_at_kill) < INBOXES, "killed half-way"
        assert recorded < reached_at_kill, "some reached their peer and were not recorded"

        worker = await start_worker(node)

        async def all_sent() -> bool:
            return {d.state for d in await rows(db, Delivery)} == {DeliveryState.SENT}

        await until(all_sent)
        worker.send_signal(signal.SIGTERM)
        assert await worker.wait() == 0

        final = received()
        assert set(final) == set(inboxes), "every inbox got the activity"
        activity_ids = {body["id"] for bodies in final.values() for body in bodies}
        assert len(activity_ids) == 1, "one activity, whatever the copies"
        assert {body["object"]["id"] for bodies in final.values() for body in bodies} == {note_id}
        twice = {inbox for inbox, bodies in final.items() if len(bodies) > 1}
        assert all(len(final[inbox]) == 2 for inbox in twice)
        # Only what the dead worker had sent and not recorded came again; none after recording.
        assert twice <= reached_at_kill - recorded
        assert sum(len(bodies) for bodies in final.values()) == INBOXES + len(twice)
    finally:
        if worker is not None and worker.returncode is None:
            worker.kill()
            await worker.wait()
        for sink in sinks:
            await sink.stop()
        await db.dispose()
        node.close()
