"""Remote actors: fetched, parsed, stored, refreshed; handles resolved through WebFinger."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import get_node_actor
from migrantnet.content.peer_values import country_code
from migrantnet.content.peer_values import topics as peer_topics
from migrantnet.content.remote import fitting
from migrantnet.content.topics import set_actor_topics
from migrantnet.federation.fetch import WEBFINGER_JSON_TYPES, FetchError, Signer
from migrantnet.federation.parse import ParsedActor, ParseError, parse_actor, parse_webfinger
from migrantnet.federation.service import Federation, signer_for
from migrantnet.logs import log_event
from migrantnet.models import Actor
from migrantnet.translations import N_, english, say
from migrantnet.uris.paths import webfinger_url

logger = logging.getLogger("migrantnet.federation.actors")

HANDLE_RE = re.compile(r"^@?([^@\s/]+)@([^@\s/]+)$")


class ActorUnavailable(Exception):
    """A remote actor could not be fetched or made sense of; the message says why.

    Like the domain's `InvalidInput`, its message is a catalogue id with its values: `str(exc)`
    is English (logs, the command line, the JSON API), `.shown()` the interface language's
    (a page that looked up a handle), a `FetchError` value saying itself there too."""

    def __init__(self, message: str, /, **values: object) -> None:
        super().__init__(english(message, **values))
        self.message = str(self)
        self.template = message
        self.values = values

    def shown(self) -> str:
        return say(self.template, **self.values)


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


async def node_signer(session: AsyncSession, fed: Federation) -> Signer | None:
    """Fetches are signed by the node actor, for authorized-fetch peers (research §2.5)."""
    node = await get_node_actor(session)
    return signer_for(node) if node is not None else None


async def fetch_actor_document(session: AsyncSession, fed: Federation, url: str) -> ParsedActor:
    return await fetch_actor_signed(fed, url, await node_signer(session, fed))


async def fetch_actor_signed(fed: Federation, url: str, sign: Signer | None) -> ParsedActor:
    """Fetch and parse an actor; no database session is involved (none is held meanwhile)."""
    try:
        doc = await fed.client.get_json(url, sign=sign)
    except FetchError as exc:
        raise ActorUnavailable(
            N_("could not fetch actor %(url)s: %(reason)s"), url=url, reason=exc
        ) from exc
    try:
        parsed = parse_actor(doc)
    except ParseError as exc:
        raise ActorUnavailable(
            N_("actor %(url)s is unusable: %(reason)s"), url=url, reason=exc
        ) from exc
    if host_of(parsed.ap_id) != host_of(url):
        raise ActorUnavailable(
            N_("actor %(url)s claims an id on another host: %(id)s"), url=url, id=parsed.ap_id
        )
    return parsed


async def store_actor(session: AsyncSession, parsed: ParsedActor, now: datetime) -> Actor:
    if len(parsed.ap_id) > 2048 or len(parsed.inbox) > 2048:
        raise ActorUnavailable(
            N_("actor %(id)s has an id or inbox too long to keep"), id=parsed.ap_id[:200]
        )
    actor = await session.scalar(select(Actor).where(Actor.ap_id == parsed.ap_id))
    if actor is None:
        actor = Actor(ap_id=parsed.ap_id, local=False)
        session.add(actor)
    elif actor.local:
        raise ActorUnavailable(N_("%(id)s is one of ours"), id=parsed.ap_id)
    actor.type = parsed.type[:64]
    actor.username = (parsed.username or "")[:255] or None
    actor.domain = host_of(parsed.ap_id)[:255]
    actor.name = parsed.name[:2048] if parsed.name else None
    actor.summary = parsed.summary
    actor.url = fitting(parsed.url, 2048)
    actor.icon_url = fitting(parsed.icon_url, 2048)
    actor.inbox_url = parsed.inbox
    actor.shared_inbox_url = fitting(parsed.shared_inbox, 2048)
    actor.outbox_url = fitting(parsed.outbox, 2048)
    actor.followers_url = fitting(parsed.followers, 2048)
    actor.following_url = fitting(parsed.following, 2048)
    actor.featured_url = fitting(parsed.featured, 2048)
    actor.public_key_id = fitting(parsed.public_key_id, 2048)
    actor.public_key_pem = parsed.public_key_pem
    actor.manually_approves_followers = parsed.manually_approves_followers
    actor.discoverable = parsed.discoverable
    actor.published_at = parsed.published
    actor.also_known_as = [item for item in parsed.also_known_as if len(item) <= 2048][:256]
    actor.moved_to = fitting(parsed.moved_to, 2048)
    actor.country = country_code(parsed.country)
    actor.fetched_at = now
    actor.deleted_at = None
    await session.flush()
    await set_actor_topics(session, actor, peer_topics(list(parsed.topics)))
    return actor


async def get_or_fetch_actor(
    session: AsyncSession, fed: Federation, ap_id: str, *, refresh: bool = False
) -> Actor:
    actor = await session.scalar(select(Actor).where(Actor.ap_id == ap_id))
    if actor is not None and (actor.local or not refresh):
        return actor
    parsed = await fetch_actor_document(session, fed, ap_id)
    if parsed.ap_id != ap_id:
        raise ActorUnavailable(
            N_("%(url)s answered with another id: %(id)s"), url=ap_id, id=parsed.ap_id
        )
    stored = await store_actor(session, parsed, fed.now())
    log_event(logger, "actor_fetched", domain=stored.domain, refreshed=refresh)
    return stored


async def find_actor_by_key(session: AsyncSession, key_id: str) -> Actor | None:
    bare = key_id.split("#", 1)[0]
    return await session.scalar(
        select(Actor)
        .where(or_(Actor.public_key_id == key_id, Actor.ap_id == bare))
        .order_by(Actor.local.desc())
        .limit(1)
    )


def parse_handle(handle: str) -> tuple[str, str]:
    match = HANDLE_RE.match(handle.strip())
    if not match:
        raise ActorUnavailable(
            N_("%(handle)s is not a handle like @name@host"), handle=repr(handle)
        )
    return match.group(1), match.group(2).lower()


async def resolve_handle(session: AsyncSession, fed: Federation, handle: str) -> Actor:
    """`@user@host` -> WebFinger -> actor document -> stored actor. Also takes an actor URL."""
    if handle.startswith(("http://", "https://")):
        return await get_or_fetch_actor(session, fed, handle, refresh=True)
    user, host = parse_handle(handle)
    if host == fed.uris.host.lower():
        # one of ours (a group an association joins): no WebFinger to ourselves
        local = await session.scalar(
            select(Actor).where(
                Actor.username == user, Actor.local.is_(True), Actor.deleted_at.is_(None)
            )
        )
        if local is None:
            raise ActorUnavailable(N_("no account %(handle)s on this node"), handle=handle)
        return local
    url = webfinger_url(fed.discovery_scheme, host)
    try:
        jrd = await fed.client.get_json(
            f"{url}?resource=acct:{user}@{host}",
            accept="application/jrd+json, application/json",
            allowed_types=WEBFINGER_JSON_TYPES,
        )
    except FetchError as exc:
        raise ActorUnavailable(
            N_("WebFinger lookup of %(handle)s failed: %(reason)s"), handle=handle, reason=exc
        ) from exc
    result = parse_webfinger(jrd)
    if not result.actor_url:
        raise ActorUnavailable(
            N_("WebFinger of %(handle)s names no ActivityPub actor"), handle=handle
        )
    return await get_or_fetch_actor(session, fed, result.actor_url, refresh=True)
