"""What an association's RSS and Atom feeds hold: its latest public objects, of one kind or all,
except those marked `noindex` (sensitive items stay out of feed readers and their archives).
A group writes nothing itself: its feeds hold what it shared, its members' items it announced
and its moderators did not hide, from this node or any other.

Newest first by `ix_objects_actor_kind_published` (one kind) or `ix_objects_actor_published`
(all kinds); a feed is one query, and at most `FEED_SIZE` items, as readers poll it often.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.models import Actor, ActorType, ContentObject, GroupItem, Visibility

FEED_SIZE = 50


async def feed_objects(
    session: AsyncSession, actor: Actor, kind: str | None = None, limit: int = FEED_SIZE
) -> list[ContentObject]:
    if actor.type == ActorType.GROUP:
        shared = select(GroupItem.object_ap_id).where(
            GroupItem.group_id == actor.id, GroupItem.hidden.is_(False)
        )
        source: list[ColumnElement[bool]] = [ContentObject.ap_id.in_(shared)]
    else:
        source = [ContentObject.actor_id == actor.id, ContentObject.local.is_(True)]
    query = select(ContentObject).where(
        *source,
        ContentObject.visibility == Visibility.PUBLIC,
        ContentObject.noindex.is_(False),
        ContentObject.deleted_at.is_(None),
    )
    if kind is not None:
        query = query.where(ContentObject.kind == kind)
    query = query.order_by(ContentObject.published_at.desc(), ContentObject.id.desc())
    return list(await session.scalars(query.limit(limit)))
