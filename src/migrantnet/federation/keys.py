"""Public keys of signers: from our database first, else fetched, refetched once on failure.

Key ids come in several shapes (research §2.3): `<actor>#main-key` (Mastodon and most),
`<actor>/main-key` serving a stub or a bare key (GoToSocial), or a key document whose `owner`
points at the actor. Whatever the shape, the key must belong to its actor both ways: the actor
lists the key, and the key names the actor.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.federation.actors import (
    ActorUnavailable,
    fetch_actor_document,
    find_actor_by_key,
    host_of,
    node_signer,
    store_actor,
)
from migrantnet.federation.fetch import FetchError
from migrantnet.federation.httpsig import KeyLookup, PublicKey
from migrantnet.federation.normalize import first_id
from migrantnet.federation.parse import ParseError, parse_actor
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import Actor

logger = logging.getLogger("migrantnet.federation.keys")


def _as_public_key(actor: Actor) -> PublicKey | None:
    if not actor.public_key_pem or not actor.public_key_id:
        return None
    return PublicKey(
        key_id=actor.public_key_id, owner=actor.ap_id, public_key_pem=actor.public_key_pem
    )


def key_lookup_for(session: AsyncSession, fed: Federation) -> KeyLookup:
    """The `key_lookup` callable `verify_request` wants, bound to a session."""

    async def lookup(key_id: str, refresh: bool) -> PublicKey | None:
        if not refresh:
            known = await find_actor_by_key(session, key_id)
            if known is not None and known.public_key_id == key_id:
                return _as_public_key(known)
            if known is not None and known.local:
                return None
        actor = await fetch_key_owner(session, fed, key_id)
        if actor.public_key_id != key_id:
            raise ActorUnavailable(f"actor {actor.ap_id} does not list key {key_id}")
        log_event(logger, "key_fetched", domain=host_of(key_id), refresh=refresh)
        return _as_public_key(actor)

    return lookup


async def fetch_key_owner(session: AsyncSession, fed: Federation, key_id: str) -> Actor:
    """Dereference a key id to the actor that owns it, storing the actor as fetched."""
    url = key_id.split("#", 1)[0]
    if fed.uris.is_local(url):
        raise ActorUnavailable(f"{key_id} is not a key of ours")
    try:
        doc: dict[str, Any] = await fed.client.get_json(url, sign=await node_signer(session, fed))
    except FetchError as exc:
        raise ActorUnavailable(f"could not fetch key {key_id}: {exc}") from exc
    owner = _owner_of(doc, url)
    if owner is None:
        raise ActorUnavailable(f"{key_id} names no owner")
    if host_of(owner) != host_of(key_id):
        raise ActorUnavailable(f"key {key_id} claims an owner on another host: {owner}")
    if owner == url and "inbox" in doc:
        # The key id named the actor document itself (`<actor>#main-key`): already in hand.
        try:
            parsed = parse_actor(doc)
        except ParseError as exc:
            raise ActorUnavailable(f"actor {url} is unusable: {exc}") from exc
    else:
        parsed = await fetch_actor_document(session, fed, owner)
    if parsed.ap_id != owner:
        raise ActorUnavailable(f"{owner} answered with another id: {parsed.ap_id}")
    return await store_actor(session, parsed, fed.now())


def _owner_of(doc: dict[str, Any], url: str) -> str | None:
    """The actor a fetched key document belongs to: the document itself when it is the actor."""
    if "inbox" in doc or doc.get("type") in {"Person", "Organization", "Group", "Service"}:
        return first_id(doc.get("id")) or url
    return first_id(doc.get("owner")) or first_id(doc.get("controller"))
