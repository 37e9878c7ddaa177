"""Public keys of signers: from our database first, else fetched, refetched once on failure.

Key ids come in several shapes (research §2.3): `<actor>#main-key` (Mastodon and most),
`<actor>/main-key` serving a stub or a bare key (GoToSocial), or a key document whose `owner`
points at the actor. Whatever the shape, the key must belong to its actor both ways: the actor
lists the key, and the key names the actor.

No database connection is held while a key is fetched: reads are short sessions of their own,
and a fetched actor is kept in memory (`KeyResolver.fetched`) until the signature it vouches for
has been checked; only then does the inbox store it. A signer's host that accepts and never
answers once held a pooled connection for 30 s per request, and 150 such requests exhausted
the pool for everyone.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from migrantnet.content.associations import get_node_actor
from migrantnet.federation.actors import (
    ActorUnavailable,
    fetch_actor_signed,
    find_actor_by_key,
    host_of,
)
from migrantnet.federation.errors import RateLimited
from migrantnet.federation.fetch import FetchError, Signer
from migrantnet.federation.normalize import first_id
from migrantnet.federation.parse import ParsedActor, ParseError, parse_actor
from migrantnet.federation.service import Federation, signer_for
from migrantnet.federation.signatures.key_lookup import KeyUnavailable, PublicKey
from migrantnet.logs import log_event
from migrantnet.models import Actor

logger = logging.getLogger("migrantnet.federation.signer_keys")


def _as_public_key(actor: Actor) -> PublicKey | None:
    if not actor.public_key_pem or not actor.public_key_id:
        return None
    return PublicKey(
        key_id=actor.public_key_id, owner=actor.ap_id, public_key_pem=actor.public_key_pem
    )


class KeyResolver:
    """The `key_lookup` callable `verify_request` wants, for one request."""

    def __init__(self, fed: Federation) -> None:
        self.fed = fed
        self.fetched: ParsedActor | None = None  # to store once the signature is verified
        # Over the key-fetch limit: the inbox answers this (429, retried by peers), not 401.
        self.rate_limited: RateLimited | None = None

    async def __call__(self, key_id: str, refresh: bool) -> PublicKey | None:
        kept = self.fed.known_keys
        if not refresh:
            key = kept.get(key_id)
            if key is not None:
                return key
            async with self.fed.db.session() as session:
                known = await find_actor_by_key(session, key_id)
            if known is not None and known.public_key_id == key_id:
                key = _as_public_key(known)
                if key is not None and not known.local:
                    kept.keep(key)
                return key
            if known is not None and known.local:
                return None
        kept.forget(key_id)
        guard = self.fed.inbox_guard
        if guard.failed_keys.recently_failed(key_id):
            raise KeyUnavailable("fetching it failed recently; not yet again")
        wait = guard.key_hosts.take(host_of(key_id))
        if wait:
            self.rate_limited = RateLimited(
                f"too many unknown keys from {host_of(key_id)}", max(1, math.ceil(wait))
            )
            raise KeyUnavailable(str(self.rate_limited))
        try:
            parsed = await fetch_key_owner(self.fed, key_id, await self._signer())
        except ActorUnavailable as exc:
            guard.failed_keys.remember(key_id)
            log_event(logger, "key_fetch_failed", domain=host_of(key_id))
            raise KeyUnavailable(str(exc)) from exc
        guard.failed_keys.forget(key_id)
        log_event(logger, "key_fetched", domain=host_of(key_id), refresh=refresh)
        self.fetched = parsed
        if parsed.public_key_id is None or parsed.public_key_pem is None:
            raise KeyUnavailable(f"actor {parsed.ap_id} has no usable key")
        return PublicKey(
            key_id=parsed.public_key_id, owner=parsed.ap_id, public_key_pem=parsed.public_key_pem
        )

    async def _signer(self) -> Signer | None:
        """Fetches are signed by the node actor (authorized-fetch peers); read, then released."""
        async with self.fed.db.session() as session:
            node = await get_node_actor(session)
        return signer_for(node) if node is not None else None


async def fetch_key_owner(fed: Federation, key_id: str, sign: Signer | None) -> ParsedActor:
    """Dereference a key id to the actor that owns it (parsed, not stored)."""
    url = key_id.split("#", 1)[0]
    if fed.uris.is_local(url):
        raise ActorUnavailable(f"{key_id} is not a key of ours")
    try:
        doc: dict[str, Any] = await fed.client.get_json(url, sign=sign)
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
        parsed = await fetch_actor_signed(fed, owner, sign)
    if parsed.ap_id != owner:
        raise ActorUnavailable(f"{owner} answered with another id: {parsed.ap_id}")
    if parsed.public_key_id != key_id or not parsed.public_key_pem:
        raise ActorUnavailable(f"actor {parsed.ap_id} does not list key {key_id}")
    return parsed


def _owner_of(doc: dict[str, Any], url: str) -> str | None:
    """The actor a fetched key document belongs to: the document itself when it is the actor."""
    if "inbox" in doc or doc.get("type") in {"Person", "Organization", "Group", "Service"}:
        return first_id(doc.get("id")) or url
    return first_id(doc.get("owner")) or first_id(doc.get("controller"))
