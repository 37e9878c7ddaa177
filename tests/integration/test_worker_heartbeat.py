"""The worker's heartbeat: a running worker renews its row; `/healthz` says whether a worker
beats, stopped beating (deliveries have stopped), or never ran (issue 9, "Operations")."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import httpx
from federation_peer import rows
from sqlalchemy import update

from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.federation.service import Federation
from migrantnet.federation.worker import DeliveryWorker
from migrantnet.models import WorkerHeartbeat


async def test_a_running_worker_beats_and_healthz_reports_when_it_stops(
    app_client: httpx.AsyncClient, settings: Settings, db: Database
) -> None:
    assert (await app_client.get("/healthz")).json()["worker"] == {
        "state": "none",
        "seconds_since_beat": None,
    }
    fed = Federation(settings.model_copy(update={"worker_stale_seconds": 5}), db)
    stop = asyncio.Event()
    worker = asyncio.create_task(DeliveryWorker(fed).run(stop))
    try:
        async with asyncio.timeout(10):
            while not (beats := await rows(db, WorkerHeartbeat)):
                await asyncio.sleep(0.02)
            first = beats[0].beat_at
            while (await rows(db, WorkerHeartbeat))[0].beat_at == first:  # every 1.25 s
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(worker, timeout=10)
        await fed.aclose()
    [row] = await rows(db, WorkerHeartbeat)
    assert row.started_at <= first < row.beat_at <= datetime.now(UTC)
    health = (await app_client.get("/healthz")).json()
    assert health["worker"]["state"] == "beating"
    assert health["worker"]["seconds_since_beat"] < settings.worker_stale_seconds

    # Killed long ago: its last beat is older than the stale span. The web stays ready.
    async with db.session() as session, session.begin():
        await session.execute(
            update(WorkerHeartbeat).values(beat_at=datetime.now(UTC) - timedelta(minutes=10))
        )
    response = await app_client.get("/healthz")
    assert response.status_code == 200 and response.json()["ready"] is True
    assert response.json()["worker"]["state"] == "stale"
    assert 595 <= response.json()["worker"]["seconds_since_beat"] <= 700
    assert response.headers["cache-control"] == "no-store"
