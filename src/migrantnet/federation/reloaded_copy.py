"""A small table kept in memory and read again from the database after a fixed time.

The block list and the unavailable hosts are asked on paths that must not hold a database
connection (a fetch) or would pay a read on every request, and both are changed by other
processes (the command line, the worker). They share this rule: the copy is read at most once
every `check_seconds`, so another process's change reaches this one within that time, and a
change made in this process calls `invalidate` to be seen at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.db import Database


class ReloadedCopy:
    """Subclasses read their rows in `load`; `refresh` decides when that happens."""

    def __init__(
        self, db: Database, *, check_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.db = db
        self.check_seconds = check_seconds
        self.clock = clock
        self._loaded_at = float("-inf")
        self._reading = asyncio.Lock()
        self._changes = 0

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")
        self._changes += 1

    async def refresh(self) -> None:
        """Read again when the copy is older than `check_seconds` (one short session).

        One reading at a time: when the copy goes stale under load, every request in flight
        found it stale together and each read the table again (16 senders, 16 reads); the
        others now wait for the one reading and use what it read."""
        if self._fresh():
            return
        async with self._reading:
            if self._fresh():
                return
            changes, started = self._changes, self.clock()
            async with self.db.session() as session:
                await self.load(session)
            if changes == self._changes:  # a change made while reading is read next time
                self._loaded_at = started

    def _fresh(self) -> bool:
        return self.clock() - self._loaded_at < self.check_seconds

    async def load(self, session: AsyncSession) -> None:
        raise NotImplementedError
