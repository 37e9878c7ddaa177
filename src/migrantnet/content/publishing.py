"""How content tells the outside world it changed, without knowing about ActivityPub.

Services take a `ChangeNotifier` and call it inside the caller's transaction; the federation layer
supplies the implementation (queueing Create/Update/Delete for followers), so `content` never
imports `federation` and the deliveries commit together with the change.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.models import Actor, ContentObject


class ChangeNotifier(Protocol):
    async def object_created(
        self, session: AsyncSession, obj: ContentObject, actor: Actor
    ) -> None: ...

    async def object_updated(
        self, session: AsyncSession, obj: ContentObject, actor: Actor
    ) -> None: ...

    async def object_deleted(
        self, session: AsyncSession, obj: ContentObject, actor: Actor
    ) -> None: ...

    async def actor_updated(self, session: AsyncSession, actor: Actor) -> None: ...


class NoFederation:
    """For a node that publishes only locally (and for tests of content alone)."""

    async def object_created(self, session: AsyncSession, obj: ContentObject, actor: Actor) -> None:
        return None

    async def object_updated(self, session: AsyncSession, obj: ContentObject, actor: Actor) -> None:
        return None

    async def object_deleted(self, session: AsyncSession, obj: ContentObject, actor: Actor) -> None:
        return None

    async def actor_updated(self, session: AsyncSession, actor: Actor) -> None:
        return None
