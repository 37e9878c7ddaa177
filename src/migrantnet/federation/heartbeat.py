"""The worker's heartbeat: a row renewed every few seconds while a worker runs.

Deliveries stop silently when no worker runs (killed, never started, stuck on a database that
is gone): nothing fails, nothing is sent. Each worker process writes its own row of
`worker_heartbeats` every `interval` seconds from a task of its own, so a long batch does not
delay it; `migrantnet doctor` and `/healthz` read the newest beat and say when it is older
than `worker_stale_seconds`. Rows of workers silent for a day are dropped by the others.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.db import Database
from migrantnet.models import WorkerHeartbeat

FORGET_AFTER = timedelta(days=1)
MAX_INTERVAL = 15.0


def worker_name() -> str:
    """Which process beats: the machine, the pid, and a nonce (a pid is reused)."""
    return f"{socket.gethostname()[:180]}:{os.getpid()}:{secrets.token_hex(4)}"


def beat_interval(stale_seconds: float) -> float:
    """Several beats within the stale span, so one slow write never looks like a stop."""
    return max(0.5, min(MAX_INTERVAL, stale_seconds / 4))


async def beat(db: Database, worker: str, started_at: datetime, now: datetime) -> None:
    """Renew this worker's row, creating it on the first beat."""
    async with db.session(write=True) as session, session.begin():
        row = await session.get(WorkerHeartbeat, worker)
        if row is None:
            session.add(WorkerHeartbeat(worker=worker, started_at=started_at, beat_at=now))
            await session.execute(
                delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER)
            )
        else:
            row.beat_at = now


@dataclass(frozen=True, slots=True)
class WorkerStatus:
    """`state`: "beating", "stale" (no beat for longer than the stale span) or "none" (no
    worker ever beat on this database); `seconds` since the newest beat."""

    state: str
    seconds: float | None

    @property
    def stopped(self) -> bool:
        return self.state == "stale"


def worker_status(last_beat: datetime | None, now: datetime, stale_seconds: float) -> WorkerStatus:
    if last_beat is None:
        return WorkerStatus("none", None)
    seconds = max(0.0, (now - last_beat).total_seconds())
    return WorkerStatus("stale" if seconds > stale_seconds else "beating", seconds)


async def last_beat(session: AsyncSession) -> datetime | None:
    return await session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
