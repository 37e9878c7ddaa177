"""Queueing outgoing activities: one durable job per distinct inbox, in the caller's transaction.

The rows are written with the change that causes them and committed with it, so a crash can
lose neither the change nor its deliveries. The worker (`worker.py`) sends them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from migrantnet.federation.context import PUBLIC_FORMS
from migrantnet.federation.service import Federation
from migrantnet.models import (
    Actor,
    ActorBlock,
    Block,
    BlockKind,
    Delivery,
    DeliveryState,
    Follow,
    FollowState,
    OutboxActivity,
)

# HTTP statuses after which a retry is still worth it (Mastodon's delivery worker).
RETRYABLE_4XX = frozenset({401, 408, 429})


def is_public(payload: dict[str, Any]) -> bool:
    audience = [*_as_list(payload.get("to")), *_as_list(payload.get("cc"))]
    return any(item in PUBLIC_FORMS for item in audience)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


async def follower_inboxes(session: AsyncSession, actor: Actor) -> list[str]:
    """Preferred inboxes of accepted remote followers: each shared inbox once (Mastodon's rule)."""
    rows = await session.execute(
        select(Actor.shared_inbox_url, Actor.inbox_url)
        .join(Follow, Follow.follower_id == Actor.id)
        .where(
            Follow.followed_id == actor.id,
            Follow.state == FollowState.ACCEPTED,
            Actor.local.is_(False),
            Actor.deleted_at.is_(None),
            Actor.id.not_in(select(ActorBlock.actor_id).where(ActorBlock.target_id == actor.id)),
        )
    )
    return sorted({shared or inbox for shared, inbox in rows})


async def queue_activity(
    session: AsyncSession,
    fed: Federation,
    actor: Actor,
    payload: dict[str, Any],
    inboxes: Iterable[str],
    *,
    object_ap_id: str | None = None,
    delay_seconds: float = 0.0,
) -> OutboxActivity:
    """Store the activity and one delivery per distinct remote inbox; the caller commits.

    `delay_seconds` holds the first attempt back: the Update of a rotated key waits until every
    process of the node serves the new key (they see another's change within
    `render_cache_check_seconds`), or a follower refetching the key would get the old one."""
    activity = await session.scalar(
        select(OutboxActivity).where(OutboxActivity.ap_id == payload["id"])
    )
    if activity is None:
        activity = OutboxActivity(
            ap_id=payload["id"],
            type=payload["type"],
            actor_id=actor.id,
            object_ap_id=object_ap_id,
            payload=payload,
            public=is_public(payload),
            created_at=fed.now(),
        )
        session.add(activity)
        await session.flush()
    now = fed.now()
    refused = await blocked_inboxes(
        session, set(inboxes), allow_accounts=payload["type"] == "Block"
    )
    for inbox in sorted(set(inboxes) - refused):
        if fed.uris.is_local(inbox):
            continue  # local followers read our database; no HTTP to ourselves
        session.add(
            Delivery(
                activity_id=activity.id,
                inbox_url=inbox,
                domain=urlsplit(inbox).netloc.lower(),
                next_attempt_at=now + timedelta(seconds=delay_seconds),
                created_at=now,
            )
        )
    await session.flush()
    wake_worker_after_commit(session, fed)
    return activity


async def blocked_inboxes(
    session: AsyncSession, inboxes: set[str], *, allow_accounts: bool = False
) -> set[str]:
    """The inboxes of `inboxes` that nothing may be delivered to: on a blocked host, or the
    own inbox of a blocked account (a `Block` itself still goes to that account)."""
    domains = {urlsplit(inbox).netloc.lower() for inbox in inboxes}
    if not inboxes:
        return set()
    rows = list(
        await session.execute(select(Block.kind, Block.target).where(Block.domain.in_(domains)))
    )
    if not rows:
        return set()
    blocked_hosts = {target for kind, target in rows if kind == BlockKind.DOMAIN}
    refused = {inbox for inbox in inboxes if urlsplit(inbox).netloc.lower() in blocked_hosts}
    accounts = [target for kind, target in rows if kind == BlockKind.ACCOUNT]
    if accounts and not allow_accounts:
        own = await session.scalars(select(Actor.inbox_url).where(Actor.ap_id.in_(accounts)))
        refused |= inboxes & set(own)
    return refused


def wake_worker_after_commit(session: AsyncSession, fed: Federation) -> None:
    """Wake this process's worker once the jobs are committed (before, it would find none)."""
    sync_session = session.sync_session
    if not event.contains(sync_session, "after_commit", _wake):
        event.listen(sync_session, "after_commit", _wake)
    sync_session.info["migrantnet_wakeup"] = fed.wakeup


def _wake(sync_session: Session) -> None:
    wakeup = sync_session.info.pop("migrantnet_wakeup", None)
    if wakeup is not None:
        wakeup.set()


async def cancel_pending(session: AsyncSession, object_ap_id: str, *, keep_activity_id: int) -> int:
    """An object deleted meanwhile: its queued Create/Update jobs are pointless, drop them."""
    activity_ids = select(OutboxActivity.id).where(
        OutboxActivity.object_ap_id == object_ap_id, OutboxActivity.id != keep_activity_id
    )
    result = await session.execute(
        update(Delivery)
        .where(Delivery.activity_id.in_(activity_ids), Delivery.state == DeliveryState.QUEUED)
        .values(state=DeliveryState.CANCELLED)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def retry_delay(attempts: int, scale: float, rng: random.Random | None = None) -> timedelta:
    """Mastodon's backoff: attempts^4 + 15 s plus jitter, about three days over 16 tries."""
    rng = rng or random.Random()
    base = attempts**4 + 15
    jitter = rng.uniform(0, 0.5 * attempts**4) + rng.uniform(0, 10) * (attempts + 1) / 10
    return timedelta(seconds=(base + jitter) * scale)


def next_attempt(now: datetime, attempts: int, scale: float, retry_after: float | None) -> datetime:
    delay = retry_delay(attempts, scale)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=min(retry_after, 86400)))
    return now + delay
