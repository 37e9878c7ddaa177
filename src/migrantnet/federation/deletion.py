"""Deleting one of our associations: its followers are told (`Delete` of the actor, through
durable delivery), and what it published and uploaded is removed from this node.

The actor row stays, emptied and marked deleted: the worker signs the `Delete` with its key
at send time, possibly days later after retries; and a slug once used is never handed to a new
association, or peers would take the newcomer for the old one (the fediverse keeps actor ids
forever). Its objects, media files, activities (their payloads hold its posts), follows,
co-signatures and memberships are deleted at once.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.media import delete_media
from migrantnet.content.storage import Storage
from migrantnet.federation.context import AS_CONTEXT, PUBLIC
from migrantnet.federation.delivery import follower_inboxes, queue_activity
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import (
    AccountLink,
    Actor,
    ContentObject,
    Cosignature,
    Follow,
    FollowState,
    Interaction,
    Media,
    Membership,
    OutboxActivity,
)
from migrantnet.uris import Uris

logger = logging.getLogger("migrantnet.federation.deletion")


def actor_delete_activity(actor: Actor) -> dict[str, object]:
    """Mastodon's shape: the object is the actor's bare id, addressed to the public."""
    return {
        "@context": AS_CONTEXT,
        "id": Uris.delete_of(actor.ap_id),
        "type": "Delete",
        "actor": actor.ap_id,
        "to": [PUBLIC],
        "cc": [actor.followers_url] if actor.followers_url else [],
        "object": actor.ap_id,
    }


async def delete_association(
    session: AsyncSession, fed: Federation, actor: Actor, storage: Storage
) -> int:
    """Delete `actor` (one of ours); returns how many inboxes are sent the `Delete`."""
    followed = select(Follow.followed_id).where(
        Follow.follower_id == actor.id,
        Follow.state.in_([FollowState.PENDING, FollowState.ACCEPTED]),
    )
    inboxes = set(await follower_inboxes(session, actor))
    for remote in await session.scalars(
        select(Actor).where(Actor.id.in_(followed), Actor.local.is_(False))
    ):
        inboxes.add(remote.preferred_inbox)
    payload = actor_delete_activity(actor)
    # Activities first: their payloads hold the posts; deliveries still queued go with them.
    await session.execute(delete(OutboxActivity).where(OutboxActivity.actor_id == actor.id))
    await queue_activity(session, fed, actor, payload, sorted(inboxes), object_ap_id=actor.ap_id)
    for media in list(await session.scalars(select(Media).where(Media.actor_id == actor.id))):
        await delete_media(session, storage, media)
    objects = select(ContentObject.id).where(ContentObject.actor_id == actor.id)
    object_ids = select(ContentObject.ap_id).where(ContentObject.actor_id == actor.id)
    await session.execute(delete(Interaction).where(Interaction.object_ap_id.in_(object_ids)))
    await session.execute(
        delete(Cosignature).where(
            or_(Cosignature.actor_id == actor.id, Cosignature.declaration_id.in_(objects))
        )
    )
    await session.execute(delete(ContentObject).where(ContentObject.actor_id == actor.id))
    await session.execute(
        delete(Follow).where(or_(Follow.follower_id == actor.id, Follow.followed_id == actor.id))
    )
    await session.execute(delete(Membership).where(Membership.actor_id == actor.id))
    await session.execute(delete(AccountLink).where(AccountLink.actor_id == actor.id))
    actor.deleted_at = fed.now()
    actor.name = None
    actor.summary = None
    actor.icon_url = None
    actor.also_known_as = []
    await session.flush()
    log_event(logger, "association_deleted", slug=actor.slug, inboxes=len(inboxes))
    return len(inboxes)
