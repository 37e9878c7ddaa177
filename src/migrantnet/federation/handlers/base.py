"""What every handler receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.federation.parse import ParsedActivity, ParseError
from migrantnet.federation.parse.content import ParsedContent
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, InboxState

# Activities whose handlers change no follow and no group of ours: what `BatchMemo` holds
# stays true while a batch applies them.
KEEPS_MEMO = frozenset({"Create", "Update", "Announce", "Like"})


@dataclass(slots=True)
class BatchMemo:
    """Answers asked once per batch of inbox rows rather than once per row: whether a sender
    is followed by one of ours, which of some ids are groups of ours. A burst of posts from
    one sender, or to one association, asked the same two questions for every row.

    The applier clears it after a row of any other type (a Follow, an Accept, an Undo, a
    Block, a Delete may change the answers) and after a savepoint is rolled back (which
    expires the group rows it holds)."""

    followed: dict[int, bool] = field(default_factory=dict)
    groups: dict[tuple[str, ...], list[Actor]] = field(default_factory=dict)

    def clear(self) -> None:
        self.followed.clear()
        self.groups.clear()


@dataclass(slots=True)
class Inbound:
    fed: Federation
    session: AsyncSession
    sender: Actor
    activity: ParsedActivity
    payload: dict[str, Any]
    memo: BatchMemo = field(default_factory=BatchMemo)  # a fresh one: nothing shared
    # The embedded object, parsed before the transaction (`objects.parse_embedded`); None
    # where it was not, and the handler parses what it has.
    embedded: ParsedContent | ParseError | None = None

    async def local_actor(self, ap_id: str | None) -> Actor | None:
        """The association or node actor of ours that an id names, if any."""
        if not ap_id or not self.fed.uris.is_local(ap_id):
            return None
        return await self.session.scalar(
            select(Actor).where(
                Actor.ap_id == ap_id, Actor.local.is_(True), Actor.deleted_at.is_(None)
            )
        )


Handler = Callable[[Inbound], Awaitable[InboxState]]
