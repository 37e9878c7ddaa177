"""The delivery worker: a loop around one testable step, `process_batch`.

Jobs are claimed with a short lease (`locked_until`), with `FOR UPDATE SKIP LOCKED` on
PostgreSQL so several workers never take the same job; SQLite runs one worker. A worker that
dies mid-way leaves leases that simply expire, and the jobs are taken again.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.federation.context import AP_CONTENT_TYPE
from migrantnet.federation.delivery import RETRYABLE_4XX, next_attempt
from migrantnet.federation.fetch import FetchError, FetchPolicy, HTTPStatusError, SafeClient
from migrantnet.federation.inbox_processing import process_backlog
from migrantnet.federation.service import Federation, signer_for
from migrantnet.logs import log_event
from migrantnet.models import Actor, Delivery, DeliveryState, DomainHealth, OutboxActivity

logger = logging.getLogger("migrantnet.federation.worker")

LEASE = timedelta(seconds=90)
CLIENTS = 4  # several small pools: httpx's pool slows as one pool's concurrency grows


class DeliveryWorker:
    def __init__(self, fed: Federation) -> None:
        self.fed = fed
        settings = fed.settings
        self.batch_size = settings.delivery_concurrency * 4
        self.concurrency = asyncio.Semaphore(settings.delivery_concurrency)
        self.per_host = settings.delivery_per_host
        self.host_limits: dict[str, asyncio.Semaphore] = {}
        policy = FetchPolicy(
            allow_private_addresses=fed.policy.allow_private_addresses,
            user_agent=fed.policy.user_agent,
            max_connections=max(2, settings.delivery_concurrency // CLIENTS),
        )
        self.clients = [SafeClient(policy) for _ in range(CLIENTS)]
        self._next_client = itertools.cycle(self.clients)

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()

    async def claim(self, session: AsyncSession) -> list[int]:
        now = self.fed.now()
        query = (
            select(Delivery.id)
            .outerjoin(DomainHealth, DomainHealth.domain == Delivery.domain)
            .where(
                Delivery.state == DeliveryState.QUEUED,
                Delivery.next_attempt_at <= now,
                or_(Delivery.locked_until.is_(None), Delivery.locked_until < now),
                or_(DomainHealth.domain.is_(None), DomainHealth.unavailable.is_(False)),
                or_(DomainHealth.domain.is_(None), DomainHealth.blocked.is_(False)),
            )
            .order_by(Delivery.next_attempt_at)
            .limit(self.batch_size)
            .with_for_update(skip_locked=True, of=Delivery)
        )
        ids = list(await session.scalars(query))
        if ids:
            await session.execute(
                update(Delivery).where(Delivery.id.in_(ids)).values(locked_until=now + LEASE)
            )
        await session.commit()
        return ids

    async def process_batch(self) -> int:
        """Process received inbox activities left over, then send one batch of due deliveries."""
        await process_backlog(self.fed)
        async with self.fed.db.session() as session:
            ids = await self.claim(session)
        if ids:
            await asyncio.gather(*(self._send_limited(delivery_id) for delivery_id in ids))
        return len(ids)

    async def _send_limited(self, delivery_id: int) -> None:
        async with self.concurrency:
            try:
                await self.deliver(delivery_id)
            except Exception:
                logger.exception("delivery_bug")

    async def deliver(self, delivery_id: int) -> None:
        async with self.fed.db.session() as session:
            delivery = await session.get(Delivery, delivery_id)
            if delivery is None or delivery.state != DeliveryState.QUEUED:
                return
            activity = await session.get(OutboxActivity, delivery.activity_id)
            actor = await session.get(Actor, activity.actor_id) if activity else None
            if activity is None or actor is None:
                delivery.state = DeliveryState.CANCELLED
                await session.commit()
                return
            body = json.dumps(activity.payload, ensure_ascii=False).encode()
            inbox, domain = delivery.inbox_url, delivery.domain
            sign = signer_for(actor)
            await session.commit()

        limit = self.host_limits.setdefault(domain, asyncio.Semaphore(self.per_host))
        status: int | None = None
        error: str | None = None
        retry_after: float | None = None
        async with limit:
            try:
                response = await next(self._next_client).request(
                    "POST",
                    inbox,
                    headers={"Content-Type": AP_CONTENT_TYPE, "Accept": AP_CONTENT_TYPE},
                    content=body,
                    sign=sign,
                )
                status = response.status
            except HTTPStatusError as exc:
                status, retry_after, error = exc.status, exc.retry_after, str(exc)
            except FetchError as exc:
                error = str(exc)
        await self.record(delivery_id, status, error, retry_after)

    async def record(
        self, delivery_id: int, status: int | None, error: str | None, retry_after: float | None
    ) -> None:
        now = self.fed.now()
        settings = self.fed.settings
        async with self.fed.db.session() as session, session.begin():
            delivery = await session.get(Delivery, delivery_id, with_for_update=True)
            if delivery is None or delivery.state != DeliveryState.QUEUED:
                # Finished meanwhile (cancelled, or sent by a worker that took over an expired
                # lease): final states are final, a late answer must not overwrite them.
                return
            health = await _domain_health(session, delivery.domain)
            delivery.attempts += 1
            delivery.last_status = status
            delivery.last_error = error[:2000] if error else None
            delivery.locked_until = None
            if status is not None and 200 <= status < 300:
                delivery.state = DeliveryState.SENT
                health.record_success(now)
                outcome = "sent"
            elif status is not None and 400 <= status < 500 and status not in RETRYABLE_4XX:
                delivery.state = DeliveryState.FAILED  # the peer refused it for good
                health.record_success(now)  # it answered: the host is alive
                outcome = "refused"
            elif status == 501:
                delivery.state = DeliveryState.FAILED
                outcome = "refused"
            else:
                health.record_failure(now.date(), settings.unavailable_after_days)
                if delivery.attempts >= settings.delivery_max_attempts:
                    delivery.state = DeliveryState.DEAD
                    outcome = "dead"
                else:
                    delivery.next_attempt_at = next_attempt(
                        now, delivery.attempts, settings.delivery_backoff_scale, retry_after
                    )
                    outcome = "retry"
            log_event(
                logger,
                "delivery",
                outcome=outcome,
                domain=delivery.domain,
                status=status,
                attempt=delivery.attempts,
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until `stop` is set; wake early when this process queues work."""
        log_event(logger, "worker_started")
        try:
            while not stop.is_set():
                try:
                    done = await self.process_batch()
                except Exception:
                    logger.exception("worker_step_failed")
                    done = 0
                if done:
                    continue
                self.fed.wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    waiter = asyncio.ensure_future(self.fed.wakeup.wait())
                    stopper = asyncio.ensure_future(stop.wait())
                    try:
                        await asyncio.wait(
                            {waiter, stopper},
                            timeout=self.fed.settings.worker_poll_seconds,
                            return_when=asyncio.FIRST_COMPLETED,
                        )
                    finally:
                        waiter.cancel()
                        stopper.cancel()
        finally:
            await self.aclose()
            log_event(logger, "worker_stopped")


async def _domain_health(session: AsyncSession, domain: str) -> DomainHealth:
    """The host's row, created on first need. Several sends to a new host finish together, so
    another transaction may create it first: a lost race must not lose this send's outcome."""
    health = await session.get(DomainHealth, domain)
    if health is None:
        with contextlib.suppress(IntegrityError):
            async with session.begin_nested():
                session.add(DomainHealth(domain=domain, failure_days=[]))
        health = await session.get(DomainHealth, domain)
        assert health is not None
    return health
