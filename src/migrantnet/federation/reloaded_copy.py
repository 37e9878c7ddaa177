"""A small table kept in memory and read again from the database after a fixed time.

The block list and the unavailable hosts are asked on paths that must not hold a database
connection (a fetch) or would pay a read on every request, and both are changed by other
processes (the command line, the worker). They share this rule: the copy is read at most once
every `check_seconds`, so another process's change reaches this one within that time, and a
change made in this process calls `invalidate` to be seen at once.
"""

from __future__ import annotations

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

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    async def refresh(self) -> None:
        """Read again when the copy is older than `check_seconds` (one short session)."""
        if self.clock() - self._loaded_at < self.check_seconds:
            return
        async with self.db.session() as session:
            await self.load(session)
        self._loaded_at = self.clock()

    async def load(self, session: AsyncSession) -> None:
        raise NotImplementedError
