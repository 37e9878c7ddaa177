"""Receiving activities: verify, check, store once, answer 202. Applying them comes later.

Order matters: blocked domains are refused before any key is fetched; the signature is checked
before anything is stored (a fetched key too); a verified sender over its rate limit gets 429;
a repeated activity id changes nothing. No database connection is held across a network call.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from migrantnet.db import insert_unless_present
from migrantnet.federation.actors import ActorUnavailable, host_of, store_actor
from migrantnet.federation.context import is_activity_json
from migrantnet.federation.errors import (
    BadActivity,
    NotAllowed,
    PayloadTooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)
from migrantnet.federation.normalize import first_id
from migrantnet.federation.parse import ParsedActor, ParseError, parse_activity
from migrantnet.federation.payload import decode_json
from migrantnet.federation.service import Federation
from migrantnet.federation.signatures.key_lookup import PublicKey
from migrantnet.federation.signatures.primitives import SignatureError
from migrantnet.federation.signatures.verify import verify_request
from migrantnet.federation.signer_keys import KeyResolver
from migrantnet.logs import log_event
from migrantnet.models import (
    Actor,
    BlockKind,
    Delivery,
    DeliveryState,
    DomainHealth,
    InboxActivity,
)

logger = logging.getLogger("migrantnet.federation.inbox")

MAX_BODY_BYTES = 1_048_576  # Mastodon drops inbound JSON over 1 MB
MAX_ID_LENGTH = 2048  # the length of our id columns
OBJECT_OWNED_TYPES = frozenset({"Create", "Update"})
INBOX_TABLE: Table = InboxActivity.__table__  # type: ignore[assignment]


def decode_activity(content_type: str | None, body: bytes) -> dict[str, Any]:
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"activity larger than {MAX_BODY_BYTES} bytes")
    if not is_activity_json(content_type):
        raise UnsupportedMediaType(f"content type {content_type!r} is not ActivityStreams JSON")
    try:
        doc = decode_json(body)
    except ValueError as exc:
        raise BadActivity(f"body is not valid JSON: {str(exc)[:200]}") from None
    if not isinstance(doc, dict):
        raise BadActivity("body is not a JSON object")
    try:
        # `"\ud800"` is valid JSON but no text: a lone surrogate cannot be stored (a 500).
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadActivity("body has a lone surrogate (\\uD800-\\uDFFF): not valid text") from None
    return doc


def activity_key(doc: Mapping[str, Any], body: bytes) -> str:
    """The activity id, or for the rare activity without one a digest of its bytes."""
    ap_id = doc.get("id")
    if isinstance(ap_id, str) and ap_id:
        return ap_id
    return "urn:sha256:" + hashlib.sha256(body).hexdigest()


async def receive(
    fed: Federation,
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
) -> tuple[int | None, bool]:
    """Verify and store one delivered activity. Returns (stored row id or None, duplicate).

    Three steps: refuse what is blocked (from memory, `fed.blocklist`), verify the signature
    (the key from memory or one short read, or fetched over the network with no connection
    held), store (one INSERT for a known signer). A slow or silent key host thus costs a
    waiting task, never a pooled connection.
    """
    doc = decode_activity(headers.get("content-type"), body)
    try:
        parsed = parse_activity(doc)
    except ParseError as exc:
        raise BadActivity(f"not an activity: {exc}") from None
    if len(parsed.actor) > MAX_ID_LENGTH or len(parsed.ap_id or "") > MAX_ID_LENGTH:
        raise BadActivity(f"ids longer than {MAX_ID_LENGTH} characters are not accepted")
    if fed.uris.is_local(parsed.actor):
        # Our own actors never deliver to us over HTTP; such a request is a loop or a forgery.
        raise NotAllowed("activities of this node's own actors are not accepted from outside")
    actor_host = host_of(parsed.actor)

    blocked = await fed.blocklist.covering(parsed.actor, actor_host)
    if blocked is not None:
        log_event(logger, "inbox_refused", reason="blocked", domain=actor_host)
        what = actor_host if blocked == BlockKind.DOMAIN else "this account"
        raise NotAllowed(f"{what} is blocked on this node: nothing of it is accepted")
    if parsed.type == "Delete" and parsed.object_id == parsed.actor:
        async with fed.db.session() as session:
            known = await session.scalar(select(Actor.id).where(Actor.ap_id == parsed.actor))
        if known is None:
            # An account deletion from an actor we never knew: nothing to undo, key gone.
            return None, True

    resolver = await _authenticate(fed, method, url, headers, body, parsed.actor)
    _check_origin(doc, parsed.type, parsed.actor)
    fed.inbox_guard.admit(parsed.actor, actor_host)

    key = activity_key(doc, body)
    values = {
        "ap_id": key,
        "type": parsed.type[:64],
        "actor_ap_id": parsed.actor,
        "payload": doc,
        "received_at": fed.now(),
    }
    # Read before the write transaction: a read waiting for a pooled connection while holding
    # SQLite's write lock stalls every writer behind it.
    revive = await fed.unavailable_hosts.includes(actor_host)
    if resolver.fetched is None and not revive:
        # A known signer, the common case: stored with the others accepted at the same time,
        # one INSERT in one transaction (a repeated id inserts nothing and gets no id).
        row_id = await fed.inbox_intake.store(values)
    else:
        statement = (
            insert_unless_present(INBOX_TABLE, dialect=fed.db.dialect, key=INBOX_TABLE.c.ap_id)
            .values(values)
            .returning(INBOX_TABLE.c.id)
        )
        row_id = await _store_with_signer(fed, statement, resolver.fetched, actor_host, revive)
    if row_id is None:
        log_event(logger, "inbox_duplicate", type=parsed.type, domain=actor_host)
        return None, True
    log_event(logger, "inbox_received", type=parsed.type, domain=actor_host)
    return row_id, False


async def _authenticate(
    fed: Federation,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    actor: str,
) -> KeyResolver:
    resolver = KeyResolver(fed)
    try:
        verified = await verify_request(
            method, url, headers, body, key_lookup=resolver, now=fed.now()
        )
    except SignatureError as exc:
        if resolver.rate_limited is not None:
            raise resolver.rate_limited from None
        log_event(logger, "signature_refused", domain=host_of(actor), reason=exc.reason)
        raise Unauthenticated(exc.reason) from None
    if verified.owner != actor:
        raise Unauthenticated(f"signed by {verified.owner} but the activity's actor is {actor}")
    return resolver


async def _store_with_signer(
    fed: Federation,
    statement: Executable,
    fetched: ParsedActor | None,
    actor_host: str,
    revive: bool,
) -> int | None:
    """The INSERT with what a first contact or a host coming back needs beside it: the
    signer's actor kept, the host marked available again (not when the id was a repeat)."""
    async with fed.db.session(write=True) as session:
        if fetched is not None:
            await _store_signer(session, fed, fetched)
        row_id: int | None = await session.scalar(statement)
        if row_id is None:
            await session.rollback()
            return None
        if revive:
            await _mark_alive(session, fed, actor_host)
        await session.commit()
    return row_id


async def _store_signer(session: AsyncSession, fed: Federation, parsed: ParsedActor) -> None:
    """Keep the actor whose key was fetched, now that its signature has been checked. Two
    first deliveries of one actor at once both fetch it: the second finds it stored."""
    try:
        await store_actor(session, parsed, fed.now())
        await session.commit()
        if parsed.public_key_id and parsed.public_key_pem:
            fed.known_keys.keep(
                PublicKey(parsed.public_key_id, parsed.ap_id, parsed.public_key_pem)
            )
    except IntegrityError:
        await session.rollback()
    except ActorUnavailable as exc:  # unusable for storage (an id too long): apply it anyway
        await session.rollback()
        log_event(logger, "signer_not_stored", domain=host_of(parsed.ap_id), reason=str(exc))


def _check_origin(doc: Mapping[str, Any], kind: str, actor: str) -> None:
    """An activity and the object it creates or changes must come from the signer's host."""
    host = host_of(actor)
    activity_id = doc.get("id")
    if isinstance(activity_id, str) and activity_id and host_of(activity_id) != host:
        raise NotAllowed(f"activity id {activity_id} is not on the actor's host {host}")
    if kind in OBJECT_OWNED_TYPES or kind == "Delete":
        object_id = first_id(doc.get("object"))
        if object_id and host_of(object_id) != host:
            raise NotAllowed(f"object {object_id} is not on the actor's host {host}")


async def _mark_alive(session: AsyncSession, fed: Federation, domain: str) -> None:
    """A signed request from a host marked unavailable: it is back, deliver to it again."""
    health = await session.get(DomainHealth, domain)
    if health is None or not health.unavailable:
        return
    health.record_success(fed.now())
    await session.execute(
        update(Delivery)
        .where(Delivery.domain == domain, Delivery.state == DeliveryState.QUEUED)
        .values(next_attempt_at=fed.now())
    )
    log_event(logger, "domain_available_again", domain=domain)
    fed.unavailable_hosts.invalidate()
    fed.wakeup.set()
