"""What the moderators blocked, kept in memory for the paths that must not touch the database.

The safe client asks before every hop whether a URL may be contacted, and the fetch gate asks
of every signed GET whether its key belongs to a blocked host or account: both happen where a
database connection must not be held (a fetch) or would be the cost of every request. The sets
are small (a node blocks tens of hosts, not millions) and reloaded from the `blocks` table
by the rule of `ReloadedCopy`, so a block made by the command line, another process, reaches
this one within `check_seconds`; a change made in this process reloads at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.db import Database
from migrantnet.federation.fetch import HostBlocked
from migrantnet.federation.reloaded_copy import ReloadedCopy
from migrantnet.models import Actor, Block, BlockKind, DomainHealth


def host_of_url(url: str) -> str:
    return urlsplit(url).netloc.lower()


def without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


class BlockList(ReloadedCopy):
    def __init__(
        self, db: Database, *, check_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(db, check_seconds=check_seconds, clock=clock)
        self.domains: frozenset[str] = frozenset()
        self.accounts: frozenset[str] = frozenset()  # actor ids
        self.account_keys: frozenset[str] = frozenset()  # their known key ids

    async def load(self, session: AsyncSession) -> None:
        rows = list(await session.execute(select(Block.kind, Block.target)))
        # A domain block also marks its health row; either is enough to refuse it.
        marked = await session.scalars(
            select(DomainHealth.domain).where(DomainHealth.blocked.is_(True))
        )
        keys = await session.scalars(
            select(Actor.public_key_id)
            .join(Block, Block.target == Actor.ap_id)
            .where(Block.kind == BlockKind.ACCOUNT, Actor.public_key_id.is_not(None))
        )
        self.domains = frozenset(marked) | {
            target for kind, target in rows if kind == BlockKind.DOMAIN
        }
        self.accounts = frozenset(target for kind, target in rows if kind == BlockKind.ACCOUNT)
        self.account_keys = frozenset(key for key in keys if key)

    def blocks_url(self, url: str) -> bool:
        """Whether `url` is on a blocked host, or is (a part of) a blocked account's id."""
        if host_of_url(url) in self.domains:
            return True
        return without_fragment(url) in self.accounts

    async def covering(self, actor_ap_id: str, host: str) -> BlockKind | None:
        """What block covers an actor: of its host, of the account itself, or none."""
        await self.refresh()
        if host in self.domains:
            return BlockKind.DOMAIN
        if without_fragment(actor_ap_id) in self.accounts:
            return BlockKind.ACCOUNT
        return None

    def blocks_key(self, key_id: str) -> bool:
        """Whether a signature's key belongs to a blocked host or a known blocked account."""
        return (
            host_of_url(key_id) in self.domains
            or key_id in self.account_keys
            or without_fragment(key_id) in self.accounts
        )

    async def guard(self, url: str) -> None:
        """The safe client's `guard`: nothing is fetched from what is blocked."""
        await self.refresh()
        if self.blocks_url(url):
            raise HostBlocked(url, "blocked by this node's moderators")
