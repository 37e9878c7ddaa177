"""Associations (local `Organization` actors) and the node's own `Application` actor."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import AlreadyExists, InvalidInput, NotFound
from migrantnet.content.html import sanitize_html
from migrantnet.content.key_pairs import generate_key_pair
from migrantnet.content.languages import check_countries
from migrantnet.content.topics import check_topics, set_actor_topics
from migrantnet.models import Actor, ActorType
from migrantnet.translations import N_
from migrantnet.uris import Uris

# Mastodon can mention only usernames of this shape, so slugs stay within it.
SLUG_RE = re.compile(r"^[a-z0-9_]{1,30}$")
RESERVED_SLUGS = frozenset(
    {"actor", "relay", "admin", "api", "inbox", "static", "well_known", "moderation"}
)


def check_slug(slug: str) -> str:
    if not SLUG_RE.match(slug):
        raise InvalidInput(
            "slug",
            N_("%(slug)s must be 1 to 30 lower-case letters, digits or underscores (no spaces)"),
            slug=repr(slug),
        )
    if slug in RESERVED_SLUGS:
        raise InvalidInput("slug", N_("%(slug)s is reserved"), slug=repr(slug))
    return slug


def check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("name", N_("must not be empty"))
    if len(name) > 200:
        raise InvalidInput("name", N_("must be at most 200 characters"))
    return name


def _local_actor(uris: Uris, slug: str, kind: ActorType, username: str, name: str) -> Actor:
    private_pem, public_pem = generate_key_pair()
    ap_id = uris.actor(slug) if kind != ActorType.APPLICATION else uris.node_actor()
    return Actor(
        ap_id=ap_id,
        type=kind,
        local=True,
        slug=slug,
        username=username,
        domain=uris.host,
        name=name,
        url=ap_id,
        inbox_url=uris.inbox(slug) if kind != ActorType.APPLICATION else uris.node_inbox(),
        shared_inbox_url=uris.shared_inbox(),
        outbox_url=uris.outbox(slug) if kind != ActorType.APPLICATION else uris.node_outbox(),
        followers_url=(
            uris.followers(slug) if kind != ActorType.APPLICATION else uris.node_followers()
        ),
        following_url=uris.following(slug) if kind != ActorType.APPLICATION else None,
        featured_url=uris.featured(slug) if kind != ActorType.APPLICATION else None,
        public_key_id=Uris.key_id(ap_id),
        public_key_pem=public_pem,
        private_key_pem=private_pem,
        discoverable=True,
    )


def _clean_summary(summary: str | None) -> str | None:
    """The presentation is HTML shown as is on the association's page: sanitised here, on
    every way in (creating once skipped it, and `<script>` went to the page)."""
    return sanitize_html(summary) if summary is not None else None


async def create_association(
    session: AsyncSession,
    uris: Uris,
    *,
    slug: str,
    name: str,
    summary: str | None = None,
    manually_approves_followers: bool = False,
    kind: ActorType = ActorType.ORGANIZATION,
) -> Actor:
    """Create a local association actor with its own RSA key pair (flushed, not committed)."""
    slug = check_slug(slug)
    name = check_name(name)
    if await session.scalar(select(Actor.id).where(Actor.slug == slug)) is not None:
        raise AlreadyExists(f"an association named {slug!r} already exists")
    actor = _local_actor(uris, slug, kind, slug, name)
    actor.summary = _clean_summary(summary)
    actor.manually_approves_followers = manually_approves_followers
    session.add(actor)
    await session.flush()
    return actor


# The node actor's slug cannot collide with an association's (those never hold a dot).
NODE_ACTOR_SLUG = "_node.actor"


async def get_node_actor(session: AsyncSession) -> Actor | None:
    return await session.scalar(select(Actor).where(Actor.slug == NODE_ACTOR_SLUG))


async def ensure_node_actor(session: AsyncSession, uris: Uris, name: str) -> Actor:
    """The `Application` actor that signs fetches and relays the node (FEP-2677)."""
    actor = await get_node_actor(session)
    if actor is None:
        # Mastodon names its instance actor after the domain; Mobilizon looks for `relay@`.
        actor = _local_actor(uris, NODE_ACTOR_SLUG, ActorType.APPLICATION, "relay", name)
        session.add(actor)
        await session.flush()
    return actor


async def get_association(session: AsyncSession, slug: str) -> Actor:
    actor = await session.scalar(
        select(Actor).where(Actor.slug == slug, Actor.local.is_(True), Actor.deleted_at.is_(None))
    )
    if actor is None or actor.type == ActorType.APPLICATION:
        raise NotFound(f"no association named {slug!r}")
    return actor


async def list_associations(session: AsyncSession) -> list[Actor]:
    rows = await session.scalars(
        select(Actor)
        .where(
            Actor.local.is_(True),
            Actor.deleted_at.is_(None),
            Actor.type != ActorType.APPLICATION,
        )
        .order_by(Actor.name)
    )
    return list(rows)


async def rotate_key(session: AsyncSession, actor: Actor) -> None:
    """A new key pair under the same key id: peers refetch the key when a signature fails."""
    actor.private_key_pem, actor.public_key_pem = generate_key_pair()
    await session.flush()


async def update_association(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str | None = None,
    summary: str | None = None,
    manually_approves_followers: bool | None = None,
    federate_as_note: bool | None = None,
    show_follows: bool | None = None,
    discoverable: bool | None = None,
    country: str | None = None,
    topics: list[str] | None = None,
) -> bool:
    """Change what was given; True when anything changed (followers are then sent an Update).
    `country` is an ISO 3166 code, "" for none; `topics` replaces the topics."""
    changes = {
        "name": check_name(name) if name is not None else None,
        "summary": _clean_summary(summary),
        "manually_approves_followers": manually_approves_followers,
        "federate_as_note": federate_as_note,
        "show_follows": show_follows,
        "discoverable": discoverable,
    }
    changed = False
    for attribute, value in changes.items():
        if value is not None and getattr(actor, attribute) != value:
            setattr(actor, attribute, value)
            changed = True
    if country is not None:
        code = check_countries([country])[0] if country.strip() else None
        if actor.country != code:
            actor.country, changed = code, True
    await session.flush()
    if topics is not None and await set_actor_topics(session, actor, check_topics(topics)):
        changed = True
    return changed
