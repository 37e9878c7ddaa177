"""Events imported from a partner's `.ics` feed (RFC 5545) that is not on the fediverse.

How they are stored: the feed is a remote `Actor` (type `Calendar`, id = the feed's URL, its
name the calendar's `X-WR-CALNAME`), and each VEVENT is a remote `ContentObject` of kind
`event` authored by it, with the id `<feed URL>#uid=<UID>`: the UID is the stable key, so an
edited event updates its row (its SEQUENCE here goes up) and an event gone from the feed is
removed. `extra["origin"]` keeps where it came from (`kind: ics`, the feed, the UID). The
agenda lists the events of every feed one of our associations subscribed to, with the feed as
their provenance.

Parsing is pure (`ics_parse.parse_feed`); what is stored goes through `content.remote` like a
peer's objects, so the event rules (bounded RRULE series, known zones, sizes) are the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.content.ics_parse import (
    FEED_ACTOR_TYPE,
    ParsedFeed,
    check_feed_url,
    event_ap_id,
)
from migrantnet.content.remote import store_remote_object
from migrantnet.models import (
    Actor,
    ContentObject,
    IcsSubscription,
)
from migrantnet.translations import N_


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    updated: int
    removed: int
    unchanged: int


async def store_feed(
    session: AsyncSession, feed: Actor, parsed: ParsedFeed, now: datetime
) -> ImportResult:
    """Make the feed's stored events what the feed says: new ones added, changed ones updated
    (digest of the values kept), those gone from it removed; unreadable ones left as they were."""
    if parsed.name:
        feed.name = parsed.name
    stored = {
        obj.ap_id: obj
        for obj in await session.scalars(
            select(ContentObject).where(ContentObject.actor_id == feed.id)
        )
    }
    added = updated = unchanged = 0
    keep: set[str] = {event_ap_id(feed.ap_id, uid) for uid in parsed.unreadable}
    for event in parsed.events:
        keep.add(event.data.ap_id)
        current = stored.get(event.data.ap_id)
        if current is not None and (current.extra or {}).get("ics_digest") == event.digest:
            unchanged += 1
            continue
        event.data.extra = {
            "origin": {"kind": "ics", "feed": feed.ap_id, "uid": event.uid},
            "ics_digest": event.digest,
        }
        if current is not None:
            event.data.published_at = current.published_at
            event.data.updated_at = event.data.updated_at or now
        if await store_remote_object(session, feed, event.data) is None:
            continue
        if current is None:
            added += 1
        else:
            updated += 1
    gone = [obj.id for ap_id, obj in stored.items() if ap_id not in keep]
    if gone:
        await session.execute(delete(ContentObject).where(ContentObject.id.in_(gone)))
    await session.flush()
    return ImportResult(added=added, updated=updated, removed=len(gone), unchanged=unchanged)


async def feed_actor(session: AsyncSession, feed_url: str) -> Actor:
    """The feed's actor, made the first time any association subscribes to it."""
    actor = await session.scalar(select(Actor).where(Actor.ap_id == feed_url))
    if actor is not None:
        if actor.local or actor.type != FEED_ACTOR_TYPE:
            raise InvalidInput("url", N_("this address is an account, not an .ics feed"))
        return actor
    actor = Actor(
        ap_id=feed_url,
        type=FEED_ACTOR_TYPE,
        local=False,
        domain=(urlsplit(feed_url).hostname or "")[:255],
        name=urlsplit(feed_url).hostname,  # until the feed names itself (X-WR-CALNAME)
        url=feed_url,
        inbox_url="",
        discoverable=False,
    )
    session.add(actor)
    await session.flush()
    return actor


async def subscriptions(
    session: AsyncSession, association: Actor | None = None
) -> list[tuple[IcsSubscription, Actor]]:
    query = select(IcsSubscription, Actor).join(Actor, Actor.id == IcsSubscription.feed_id)
    if association is not None:
        query = query.where(IcsSubscription.association_id == association.id)
    rows = await session.execute(query.order_by(IcsSubscription.id))
    return [(sub, feed) for sub, feed in rows]


async def subscribe(session: AsyncSession, association: Actor, url: str) -> IcsSubscription:
    feed = await feed_actor(session, check_feed_url(url))
    existing = await session.scalar(
        select(IcsSubscription).where(
            IcsSubscription.association_id == association.id, IcsSubscription.feed_id == feed.id
        )
    )
    if existing is not None:
        return existing
    sub = IcsSubscription(association_id=association.id, feed_id=feed.id, events=0)
    session.add(sub)
    await session.flush()
    return sub


async def unsubscribe(session: AsyncSession, association: Actor, url: str) -> None:
    """Stop; when no association of ours subscribes to the feed any more, its events go."""
    feed_url = check_feed_url(url)
    feed = await session.scalar(
        select(Actor).where(Actor.ap_id == feed_url, Actor.type == FEED_ACTOR_TYPE)
    )
    sub = None
    if feed is not None:
        sub = await session.scalar(
            select(IcsSubscription).where(
                IcsSubscription.association_id == association.id,
                IcsSubscription.feed_id == feed.id,
            )
        )
    if feed is None or sub is None:
        raise InvalidInput("url", N_("this association does not subscribe to that feed"))
    await session.delete(sub)
    await session.flush()
    others = await session.scalar(
        select(IcsSubscription.id).where(IcsSubscription.feed_id == feed.id).limit(1)
    )
    if others is None:
        await session.execute(delete(ContentObject).where(ContentObject.actor_id == feed.id))
        await session.delete(feed)
        await session.flush()


def record_success(
    subs: list[IcsSubscription],
    *,
    now: datetime,
    etag: str | None,
    last_modified: str | None,
    events: int | None,
    problems: list[str],
) -> None:
    for sub in subs:
        sub.fetched_at = now
        sub.succeeded_at = now
        sub.etag = etag[:512] if etag else None
        sub.last_modified = last_modified[:128] if last_modified else None
        if events is not None:
            sub.events = events
        sub.error = None
        if problems:
            skipped = f"{len(problems)} event(s) skipped: {problems[0]}"
            sub.error = skipped[:1000]


def record_failure(subs: list[IcsSubscription], *, now: datetime, message: str) -> None:
    """The fetch failed: said on the subscription, validators and events kept as they were."""
    for sub in subs:
        sub.fetched_at = now
        sub.error = message[:1000]
