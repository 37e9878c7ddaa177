"""Fetching the `.ics` feeds our associations subscribed to (`content/ics_import.py` stores them).

Every fetch goes through the node's one safe client (SSRF rules, timeouts, redirects, the
moderators' blocks), with a larger body cap than an ActivityPub document's, and is
conditional (`If-None-Match` / `If-Modified-Since` from the last good answer): an unchanged
feed costs one 304. A feed that fails (not iCalendar, too big, 404, no answer) gets the reason
on its subscriptions, and what was imported of it stays.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from migrantnet.content.ics_import import (
    ImportResult,
    record_failure,
    record_success,
    store_feed,
)
from migrantnet.content.ics_parse import FEED_ACTOR_TYPE, FeedError, parse_feed
from migrantnet.federation.fetch import (
    AddressNotAllowed,
    FetchError,
    FetchTimeout,
    HostBlocked,
    HTTPStatusError,
    ResponseTooLarge,
    SafeClient,
)
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import Actor, IcsSubscription

logger = logging.getLogger(__name__)

ICS_MAX_BYTES = 5 * 1024 * 1024
ICS_ACCEPT = "text/calendar, text/plain;q=0.5, */*;q=0.1"
FEEDS_PER_PASS = 20


@dataclasses.dataclass(frozen=True, slots=True)
class RefreshOutcome:
    feed_url: str
    result: ImportResult | None  # None: not modified (304) or failed
    error: str | None = None
    not_modified: bool = False


def _message(exc: FetchError) -> str:
    """One line for the association: what went wrong, without our internals."""
    if isinstance(exc, HTTPStatusError):
        return f"the feed answered HTTP {exc.status}"
    if isinstance(exc, ResponseTooLarge):
        return f"the feed is larger than {ICS_MAX_BYTES // (1024 * 1024)} MB"
    if isinstance(exc, FetchTimeout):
        return "the feed did not answer in time"
    if isinstance(exc, AddressNotAllowed | HostBlocked):
        return f"this address may not be fetched: {exc.message}"
    return f"the feed could not be fetched: {exc.message}"


async def refresh_feed(fed: Federation, client: SafeClient, feed_id: int) -> RefreshOutcome:
    """Fetch one feed (conditionally) and store what changed, for all its subscriptions."""
    async with fed.db.session() as session:
        feed = await session.get(Actor, feed_id)
        if feed is None or feed.type != FEED_ACTOR_TYPE:
            raise ValueError(f"no feed {feed_id}")
        feed_url = feed.ap_id
        first = await session.scalar(
            select(IcsSubscription)
            .where(IcsSubscription.feed_id == feed_id, IcsSubscription.succeeded_at.is_not(None))
            .order_by(IcsSubscription.succeeded_at.desc())
            .limit(1)
        )
        headers = {"Accept": ICS_ACCEPT}
        if first is not None and first.etag:
            headers["If-None-Match"] = first.etag
        if first is not None and first.last_modified:
            headers["If-Modified-Since"] = first.last_modified
    now = fed.now()
    error: str | None = None
    response = None
    try:
        response = await client.request("GET", feed_url, headers=headers)
    except FetchError as exc:
        error = _message(exc)
    parsed = None
    if response is not None and response.status == 200:
        try:
            parsed = parse_feed(feed_url, response.body, now)
        except FeedError as exc:
            error = str(exc)
    elif response is not None and response.status != 304:
        error = f"the feed answered HTTP {response.status}"
    async with fed.db.session(write=True) as session, session.begin():
        feed = await session.get(Actor, feed_id)
        subs = list(
            await session.scalars(select(IcsSubscription).where(IcsSubscription.feed_id == feed_id))
        )
        if feed is None or not subs:  # unsubscribed meanwhile
            return RefreshOutcome(feed_url, None, "unsubscribed")
        if error is not None or response is None:
            record_failure(subs, now=now, message=error or "no answer")
            log_event(logger, "ics_feed_failed", feed_id=feed_id)
            return RefreshOutcome(feed_url, None, error)
        etag = response.headers.get("etag")
        last_modified = response.headers.get("last-modified")
        if parsed is None:  # 304: nothing changed
            record_success(
                subs,
                now=now,
                etag=etag or subs[0].etag,
                last_modified=last_modified or subs[0].last_modified,
                events=None,
                problems=[],
            )
            return RefreshOutcome(feed_url, None, not_modified=True)
        result = await store_feed(session, feed, parsed, now)
        record_success(
            subs,
            now=now,
            etag=etag,
            last_modified=last_modified,
            events=len(parsed.events),
            problems=parsed.problems,
        )
        log_event(
            logger,
            "ics_feed_imported",
            feed_id=feed_id,
            added=result.added,
            updated=result.updated,
            removed=result.removed,
        )
        return RefreshOutcome(feed_url, result)


def ics_client(fed: Federation) -> SafeClient:
    """The safe client's rules, with room for a calendar of a few thousand events."""
    policy = dataclasses.replace(fed.policy, max_body_bytes=ICS_MAX_BYTES)
    return SafeClient(policy, guard=fed.blocklist.guard)


async def refresh_due(fed: Federation, client: SafeClient, now: datetime) -> int:
    """Refresh the feeds not fetched for `ics_refresh_minutes` (oldest first, a few a pass)."""
    due_before = now - timedelta(minutes=fed.settings.ics_refresh_minutes)
    async with fed.db.session() as session:
        ids = list(
            await session.scalars(
                select(IcsSubscription.feed_id)
                .where(
                    or_(
                        IcsSubscription.fetched_at.is_(None),
                        IcsSubscription.fetched_at < due_before,
                    )
                )
                .group_by(IcsSubscription.feed_id)
                .order_by(IcsSubscription.feed_id)
                .limit(FEEDS_PER_PASS)
            )
        )
    for feed_id in ids:
        await refresh_feed(fed, client, feed_id)
    return len(ids)


async def subscribe_feed(
    fed: Federation, association_slug: str, url: str, client: SafeClient | None = None
) -> RefreshOutcome:
    """Subscribe an association of ours to a feed and fetch it at once; a first fetch that
    fails keeps the subscription, with its error, for the worker to try again."""
    from migrantnet.content.associations import get_association
    from migrantnet.content.ics_import import subscribe

    async with fed.db.session(write=True) as session, session.begin():
        association = await get_association(session, association_slug)
        sub = await subscribe(session, association, url)
        feed_id = sub.feed_id
    own = client is None
    client = client or ics_client(fed)
    try:
        return await refresh_feed(fed, client, feed_id)
    finally:
        if own:
            await client.aclose()
