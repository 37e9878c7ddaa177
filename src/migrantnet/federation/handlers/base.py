"""What every handler receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.federation.parse import ParsedActivity
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, InboxState


@dataclass(slots=True)
class Inbound:
    fed: Federation
    session: AsyncSession
    sender: Actor
    activity: ParsedActivity
    payload: dict[str, Any]

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
