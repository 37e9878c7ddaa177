"""What an association's RSS and Atom feeds hold: its latest public objects, of one kind or all,
except those marked `noindex` (sensitive items stay out of feed readers and their archives).

Newest first by `ix_objects_actor_kind_published` (one kind) or `ix_objects_actor_published`
(all kinds); a feed is one query, and at most `FEED_SIZE` items, as readers poll it often.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.models import Actor, ContentObject, Visibility

FEED_SIZE = 50


async def feed_objects(
    session: AsyncSession, actor: Actor, kind: str | None = None, limit: int = FEED_SIZE
) -> list[ContentObject]:
    query = select(ContentObject).where(
        ContentObject.actor_id == actor.id,
        ContentObject.local.is_(True),
        ContentObject.visibility == Visibility.PUBLIC,
        ContentObject.noindex.is_(False),
        ContentObject.deleted_at.is_(None),
    )
    if kind is not None:
        query = query.where(ContentObject.kind == kind)
    query = query.order_by(ContentObject.published_at.desc(), ContentObject.id.desc())
    return list(await session.scalars(query.limit(limit)))
