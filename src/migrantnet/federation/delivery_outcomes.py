"""What the delivery worker writes once a send is over: the job's state and its host's health.

Kept apart from the worker's loop (claiming, sending) so the rules of retry, refusal and death
of a delivery read in one place.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.config import Settings
from migrantnet.federation.delivery import RETRYABLE_4XX, next_attempt
from migrantnet.logs import log_event
from migrantnet.models import Delivery, DeliveryState, DomainHealth
from migrantnet.models.lifecycle import advance
from migrantnet.models.required import get_required

# The worker's logger: operators filter delivery events by it, so it keeps its name.
logger = logging.getLogger("migrantnet.federation.worker")


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery_id: int
    status: int | None
    error: str | None
    retry_after: float | None
    bug: bool = False  # our own error while sending: counted, but not held against the host
    blocked: bool = False  # the host or account was blocked after the job was queued

    @property
    def sent(self) -> bool:
        """Answered with a 2xx, and nothing blocked since: the case of nearly every send."""
        return not self.blocked and self.status is not None and 200 <= self.status < 300


async def domain_healths(session: AsyncSession, domains: set[str]) -> dict[str, DomainHealth]:
    """The hosts' rows, created on first need. Several workers may meet a new host at once,
    so another transaction may create its row first: a lost race must not lose outcomes."""
    found = {
        row.domain: row
        for row in await session.scalars(
            select(DomainHealth).where(DomainHealth.domain.in_(domains))
        )
    }
    for domain in domains - found.keys():
        with contextlib.suppress(IntegrityError):
            async with session.begin_nested():
                session.add(DomainHealth(domain=domain, failure_days=[]))
        found[domain] = await get_required(session, DomainHealth, domain)
    return found


def apply_outcome(
    delivery: Delivery, health: DomainHealth, outcome: Outcome, now: datetime, settings: Settings
) -> None:
    """Write one send's outcome on its delivery and its host's health, and log it."""
    status = outcome.status
    delivery.attempts += 1
    delivery.last_status = status
    delivery.last_error = outcome.error[:2000] if outcome.error else None
    delivery.locked_until = None
    if outcome.blocked:
        advance(delivery, DeliveryState.CANCELLED)  # nothing is delivered to what is blocked
        result = "blocked"
    elif status is not None and 200 <= status < 300:
        advance(delivery, DeliveryState.SENT)
        health.record_success(now)
        result = "sent"
    elif status is not None and 400 <= status < 500 and status not in RETRYABLE_4XX:
        advance(delivery, DeliveryState.FAILED)  # the peer refused it for good
        health.record_success(now)  # it answered: the host is alive
        result = "refused"
    elif status == 501:
        advance(delivery, DeliveryState.FAILED)
        result = "refused"
    else:
        if not outcome.bug:
            health.record_failure(now.date(), settings.unavailable_after_days)
        if delivery.attempts >= settings.delivery_max_attempts:
            advance(delivery, DeliveryState.DEAD)
            result = "dead"
        else:
            delivery.next_attempt_at = next_attempt(
                now, delivery.attempts, settings.delivery_backoff_scale, outcome.retry_after
            )
            result = "retry"
    log_event(
        logger,
        "delivery",
        outcome=result,
        domain=delivery.domain,
        status=status,
        attempt=delivery.attempts,
    )


async def record_sent(session: AsyncSession, outcomes: list[Outcome], now: datetime) -> None:
    """Write the outcomes of sends answered with a 2xx (`Outcome.sent`) in a statement per
    distinct status and one for their hosts, whatever their number: the rule of
    `apply_outcome`'s "sent" branch, without loading each row into the ORM and flushing an
    UPDATE per job and per host (benchmarks/README.md, fan-out). Jobs already finished
    (cancelled, or sent by a worker that took over an expired lease) are left as they are:
    the WHERE clause says the state they move from. Each host of a job written gets its
    health cleared, its row made if it has none; a host that also failed in the same chunk
    is alive all the same, so the caller writes this after the other outcomes."""
    by_status: dict[int, list[int]] = {}
    for outcome in outcomes:
        if not outcome.sent or outcome.status is None:
            raise ValueError(f"not a sent delivery's outcome: {outcome!r}")
        by_status.setdefault(outcome.status, []).append(outcome.delivery_id)
    written: list[tuple[str, int]] = []
    for status, ids in sorted(by_status.items()):
        rows = await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.state == DeliveryState.QUEUED)
            .values(
                state=DeliveryState.SENT,
                attempts=Delivery.attempts + 1,
                last_status=status,
                last_error=None,
                locked_until=None,
                updated_at=now,
            )
            .returning(Delivery.domain, Delivery.attempts),
            execution_options={"synchronize_session": False},
        )
        for domain, attempts in rows:
            written.append((domain, attempts))
            log_event(
                logger, "delivery", outcome="sent", domain=domain, status=status, attempt=attempts
            )
    if written:
        await _hosts_alive(session, sorted({domain for domain, _ in written}), now)


async def _hosts_alive(session: AsyncSession, domains: list[str], now: datetime) -> None:
    """`DomainHealth.record_success` for many hosts in one upsert (in the hosts' order, so
    two workers lock their rows in the same order); a block is never touched."""
    connection = await session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(DomainHealth).values(
        [
            {
                "domain": domain,
                "failure_days": [],
                "unavailable": False,
                "blocked": False,
                "last_success_at": now,
                "updated_at": now,
            }
            for domain in domains
        ]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[DomainHealth.domain],
            set_={
                "failure_days": statement.excluded.failure_days,
                "unavailable": False,
                "last_success_at": now,
                "updated_at": now,
            },
        )
    )
