"""What a group we follow relays (FEP-1b12): `Announce{Create|Update|Delete}` of a member's
activity. The wrapped activity is never taken as it is: objects are fetched again from
their origin, and a Delete is applied only when the origin says the object is gone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from migrantnet.content.group_threads import record_group_share
from migrantnet.content.remote import delete_remote_object, find_object
from migrantnet.federation.actors import node_signer
from migrantnet.federation.fetch import FetchError, HTTPStatusError
from migrantnet.federation.handlers.base import Inbound
from migrantnet.federation.handlers.objects import sender_is_followed, store_announced
from migrantnet.federation.normalize import first_id, type_names
from migrantnet.models import Actor, InboxState, Interaction

WRAPPED = frozenset({"Create", "Update", "Delete"})


def wrapped_activity(inner: Mapping[str, Any] | None) -> str | None:
    """The type of the activity an Announce wraps (`Create`...), None for a plain object."""
    if inner is None:
        return None
    names = type_names(inner)
    return names[0] if names and names[0] in WRAPPED else None


async def _record_share(inbound: Inbound, object_id: str) -> None:
    """Remember that the group shared the object (its agenda, and "via" in ours), once."""
    session = inbound.session
    known = await session.scalar(
        select(Interaction.id).where(
            Interaction.actor_id == inbound.sender.id,
            Interaction.type == "Announce",
            Interaction.object_ap_id == object_id,
        )
    )
    if known is not None or inbound.activity.ap_id is None:
        return
    try:
        async with session.begin_nested():
            session.add(
                Interaction(
                    ap_id=inbound.activity.ap_id,
                    type="Announce",
                    actor_id=inbound.sender.id,
                    object_ap_id=object_id,
                )
            )
    except IntegrityError:
        return


async def _gone_at_origin(inbound: Inbound, object_id: str) -> bool:
    try:
        doc = await inbound.fed.client.get_json(
            object_id, sign=await node_signer(inbound.session, inbound.fed)
        )
    except HTTPStatusError as exc:
        return exc.status in (404, 410)
    except FetchError:
        return False
    return "Tombstone" in type_names(doc)


async def handle_group_announce(
    inbound: Inbound, kind: str, inner: Mapping[str, Any]
) -> InboxState:
    if not await sender_is_followed(inbound):
        return InboxState.IGNORED
    object_id = first_id(inner.get("object"))
    if not object_id:
        return InboxState.IGNORED
    if kind == "Delete":
        existing = await find_object(inbound.session, object_id)
        if existing is None or existing.local or existing.deleted_at is not None:
            return InboxState.IGNORED
        if not await _gone_at_origin(inbound, object_id):
            return InboxState.IGNORED
        author = await inbound.session.get(Actor, existing.actor_id)
        if author is None:
            return InboxState.IGNORED
        deleted = await delete_remote_object(inbound.session, author, object_id, inbound.fed.now())
        return InboxState.DONE if deleted else InboxState.IGNORED
    if not inbound.fed.uris.is_local(object_id) and not await store_announced(
        inbound, object_id, refresh=kind == "Update"
    ):
        return InboxState.IGNORED
    await _record_share(inbound, object_id)
    # a thread of the group, or a reply in one, as the group's page shows it
    await record_group_share(inbound.session, inbound.sender, object_id, inbound.fed.now())
    return InboxState.DONE
