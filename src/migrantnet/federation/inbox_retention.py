"""How long what peers sent us is kept: applied and ignored payloads are dropped after
`MIGRANTNET_INBOX_RETENTION_DAYS`; the row and its id stay, so a replay is still a duplicate.

Without it the inbox kept everything forever: twenty 1 MB activities of an unknown type grew
the database by 24 MB. Failed rows keep their payload for an operator to look at; rows still
to be applied keep it until they are. The worker runs this every few minutes, in batches, so
no transaction grows with the backlog.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import null, select, update

from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import InboxActivity, InboxState

logger = logging.getLogger("migrantnet.federation.inbox")

TRIMMED_STATES = (InboxState.DONE, InboxState.IGNORED)
BATCH = 500


async def trim_inbox(fed: Federation, now: datetime | None = None) -> int:
    """Drop the payloads past the retention time; returns how many rows were trimmed."""
    cutoff = (now or fed.now()) - timedelta(days=fed.settings.inbox_retention_days)
    trimmed = 0
    while True:
        async with fed.db.session(write=True) as session:
            ids = list(
                await session.scalars(
                    select(InboxActivity.id)
                    .where(
                        InboxActivity.state.in_(TRIMMED_STATES),
                        InboxActivity.processed_at <= cutoff,
                        InboxActivity.payload.is_not(None),
                    )
                    .order_by(InboxActivity.id)
                    .limit(BATCH)
                )
            )
            if not ids:
                break
            await session.execute(
                update(InboxActivity).where(InboxActivity.id.in_(ids)).values(payload=null())
            )
            await session.commit()
        trimmed += len(ids)
    if trimmed:
        log_event(logger, "inbox_trimmed", rows=trimmed)
    return trimmed
