"""Co-signing across nodes, as `Join` of a declaration (documented in FEDERATION.md).

The signer's node sends `Join{object: <declaration>}` to the author; the author's node records
the signature, answers `Accept`, and sends an `Update` of the declaration, whose `signatories`
collection now names the signer. `Undo{Join}` withdraws the signature. Servers that do not know
the convention see a Join they ignore; the declaration's text stays whole everywhere.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.cosignatures import (
    add_signature,
    approve,
    check_declaration,
    discard_pending,
    find_pending,
    remove_signature,
)
from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.content.remote import find_object, store_remote_object
from migrantnet.federation.actors import get_or_fetch_actor, host_of, node_signer
from migrantnet.federation.context import AS_CONTEXT
from migrantnet.federation.delivery import queue_activity
from migrantnet.federation.fetch import FetchError
from migrantnet.federation.handlers.objects import to_remote_data
from migrantnet.federation.parse import ParseError, parse_object
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.serialize.activities import (
    accept_activity,
    reject_activity,
    undo_activity,
)
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import Actor, ContentObject
from migrantnet.models.required import get_required
from migrantnet.translations import N_
from migrantnet.uris import Uris

logger = logging.getLogger("migrantnet.federation.cosigning")


def join_activity(ap_id: str, signer: str, declaration: str) -> dict[str, object]:
    return {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": "Join",
        "actor": signer,
        "object": declaration,
    }


async def declaration_to_sign(session: AsyncSession, fed: Federation, url: str) -> ContentObject:
    """Ours from the database; a remote one fetched and stored, so its signature can be kept.
    A form calls it before its savepoint (`sign_declaration` after): on SQLite a transaction
    that has read across a fetch cannot write once another connection committed."""
    obj = await find_object(session, url)
    if obj is not None or fed.uris.is_local(url):
        return check_declaration(obj, url)
    try:
        doc = await fed.client.get_json(url, sign=await node_signer(session, fed))
        parsed = parse_object(doc)
    except (FetchError, ParseError) as exc:
        raise InvalidInput(
            "declaration", N_("could not fetch %(url)s: %(exc)s"), url=url, exc=exc
        ) from None
    if (
        parsed.ap_id != url
        or not parsed.attributed_to
        or host_of(parsed.attributed_to) != host_of(url)
    ):
        raise InvalidInput("declaration", N_("%(url)s is not a declaration of its host"), url=url)
    author = await get_or_fetch_actor(session, fed, parsed.attributed_to)
    data = to_remote_data(parsed, author, fed.now())
    stored = await store_remote_object(session, author, data)
    if stored is None:
        raise InvalidInput("declaration", N_("%(url)s was deleted"), url=url)
    stored.kind = "declaration"
    return stored


async def cosign_declaration(
    session: AsyncSession, fed: Federation, signer: Actor, url: str
) -> None:
    await sign_declaration(session, fed, signer, await declaration_to_sign(session, fed, url), url)


async def sign_declaration(
    session: AsyncSession, fed: Federation, signer: Actor, declaration: ContentObject, url: str
) -> None:
    """`signer`'s signature on `declaration` (found by `declaration_to_sign` at `url`)."""
    author = await get_required(session, Actor, declaration.actor_id)
    ap_id = fed.uris.activity()
    if not await add_signature(session, declaration, signer, ap_id):
        return
    if author.local:
        await ActivityPubNotifier(fed).object_updated(session, declaration, author)
    else:
        await queue_activity(
            session, fed, signer, join_activity(ap_id, signer.ap_id, url), [author.inbox_url]
        )
    log_event(logger, "cosigned", signer=signer.slug, domain=author.domain)


async def withdraw_cosignature(
    session: AsyncSession, fed: Federation, signer: Actor, url: str
) -> None:
    declaration = await find_object(session, url)
    if declaration is None:
        raise NotFound(f"{signer.slug} has not signed {url}")
    row = await remove_signature(session, declaration, signer)
    if row is None:
        raise NotFound(f"{signer.slug} has not signed {url}")
    author = await get_required(session, Actor, declaration.actor_id)
    if author.local:
        await ActivityPubNotifier(fed).object_updated(session, declaration, author)
    else:
        undo = undo_activity(
            Uris.undo_of(row.ap_id), signer.ap_id, join_activity(row.ap_id, signer.ap_id, url)
        )
        await queue_activity(session, fed, signer, undo, [author.inbox_url])
    log_event(logger, "cosignature_withdrawn", signer=signer.slug, domain=author.domain)


def _join_of(row_ap_id: str, signer: Actor, declaration: ContentObject) -> dict[str, object]:
    return {"id": row_ap_id, "type": "Join", "actor": signer.ap_id, "object": declaration.ap_id}


async def reject_cosignature(
    session: AsyncSession, fed: Federation, author: Actor, declaration_url: str, signer: str
) -> Actor:
    """The author refuses a pending signature: it is removed and the signer is sent
    `Reject{Join}`; the declaration and its signatories do not change, so nothing else is sent."""
    row, declaration, signer_actor = await find_pending(session, author, declaration_url, signer)
    join = _join_of(row.ap_id, signer_actor, declaration)
    await discard_pending(session, row)
    if not signer_actor.local:
        reject = reject_activity(fed.uris.activity(), author.ap_id, join)
        await queue_activity(session, fed, author, reject, [signer_actor.inbox_url])
    log_event(logger, "cosign_rejected", domain=signer_actor.domain)
    return signer_actor


async def approve_cosignature(
    session: AsyncSession, fed: Federation, author: Actor, declaration_url: str, signer: str
) -> Actor:
    """The author approves a pending signature: it joins the signatories, the signer is sent
    `Accept{Join}` and the followers the updated declaration."""
    row, declaration, signer_actor = await find_pending(session, author, declaration_url, signer)
    approve(row)
    join = _join_of(row.ap_id, signer_actor, declaration)
    if not signer_actor.local:
        accept = accept_activity(fed.uris.activity(), author.ap_id, join)
        await queue_activity(session, fed, author, accept, [signer_actor.inbox_url])
    await session.flush()
    await ActivityPubNotifier(fed).object_updated(session, declaration, author)
    log_event(logger, "cosign_approved", domain=signer_actor.domain)
    return signer_actor
