"""What an association's RSS and Atom feeds hold: its latest public objects, of one kind or all,
and the events it co-organises (shared actions: the events of its calendar that another
association published naming it an organiser), except those marked `noindex` (sensitive
items stay out of feed readers and their archives).
A group writes nothing itself: its feeds hold what it shared, its members' items it announced
and its moderators did not hide, from this node or any other.

Newest first by `ix_objects_actor_kind_published` (one kind) or `ix_objects_actor_published`
(all kinds); a feed is one query, and at most `FEED_SIZE` items, as readers poll it often.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.agenda_filters import AgendaFilter
from migrantnet.content.agenda_queries import base_query
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
        own = (ContentObject.actor_id == actor.id) & ContentObject.local.is_(True)
        source = [or_(own, ContentObject.id.in_(_co_organised(session, actor)))]
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


def _co_organised(session: AsyncSession, actor: Actor) -> Select:
    """The ids of the events it co-organises, as its calendar has them (the agenda's rule)."""
    dialect = session.get_bind().dialect.name
    events = base_query(AgendaFilter(organised_by=actor.ap_id), dialect)
    return events.with_only_columns(ContentObject.id, maintain_column_froms=True)
