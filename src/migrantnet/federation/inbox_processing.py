"""Applying stored inbox activities, each exactly once.

A row is claimed by an atomic `received -> processing` update, so the request's background
task and a worker sweeping leftovers can never both apply it. Whatever a handler raises is
kept on the row (`failed`, with the reason) for an operator: nothing is dropped silently.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.federation.actors import ActorUnavailable, get_or_fetch_actor
from migrantnet.federation.handlers import HANDLERS, Inbound
from migrantnet.federation.parse import ParseError, parse_activity
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import InboxActivity, InboxState
from migrantnet.models.lifecycle import advance
from migrantnet.models.required import get_required

logger = logging.getLogger("migrantnet.federation.inbox")

# A row still `processing` after this long belongs to a process that died; take it again.
STALE_PROCESSING = timedelta(minutes=5)
BACKLOG_GRACE = timedelta(seconds=2)


async def claim(fed: Federation, activity_id: int) -> bool:
    async with fed.db.session() as session:
        result = await session.execute(
            update(InboxActivity)
            .where(InboxActivity.id == activity_id, InboxActivity.state == InboxState.RECEIVED)
            .values(state=InboxState.PROCESSING, attempts=InboxActivity.attempts + 1)
        )
        await session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def process_activity(fed: Federation, activity_id: int) -> InboxState | None:
    """Apply one stored activity if nobody else has; returns the final state, or None."""
    if not await claim(fed, activity_id):
        return None
    try:
        async with fed.db.session() as session, session.begin():
            row = await get_required(session, InboxActivity, activity_id)
            state = await _apply(fed, session, row)
            advance(row, state)
            row.processed_at = fed.now()
    except Exception as exc:
        logger.exception("inbox_processing_failed")
        async with fed.db.session() as session, session.begin():
            failed = await session.get(InboxActivity, activity_id)
            if failed is not None:
                advance(failed, InboxState.FAILED)
                failed.error = f"{type(exc).__name__}: {exc}"[:2000]
                failed.processed_at = fed.now()
        return InboxState.FAILED
    log_event(logger, "inbox_processed", type=row.type, state=state)
    return state


async def _apply(fed: Federation, session: AsyncSession, row: InboxActivity) -> InboxState:
    if row.payload is None:  # trimmed: only ever done or ignored rows, never claimed again
        return InboxState.IGNORED
    try:
        activity = parse_activity(row.payload)
    except ParseError:
        return InboxState.IGNORED
    handler = HANDLERS.get(activity.type)
    if handler is None:
        return InboxState.IGNORED  # stored, understood as nothing for us
    try:
        sender = await get_or_fetch_actor(session, fed, activity.actor)
    except ActorUnavailable:
        return InboxState.IGNORED
    inbound = Inbound(
        fed=fed, session=session, sender=sender, activity=activity, payload=row.payload
    )
    return await handler(inbound)


async def process_backlog(fed: Federation, limit: int = 200) -> int:
    """Finish what a crash or restart interrupted: received rows left behind, stale claims."""
    now = fed.now()
    async with fed.db.session() as session:
        await session.execute(
            update(InboxActivity)
            .where(
                InboxActivity.state == InboxState.PROCESSING,
                InboxActivity.received_at < now - STALE_PROCESSING,
            )
            .values(state=InboxState.RECEIVED)
        )
        await session.commit()
        ids = list(
            await session.scalars(
                select(InboxActivity.id)
                .where(
                    InboxActivity.state == InboxState.RECEIVED,
                    InboxActivity.received_at < now - BACKLOG_GRACE,
                )
                .order_by(InboxActivity.id)
                .limit(limit)
            )
        )
    for activity_id in ids:
        await process_activity(fed, activity_id)
    return len(ids)
