"""What reaches an association from the actors it follows: the raw material of shared agendas."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.models import (
    Actor,
    ContentObject,
    Event,
    Follow,
    FollowState,
    Interaction,
    Visibility,
)


async def network_objects(
    session: AsyncSession, association: Actor, *, limit: int = 20, before: int | None = None
) -> list[tuple[ContentObject, Actor]]:
    """Public and unlisted objects of followed remote actors, and those they shared, newest
    first."""
    followed = select(Follow.followed_id).where(
        Follow.follower_id == association.id, Follow.state == FollowState.ACCEPTED
    )
    query = (
        select(ContentObject, Actor)
        .join(Actor, Actor.id == ContentObject.actor_id)
        .where(
            or_(
                ContentObject.actor_id.in_(followed),
                # shared with us by an actor we follow (a node relaying its associations, a group)
                ContentObject.ap_id.in_(
                    select(Interaction.object_ap_id).where(
                        Interaction.type == "Announce", Interaction.actor_id.in_(followed)
                    )
                ),
            ),
            ContentObject.deleted_at.is_(None),
            ContentObject.visibility.in_((Visibility.PUBLIC, Visibility.UNLISTED)),
        )
    )
    if before is not None:
        query = query.where(ContentObject.id < before)
    rows = await session.execute(query.order_by(ContentObject.id.desc()).limit(limit))
    return [(obj, actor) for obj, actor in rows]


async def outgoing_follows(session: AsyncSession, association: Actor) -> list[tuple[Follow, Actor]]:
    rows = await session.execute(
        select(Follow, Actor)
        .join(Actor, Actor.id == Follow.followed_id)
        .where(Follow.follower_id == association.id)
        .order_by(Follow.id)
    )
    return [(follow, actor) for follow, actor in rows]


async def events_of(session: AsyncSession, object_ids: list[int]) -> dict[int, Event]:
    if not object_ids:
        return {}
    rows = await session.scalars(select(Event).where(Event.object_id.in_(object_ids)))
    return {event.object_id: event for event in rows}
