"""A stale copy read once however many requests find it stale, and a change made while it is
being read not lost. A real database: `load` reads a real table."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.db import Database
from migrantnet.federation.reloaded_copy import ReloadedCopy
from migrantnet.models import Block


class CountingCopy(ReloadedCopy):
    def __init__(self, db: Database, clock: list[float]) -> None:
        super().__init__(db, check_seconds=1.0, clock=lambda: clock[0])
        self.readings = 0
        self.gate: asyncio.Event | None = None
        self.blocks = -1

    async def load(self, session: AsyncSession) -> None:
        self.readings += 1
        self.blocks = int(await session.scalar(select(func.count()).select_from(Block)) or 0)
        if self.gate is not None:
            await self.gate.wait()


async def test_sixteen_requests_finding_the_copy_stale_read_it_once(db: Database) -> None:
    clock = [100.0]
    copy = CountingCopy(db, clock)
    await asyncio.gather(*(copy.refresh() for _ in range(16)))
    assert copy.readings == 1 and copy.blocks == 0
    clock[0] += 0.5
    await asyncio.gather(*(copy.refresh() for _ in range(16)))
    assert copy.readings == 1  # still fresh
    clock[0] += 1.0
    await asyncio.gather(*(copy.refresh() for _ in range(16)))
    assert copy.readings == 2


async def test_a_change_made_while_reading_is_read_at_the_next_request(db: Database) -> None:
    clock = [100.0]
    copy = CountingCopy(db, clock)
    copy.gate = asyncio.Event()
    reading = asyncio.create_task(copy.refresh())
    while copy.readings == 0:
        await asyncio.sleep(0)
    copy.invalidate()  # this process changed the table after the read began
    copy.gate.set()
    await reading
    copy.gate = None
    await copy.refresh()
    assert copy.readings == 2
