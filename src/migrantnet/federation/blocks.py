"""Blocking a remote domain or account, and lifting the block.

A block works both ways. Nothing of theirs is accepted (the inbox refuses, 403) or fetched (the
safe client's guard refuses); nothing of ours is delivered (queued jobs are cancelled, new ones
never made, the worker skips the host) or served to them (the fetch gate refuses their signed
GETs). Follows between them and us end in both directions. An account block also sends that
account a `Block` from each of our actors it had a follow with (the node actor when none), so
its server drops the follows too, as Mastodon and GoToSocial do on receiving one; a domain block
sends nothing (the host is no longer spoken to at all). Lifting an account block sends `Undo`
of those `Block`s; follows are not restored, they must be asked for again.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime

from sqlalchemy import event, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from migrantnet.content.associations import get_node_actor
from migrantnet.content.errors import AlreadyExists, InvalidInput, NotFound
from migrantnet.content.moderation import Moderator, check_reason, normalize_domain, record_action
from migrantnet.federation.actors import ActorUnavailable, parse_handle, resolve_handle
from migrantnet.federation.delivery import queue_activity
from migrantnet.federation.serialize.activities import block_activity, undo_activity
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import (
    Actor,
    Block,
    BlockKind,
    Delivery,
    DeliveryState,
    DomainHealth,
    Follow,
    FollowState,
    OutboxActivity,
)
from migrantnet.translations import N_
from migrantnet.uris import Uris

logger = logging.getLogger("migrantnet.federation.blocks")


def is_account_target(target: str) -> bool:
    """A handle (`@name@host`, `name@host`) or an actor URL with a path names an account;
    a bare host (or a URL of one) a domain."""
    text = target.strip()
    if "://" in text:
        return text.split("://", 1)[1].rstrip("/").count("/") > 0
    return "@" in text


async def block(
    session: AsyncSession,
    fed: Federation,
    moderator: Moderator,
    target: str,
    reason: str | None = None,
) -> Block:
    """Block what `target` names (see `is_account_target`); the caller commits."""
    if is_account_target(target):
        return await block_account(session, fed, moderator, target, reason)
    return await block_domain(session, fed, moderator, target, reason)


async def block_domain(
    session: AsyncSession,
    fed: Federation,
    moderator: Moderator,
    domain: str,
    reason: str | None = None,
) -> Block:
    host = normalize_domain(domain)
    if fed.uris.is_local(f"{fed.settings.scheme}://{host}/"):
        raise InvalidInput("domain", N_("%(host)s is this node"), host=host)
    reason = check_reason(reason)
    await _refuse_duplicate(session, host)
    row = Block(
        kind=BlockKind.DOMAIN,
        target=host,
        domain=host,
        reason=reason,
        created_by_id=moderator.user_id,
        created_at=fed.now(),
    )
    session.add(row)
    health = await session.get(DomainHealth, host)
    if health is None:
        health = DomainHealth(domain=host, failure_days=[])
        session.add(health)
    health.blocked = True
    ended = await _end_follows(session, select(Actor.id).where(Actor.domain == host))
    cancelled = await session.execute(
        update(Delivery)
        .where(Delivery.domain == host, Delivery.state == DeliveryState.QUEUED)
        .values(state=DeliveryState.CANCELLED, locked_until=None)
    )
    record_action(session, moderator, "block_domain", host, reason, now=fed.now())
    await session.flush()
    _changed(session, fed)
    log_event(
        logger,
        "domain_blocked",
        domain=host,
        follows_ended=ended,
        deliveries_cancelled=int(cancelled.rowcount or 0),  # type: ignore[attr-defined]
    )
    return row


async def find_account(session: AsyncSession, fed: Federation, target: str) -> Actor:
    """A known actor by id or handle; else looked up (WebFinger, actor document)."""
    text = target.strip()
    if text.startswith(("http://", "https://")):
        known = await session.scalar(select(Actor).where(Actor.ap_id == text))
    else:
        try:
            user, host = parse_handle(text if text.startswith("@") else f"@{text}")
        except ActorUnavailable:
            raise InvalidInput(
                "account", N_("%(value)s is not a handle like @name@host"), value=repr(text)
            ) from None
        known = await session.scalar(
            select(Actor).where(Actor.username == user, Actor.domain == host)
        )
        text = f"@{user}@{host}"
    if known is not None:
        return known
    try:
        return await resolve_handle(session, fed, text)
    except ActorUnavailable as exc:
        raise NotFound(f"no account {target}: {exc}") from None


async def block_account(
    session: AsyncSession,
    fed: Federation,
    moderator: Moderator,
    target: str,
    reason: str | None = None,
) -> Block:
    remote = await find_account(session, fed, target)
    if remote.local:
        raise InvalidInput("account", N_("%(target)s is an account of this node"), target=target)
    reason = check_reason(reason)
    await _refuse_duplicate(session, remote.ap_id)
    row = Block(
        kind=BlockKind.ACCOUNT,
        target=remote.ap_id,
        domain=remote.domain,
        reason=reason,
        created_by_id=moderator.user_id,
        created_at=fed.now(),
    )
    session.add(row)
    related = await _related_local_actors(session, remote)
    await _end_follows(session, select(Actor.id).where(Actor.id == remote.id))
    # Jobs already queued for this account's own inbox go nowhere now (not its shared inbox:
    # others of its host read that too).
    await session.execute(
        update(Delivery)
        .where(Delivery.inbox_url == remote.inbox_url, Delivery.state == DeliveryState.QUEUED)
        .values(state=DeliveryState.CANCELLED, locked_until=None)
    )
    senders = related or [node for node in [await get_node_actor(session)] if node is not None]
    for local in senders:
        payload = block_activity(fed.uris.activity(), local.ap_id, remote.ap_id)
        await queue_activity(
            session, fed, local, payload, [remote.inbox_url], object_ap_id=remote.ap_id
        )
    record_action(session, moderator, "block_account", remote.ap_id, reason, now=fed.now())
    await session.flush()
    _changed(session, fed)
    log_event(logger, "account_blocked", domain=remote.domain, blocks_sent=len(senders))
    return row


async def unblock(
    session: AsyncSession, fed: Federation, moderator: Moderator, target: str
) -> Block:
    """Lift the block that `target` names (its host, actor id or handle); the caller commits."""
    row = await find_block(session, target)
    await session.delete(row)
    if row.kind == BlockKind.DOMAIN:
        health = await session.get(DomainHealth, row.domain)
        if health is not None:
            health.blocked = False
    else:
        remote = await session.scalar(select(Actor).where(Actor.ap_id == row.target))
        blocks = await session.scalars(
            select(OutboxActivity).where(
                OutboxActivity.type == "Block", OutboxActivity.object_ap_id == row.target
            )
        )
        for sent in list(blocks) if remote is not None else []:
            local = await session.get(Actor, sent.actor_id)
            if local is None or remote is None:
                continue
            payload = undo_activity(Uris.undo_of(sent.ap_id), local.ap_id, sent.payload)
            await queue_activity(session, fed, local, payload, [remote.inbox_url])
    record_action(session, moderator, f"unblock_{row.kind}", row.target, now=fed.now())
    await session.flush()
    _changed(session, fed)
    log_event(logger, "block_lifted", kind=row.kind, domain=row.domain)
    return row


async def find_block(session: AsyncSession, target: str) -> Block:
    text = target.strip()
    candidates = {text}
    if not is_account_target(text):
        with contextlib.suppress(InvalidInput):
            candidates.add(normalize_domain(text))
    query = select(Block).where(Block.target.in_(candidates))
    if not text.startswith(("http://", "https://")) and "@" in text:
        try:
            user, host = parse_handle(text if text.startswith("@") else f"@{text}")
        except ActorUnavailable:
            user, host = "", ""
        query = select(Block).where(
            or_(
                Block.target.in_(candidates),
                Block.target.in_(
                    select(Actor.ap_id).where(Actor.username == user, Actor.domain == host)
                ),
            )
        )
    row = await session.scalar(query.limit(1))
    if row is None:
        raise NotFound(f"{target} is not blocked")
    return row


async def list_blocks(session: AsyncSession) -> list[Block]:
    return list(await session.scalars(select(Block).order_by(Block.created_at.desc(), Block.id)))


async def is_blocked(session: AsyncSession, actor_ap_id: str, domain: str) -> Block | None:
    """The block that covers an actor: of its host, or of the account itself."""
    return await session.scalar(
        select(Block)
        .where(
            or_(
                (Block.kind == BlockKind.DOMAIN) & (Block.target == domain),
                (Block.kind == BlockKind.ACCOUNT) & (Block.target == actor_ap_id),
            )
        )
        .limit(1)
    )


async def _refuse_duplicate(session: AsyncSession, target: str) -> None:
    if await session.scalar(select(Block.id).where(Block.target == target)) is not None:
        raise AlreadyExists(f"{target} is already blocked")


async def _related_local_actors(session: AsyncSession, remote: Actor) -> list[Actor]:
    """Our actors with a follow (any state but ended) to or from `remote`."""
    live = Follow.state.in_([FollowState.PENDING, FollowState.ACCEPTED])
    followed = select(Follow.followed_id).where(Follow.follower_id == remote.id, live)
    following = select(Follow.follower_id).where(Follow.followed_id == remote.id, live)
    rows = await session.scalars(
        select(Actor)
        .where(
            Actor.local.is_(True),
            Actor.deleted_at.is_(None),
            or_(Actor.id.in_(followed), Actor.id.in_(following)),
        )
        .order_by(Actor.id)
    )
    return list(rows)


async def _end_follows(session: AsyncSession, remote_ids: Select) -> int:
    """Every follow between the remote actors `remote_ids` selects and anyone: undone."""
    result = await session.execute(
        update(Follow)
        .where(
            or_(Follow.follower_id.in_(remote_ids), Follow.followed_id.in_(remote_ids)),
            Follow.state.in_([FollowState.PENDING, FollowState.ACCEPTED]),
        )
        .values(state=FollowState.UNDONE, updated_at=datetime.now(UTC))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _changed(session: AsyncSession, fed: Federation) -> None:
    """Once committed, this process reloads its copy of the block list at its next use
    (before the commit a reload would not see the change); others within seconds."""
    sync_session = session.sync_session

    def reload(_session: object) -> None:
        fed.blocklist.invalidate()

    event.listen(sync_session, "after_commit", reload, once=True)


__all__ = [
    "block",
    "block_account",
    "block_domain",
    "find_account",
    "find_block",
    "is_account_target",
    "is_blocked",
    "list_blocks",
    "unblock",
]
