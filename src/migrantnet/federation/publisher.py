"""The federation side of publishing: Create, Update and Delete queued for followers.

Public objects also reach the followers of the node's `Application` actor (a Mobilizon
instance or a relay "following the node"): the node actor `Announce`s each new public object
to them, and they get the author's Update and Delete as well.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import get_node_actor
from migrantnet.content.details import load_details
from migrantnet.content.formatting import iso
from migrantnet.content.reply_targets import answered_author
from migrantnet.federation.actors import ActorUnavailable, resolve_handle
from migrantnet.federation.context import AS_CONTEXT, PUBLIC
from migrantnet.federation.delivery import cancel_pending, follower_inboxes, queue_activity
from migrantnet.federation.groups import relay_member_activity
from migrantnet.federation.serialize.activities import (
    create_activity,
    delete_activity,
    update_activity,
)
from migrantnet.federation.serialize.actor import actor_to_ap
from migrantnet.federation.serialize.objects import addressing, group_of, object_to_ap
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import Actor, ContentObject, Visibility
from migrantnet.uris import Uris

logger = logging.getLogger("migrantnet.federation.publisher")


class ActivityPubNotifier:
    """Implements `content.publishing.ChangeNotifier` for ActivityPub."""

    def __init__(self, fed: Federation) -> None:
        self.fed = fed

    async def _recipients(
        self, session: AsyncSession, obj: ContentObject, actor: Actor
    ) -> list[str]:
        mentioned = [
            *await self._resolve_mentions(session, obj),
            *await self._answered_inbox(session, obj),
        ]
        if obj.visibility == Visibility.DIRECT:
            return mentioned
        group = await self._group(session, obj)
        to_group = [group.inbox_url] if group is not None and not group.local else []
        return sorted({*await follower_inboxes(session, actor), *mentioned, *to_group})

    async def _group(self, session: AsyncSession, obj: ContentObject) -> Actor | None:
        """The group the object was posted to (FEP-1b12 `audience`), if any."""
        ap_id = group_of(obj)
        if ap_id is None:
            return None
        return await session.scalar(select(Actor).where(Actor.ap_id == ap_id))

    async def _local_group_relays(
        self, session: AsyncSession, obj: ContentObject, actor: Actor, payload: dict[str, Any]
    ) -> None:
        """Posted to a group of this node: the group announces it at once, no HTTP."""
        group = await self._group(session, obj)
        if group is not None and group.local:
            await relay_member_activity(session, self.fed, [group], actor, payload, obj.ap_id)

    async def _answered_inbox(self, session: AsyncSession, obj: ContentObject) -> list[str]:
        """A reply goes to the inbox of the author it answers too (their server shows it in
        the thread); none when they are on this node."""
        answered = answered_author(obj)
        if answered is None:
            return []
        author = await session.scalar(select(Actor).where(Actor.ap_id == answered[0]))
        if author is None or author.local or author.deleted_at is not None:
            return []
        return [author.preferred_inbox]

    async def _resolve_mentions(self, session: AsyncSession, obj: ContentObject) -> list[str]:
        """Turn `@user@host` into actor ids (WebFinger, once per object) and return the
        inboxes of the mentioned, who are sent the object too, as Mastodon does."""
        tags, inboxes = [], []
        for tag in obj.tags or []:
            if tag.get("type") == "Mention":
                try:
                    mentioned = await resolve_handle(session, self.fed, tag["name"])
                except (ActorUnavailable, ValueError) as exc:
                    log_event(logger, "mention_unresolved", reason=str(exc)[:200])
                    tags.append(tag)
                    continue
                tag = {**tag, "href": mentioned.ap_id}
                if not mentioned.local:
                    inboxes.append(mentioned.preferred_inbox)
            tags.append(tag)
        if tags != list(obj.tags or []):
            obj.tags = tags
            await session.flush()
        return inboxes

    async def _relay_inboxes(self, session: AsyncSession, obj: ContentObject) -> list[str]:
        if obj.visibility != Visibility.PUBLIC:
            return []
        node = await get_node_actor(session)
        return await follower_inboxes(session, node) if node is not None else []

    async def _announce_to_node_followers(
        self, session: AsyncSession, obj: ContentObject, already: list[str]
    ) -> None:
        inboxes = sorted(set(await self._relay_inboxes(session, obj)) - set(already))
        node = await get_node_actor(session)
        if not inboxes or node is None:
            return
        payload = {
            "@context": AS_CONTEXT,
            "id": Uris.relay_of(obj.ap_id),
            "type": "Announce",
            "actor": node.ap_id,
            "published": iso(obj.published_at),
            "to": [PUBLIC],
            "cc": [node.followers_url] if node.followers_url else [],
            "object": obj.ap_id,
        }
        await queue_activity(session, self.fed, node, payload, inboxes, object_ap_id=obj.ap_id)

    async def _object(
        self, session: AsyncSession, obj: ContentObject, actor: Actor
    ) -> dict[str, Any]:
        return object_to_ap(await load_details(session, obj, actor), self.fed.uris)

    async def object_created(self, session: AsyncSession, obj: ContentObject, actor: Actor) -> None:
        inboxes = await self._recipients(session, obj, actor)
        payload = create_activity(await self._object(session, obj, actor))
        await queue_activity(session, self.fed, actor, payload, inboxes, object_ap_id=obj.ap_id)
        await self._announce_to_node_followers(session, obj, inboxes)
        await self._local_group_relays(session, obj, actor, payload)

    async def object_updated(self, session: AsyncSession, obj: ContentObject, actor: Actor) -> None:
        inboxes = await self._recipients(session, obj, actor)
        doc = await self._object(session, obj, actor)
        payload = update_activity(doc, actor.ap_id, self.fed.now())
        inboxes += await self._relay_inboxes(session, obj)
        await queue_activity(session, self.fed, actor, payload, inboxes, object_ap_id=obj.ap_id)
        await self._local_group_relays(session, obj, actor, payload)

    async def object_deleted(self, session: AsyncSession, obj: ContentObject, actor: Actor) -> None:
        to, cc = addressing(obj.visibility, actor.followers_url)
        group = group_of(obj)
        if group is not None:
            cc = [*cc, group]
        payload = delete_activity(obj.ap_id, actor.ap_id, obj.type, to, cc, self.fed.now())
        if group is not None:
            payload["audience"] = group
        inboxes = await self._recipients(session, obj, actor)
        inboxes += await self._relay_inboxes(session, obj)
        activity = await queue_activity(
            session, self.fed, actor, payload, inboxes, object_ap_id=obj.ap_id
        )
        await cancel_pending(session, obj.ap_id, keep_activity_id=activity.id)
        await self._local_group_relays(session, obj, actor, payload)

    async def actor_updated(
        self, session: AsyncSession, actor: Actor, *, key_changed: bool = False
    ) -> None:
        """Tell followers the actor changed; after a new key, only once every process of the
        node serves it (see `queue_activity`)."""
        doc = actor_to_ap(actor, self.fed.uris)
        payload = {
            "@context": doc["@context"],
            "id": Uris.update_of(actor.ap_id, self.fed.now()),
            "type": "Update",
            "actor": actor.ap_id,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {key: value for key, value in doc.items() if key != "@context"},
        }
        delay = self.fed.settings.render_cache_check_seconds + 1.0 if key_changed else 0.0
        await queue_activity(
            session,
            self.fed,
            actor,
            payload,
            await follower_inboxes(session, actor),
            delay_seconds=delay,
        )
