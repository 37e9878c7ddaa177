"""The hosts our deliveries gave up on, known in memory so the inbox need not ask each time.

A signed request from such a host means it is back: its waiting deliveries are due again
(`inbox._mark_alive`). Asking the database on every delivery whether the sender's host was
marked unavailable cost a read per activity for a case that almost never holds. The set is
small and reloaded by the rule of `ReloadedCopy`, every `check_seconds`, so a host marked
unavailable by the worker (another process) is revived by the next request at most that long
after.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.db import Database
from migrantnet.federation.reloaded_copy import ReloadedCopy
from migrantnet.models import DomainHealth


class UnavailableHosts(ReloadedCopy):
    def __init__(
        self, db: Database, *, check_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(db, check_seconds=check_seconds, clock=clock)
        self.hosts: frozenset[str] = frozenset()

    async def load(self, session: AsyncSession) -> None:
        rows = await session.scalars(
            select(DomainHealth.domain).where(DomainHealth.unavailable.is_(True))
        )
        self.hosts = frozenset(rows)

    async def includes(self, host: str) -> bool:
        await self.refresh()
        return host in self.hosts
