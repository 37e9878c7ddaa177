"""Join of one of our declarations (a co-signature) and its Undo."""

from __future__ import annotations

import logging

from sqlalchemy import select

from migrantnet.content.cosignatures import add_signature, cosign_decision, remove_signature
from migrantnet.content.errors import InvalidInput
from migrantnet.federation.delivery import queue_activity
from migrantnet.federation.handlers.base import Inbound
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.serialize.activities import accept_activity, reject_activity
from migrantnet.logs import log_event
from migrantnet.models import Actor, ContentObject, Cosignature, CosignState, InboxState, Kind
from migrantnet.models.required import get_required

logger = logging.getLogger("migrantnet.federation.handlers")


async def _our_declaration(inbound: Inbound, object_id: str | None) -> ContentObject | None:
    if not object_id or not inbound.fed.uris.is_local(object_id):
        return None
    return await inbound.session.scalar(
        select(ContentObject).where(
            ContentObject.ap_id == object_id,
            ContentObject.local.is_(True),
            ContentObject.kind == Kind.DECLARATION,
            ContentObject.deleted_at.is_(None),
        )
    )


async def handle_join(inbound: Inbound) -> InboxState:
    """A signature by a peer: refused for a person unless the author allows people, accepted
    at once from a trusted signer, else kept pending until the author approves it."""
    declaration = await _our_declaration(inbound, inbound.activity.object_id)
    if declaration is None or inbound.activity.ap_id is None:
        return InboxState.IGNORED  # a Join of something else (an event, a group): not ours
    author = await get_required(inbound.session, Actor, declaration.actor_id)
    join = {
        "id": inbound.activity.ap_id,
        "type": "Join",
        "actor": inbound.sender.ap_id,
        "object": declaration.ap_id,
    }
    decision = cosign_decision(author, inbound.sender)
    fed, session = inbound.fed, inbound.session
    if decision is None:
        reject = reject_activity(fed.uris.activity(), author.ap_id, join)
        await queue_activity(session, fed, author, reject, [inbound.sender.inbox_url])
        log_event(logger, "cosign_refused", domain=inbound.sender.domain, type=inbound.sender.type)
        return InboxState.DONE
    try:
        added = await add_signature(
            session, declaration, inbound.sender, inbound.activity.ap_id, state=decision
        )
    except InvalidInput:
        return InboxState.IGNORED
    state = await session.scalar(
        select(Cosignature.state).where(
            Cosignature.declaration_id == declaration.id,
            Cosignature.actor_id == inbound.sender.id,
        )
    )
    if state == CosignState.PENDING:
        log_event(logger, "cosign_pending", domain=inbound.sender.domain)
        return InboxState.DONE  # the Accept is sent when the author approves
    await accept_join(inbound, author, declaration, join)
    if added:
        await ActivityPubNotifier(inbound.fed).object_updated(inbound.session, declaration, author)
    return InboxState.DONE


async def accept_join(
    inbound: Inbound, author: Actor, declaration: ContentObject, join: dict[str, str]
) -> None:
    accept = accept_activity(inbound.fed.uris.activity(), author.ap_id, join)
    await queue_activity(inbound.session, inbound.fed, author, accept, [inbound.sender.inbox_url])


async def undo_join(inbound: Inbound, inner: dict[str, object]) -> InboxState:
    target = inner.get("object")
    target_id = target.get("id") if isinstance(target, dict) else target
    declaration = await _our_declaration(inbound, target_id if isinstance(target_id, str) else None)
    if declaration is None:
        return InboxState.IGNORED
    if await remove_signature(inbound.session, declaration, inbound.sender) is None:
        return InboxState.IGNORED
    author = await get_required(inbound.session, Actor, declaration.actor_id)
    await ActivityPubNotifier(inbound.fed).object_updated(inbound.session, declaration, author)
    return InboxState.DONE
