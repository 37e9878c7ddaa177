"""An association changing node, as Mastodon moves an account.

On the new node, `add_alias` names the old actor in the new one's `alsoKnownAs` (the old
actor is fetched through the safe client first: it must exist and be an actor elsewhere).
On the old node, `move_association` checks that the new actor names us back, sets `movedTo`,
and sends a signed `Move` (and the actor's `Update`) to every follower through the durable
delivery queue. From then on the old association accepts no new follower and its page sends
readers to the new one. A follower's node that receives the `Move` checks the same alias,
follows the new actor and stops following the old (`handlers/interactions.handle_move`).
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import ContentError
from migrantnet.federation.actors import resolve_handle
from migrantnet.federation.context import AS_CONTEXT
from migrantnet.federation.delivery import follower_inboxes, queue_activity
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import Actor

logger = logging.getLogger("migrantnet.federation.moves")

MAX_ALIASES = 16


class MoveRefused(ContentError):
    """An alias or a move that cannot be made; the message says why."""


def move_activity(ap_id: str, actor: Actor, target_id: str) -> dict[str, object]:
    """Mastodon's shape: the object is the actor itself, to its followers."""
    return {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": "Move",
        "actor": actor.ap_id,
        "object": actor.ap_id,
        "target": target_id,
        "to": [actor.followers_url] if actor.followers_url else [],
    }


async def add_alias(session: AsyncSession, fed: Federation, actor: Actor, old: str) -> Actor:
    """Name the actor `old` (an URL or a handle) as an earlier account of ours `actor`, once
    it is fetched; followers are sent the actor's `Update`. Returns the old actor."""
    return await name_alias(session, fed, actor, await resolve_handle(session, fed, old))


async def name_alias(
    session: AsyncSession, fed: Federation, actor: Actor, previous: Actor
) -> Actor:
    """`add_alias` once the old actor is fetched (`resolve_handle`): a form fetches it first,
    with no transaction open, and writes in a transaction of its own."""
    if previous.local:
        raise MoveRefused(f"{previous.ap_id} is on this node: an alias names an account elsewhere")
    if previous.ap_id in actor.also_known_as:
        return previous
    if len(actor.also_known_as) >= MAX_ALIASES:
        raise MoveRefused(f"{actor.slug} already has {MAX_ALIASES} aliases")
    actor.also_known_as = [*actor.also_known_as, previous.ap_id]
    await session.flush()
    await ActivityPubNotifier(fed).actor_updated(session, actor)
    log_event(logger, "alias_added", slug=actor.slug, domain=previous.domain)
    return previous


async def move_association(
    session: AsyncSession, fed: Federation, actor: Actor, new: str
) -> tuple[Actor, int]:
    """Move `actor` (ours) to the actor `new` names, which must list it in `alsoKnownAs`
    (fetched afresh); returns the target and how many inboxes are sent the `Move`."""
    if actor.moved_to and actor.moved_to != new:
        raise MoveRefused(f"{actor.slug} has already moved to {actor.moved_to}")
    target = await resolve_handle(session, fed, new)
    if target.local:
        raise MoveRefused(f"{new} is on this node: a move goes to another node")
    if actor.ap_id not in (target.also_known_as or []):
        raise MoveRefused(
            f"{target.ap_id} does not name {actor.ap_id} in its alsoKnownAs: run "
            "`migrantnet associations alias` on its node first"
        )
    actor.moved_to = target.ap_id
    await session.flush()
    notifier = ActivityPubNotifier(fed)
    await notifier.actor_updated(session, actor)
    inboxes = await follower_inboxes(session, actor)
    payload = move_activity(fed.uris.activity(), actor, target.ap_id)
    await queue_activity(session, fed, actor, payload, inboxes)
    log_event(logger, "association_moved", slug=actor.slug, inboxes=len(inboxes))
    return target, len(inboxes)
