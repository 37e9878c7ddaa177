"""The delivery worker: a loop around one testable step, `process_batch`.

Jobs are claimed with a short lease (`locked_until`, `delivery_lease_seconds`), with
`FOR UPDATE SKIP LOCKED` on PostgreSQL so several workers never take the same job; SQLite runs
one worker. A worker that dies mid-way leaves leases that simply expire, and the jobs are taken
again: delivery is at least once (a job sent but not yet recorded when the worker died is sent
again), never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.config import Settings
from migrantnet.content.occurrences import top_up_occurrences
from migrantnet.db import database_unavailable, unavailable_reason
from migrantnet.federation.context import AP_CONTENT_TYPE
from migrantnet.federation.delivery_client import AsyncSigner, DeliveryClient
from migrantnet.federation.delivery_outcomes import (
    Outcome,
    apply_outcome,
    domain_healths,
    record_sent,
)
from migrantnet.federation.event_imports import refresh_imports_due
from migrantnet.federation.fetch import FetchError, HostBlocked, HTTPStatusError, Signer
from migrantnet.federation.fetch_policy import FetchPolicy
from migrantnet.federation.heartbeat import beat, beat_interval, worker_name
from migrantnet.federation.ics_feeds import ics_client, refresh_due
from migrantnet.federation.inbox_processing import process_backlog
from migrantnet.federation.inbox_retention import trim_inbox
from migrantnet.federation.service import Federation, signer_for
from migrantnet.federation.signatures.primitives import load_private_key
from migrantnet.federation.signing_pool import SigningKey, SigningPool
from migrantnet.logs import log_event
from migrantnet.models import Actor, Delivery, DeliveryState, DomainHealth, OutboxActivity

logger = logging.getLogger("migrantnet.federation.worker")

LEASE = timedelta(seconds=Settings.model_fields["delivery_lease_seconds"].default)
DATABASE_WAIT_MAX = 30.0  # seconds between tries while the database cannot be reached
TRIM_EVERY_SECONDS = 600
FEEDS_CHECK_SECONDS = 60  # how often due .ics feeds are looked for
RECORD_EVERY = 32  # outcomes written per transaction
DELIVERY_HEADERS = {"Content-Type": AP_CONTENT_TYPE, "Accept": AP_CONTENT_TYPE}


@dataclass(frozen=True, slots=True)
class Job:
    delivery_id: int
    inbox: str
    domain: str
    body: bytes
    sign: Signer
    sign_async: AsyncSigner | None  # through the signing processes, when there are any


class DeliveryWorker:
    def __init__(self, fed: Federation) -> None:
        self.fed = fed
        settings = fed.settings
        self.batch_size = settings.delivery_concurrency * 4
        self.concurrency = asyncio.Semaphore(settings.delivery_concurrency)
        self.per_host = settings.delivery_per_host
        self.next_trim = 0.0  # monotonic time of the next inbox retention sweep
        self.host_limits: dict[str, asyncio.Semaphore] = {}
        self._recording = asyncio.Lock()  # one claim or outcome transaction at a time
        self._in_hand: set[int] = set()  # claimed by a batch under way, outcome not recorded
        policy = FetchPolicy(
            allow_private_addresses=fed.policy.allow_private_addresses,
            user_agent=fed.policy.user_agent,
            max_connections=settings.delivery_concurrency,
        )
        # One session for the worker's life (kept-alive connections across batches).
        self.delivery = DeliveryClient(policy, guard=fed.blocklist.guard)
        self.ics_client = ics_client(fed)
        # RSA signing in processes beside this loop (`signing_pool.py`); 0: on the loop.
        self.signing = SigningPool(settings.delivery_signing_processes)
        self._signers: dict[int, tuple[str | None, Signer, AsyncSigner | None]] = {}
        self.lease = timedelta(seconds=settings.delivery_lease_seconds)
        self.name = worker_name()

    async def aclose(self) -> None:
        await self.signing.aclose()
        await self.delivery.aclose()
        await self.ics_client.aclose()

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
        if self._in_hand:
            # Batches overlap (`process_batches`): a job of ours sent but not yet recorded
            # whose lease ran out must not be taken again by ourselves.
            query = query.where(Delivery.id.not_in(self._in_hand))
        ids = list(await session.scalars(query))
        if ids:
            await session.execute(
                update(Delivery).where(Delivery.id.in_(ids)).values(locked_until=now + self.lease)
            )
        await session.commit()
        return ids

    async def process_batch(self, all_started: asyncio.Event | None = None) -> int:
        """Process received inbox activities left over, then send one batch of due deliveries.

        `all_started` is set once every job of the batch is on its way (never for an empty
        batch), so `run` can claim the next batch while this one's last answers and outcomes
        come in.

        The batch is loaded in three queries, sent concurrently (signed at send time), and its
        outcomes recorded a chunk at a time, each chunk in one transaction: the database cost
        per delivery stays a fraction of the signature's. One chunk is written at a time, and
        takes every outcome that arrived while the one before was written: concurrent writers
        would only meet in SQLite's busy handler, which sleeps (up to 100 ms a try) past the
        moment the lock is free. Every few minutes, inbox payloads past their retention time
        are dropped first."""
        await process_backlog(self.fed)
        if self.next_trim <= time.monotonic():
            self.next_trim = time.monotonic() + TRIM_EVERY_SECONDS
            await trim_inbox(self.fed)
        async with self._recording, self.fed.db.session(write=True) as session:
            ids = await self.claim(session)
            self._in_hand.update(ids)
        try:
            return await self._send_batch(ids, all_started)
        finally:
            self._in_hand.difference_update(ids)

    async def _send_batch(self, ids: list[int], all_started: asyncio.Event | None) -> int:
        if not ids:
            return 0
        jobs, pending = await self._load(ids)
        unstarted = len(jobs)

        def started() -> None:
            nonlocal unstarted
            unstarted -= 1
            if unstarted == 0 and all_started is not None:
                all_started.set()

        unrecorded = set(ids)

        async def flush() -> None:
            async with self._recording:
                if pending:
                    chunk = pending[:]
                    pending.clear()
                    await self._record_safely(chunk)
                    unrecorded.difference_update(outcome.delivery_id for outcome in chunk)

        async def send(job: Job) -> None:
            pending.append(await self._send_limited(job, started))
            if len(pending) >= RECORD_EVERY:
                await flush()

        renewing = asyncio.create_task(self._keep_leases(unrecorded))
        try:
            await asyncio.gather(*(send(job) for job in jobs))
            await flush()
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        return len(ids)

    async def _keep_leases(self, unrecorded: set[int]) -> None:
        """Renew the leases of a batch's jobs whose outcome is not written yet, every third of
        a lease: a batch to a slow host (4 at a time, up to the policy's deadline each) can
        outlive one lease, and another worker would then send those jobs again. A worker
        that dies stops renewing, and its jobs come back within a lease."""
        period = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(period)
            if not unrecorded:
                continue
            try:
                async with (
                    self._recording,
                    self.fed.db.session(write=True) as session,
                    session.begin(),
                ):
                    await session.execute(
                        update(Delivery)
                        .where(
                            Delivery.id.in_(list(unrecorded)),
                            Delivery.state == DeliveryState.QUEUED,
                        )
                        .values(locked_until=self.fed.now() + self.lease)
                    )
            except Exception:  # the database away a moment: the next turn tries again
                logger.exception("delivery_lease_renewal_failed")

    async def _load(self, ids: list[int]) -> tuple[list[Job], list[Outcome]]:
        async with self.fed.db.session() as session:
            deliveries = list(
                await session.scalars(
                    select(Delivery).where(
                        Delivery.id.in_(ids), Delivery.state == DeliveryState.QUEUED
                    )
                )
            )
            activity_ids = {delivery.activity_id for delivery in deliveries}
            activities = {
                row.id: row
                for row in await session.scalars(
                    select(OutboxActivity).where(OutboxActivity.id.in_(activity_ids))
                )
            }
            actor_ids = {row.actor_id for row in activities.values()}
            actors = {
                row.id: row
                for row in await session.scalars(select(Actor).where(Actor.id.in_(actor_ids)))
            }
        jobs: list[Job] = []
        orphans: list[int] = []
        broken: list[Outcome] = []
        bodies: dict[int, bytes] = {}
        for delivery in deliveries:
            activity = activities.get(delivery.activity_id)
            actor = actors.get(activity.actor_id) if activity is not None else None
            if activity is None or actor is None:
                orphans.append(delivery.id)
                continue
            if activity.id not in bodies:
                bodies[activity.id] = json.dumps(activity.payload, ensure_ascii=False).encode()
            try:
                sign, sign_async = self._signer(actor)
            except Exception as exc:  # a key of ours that does not load: our fault, counted
                logger.exception("delivery_bug")
                broken.append(
                    Outcome(delivery.id, None, f"internal error: {exc!r}", None, bug=True)
                )
                continue
            jobs.append(
                Job(
                    delivery.id,
                    delivery.inbox_url,
                    delivery.domain,
                    bodies[activity.id],
                    sign,
                    sign_async,
                )
            )
        if orphans:
            async with self.fed.db.session(write=True) as session, session.begin():
                await session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(orphans))
                    .values(state=DeliveryState.CANCELLED, locked_until=None)
                )
        return jobs, broken

    def _signer(self, actor: Actor) -> tuple[Signer, AsyncSigner | None]:
        """One parsed key per actor (parsing a PEM costs a good part of a signature); a new
        key (rotation) replaces it. The key is parsed here even when the signing processes
        sign: a key that does not load is found before the job is sent, and the loop can sign
        when no process can."""
        kept = self._signers.get(actor.id)
        if kept is None or kept[0] != actor.private_key_pem:
            sign = signer_for(actor)  # raises for an actor without a key that loads
            sign_async: AsyncSigner | None = None
            if self.signing.processes and actor.private_key_pem and actor.public_key_id:
                key = SigningKey(
                    actor.public_key_id,
                    actor.private_key_pem,
                    load_private_key(actor.private_key_pem),
                )
                sign_async = partial(self.signing.sign, key=key)
            kept = (actor.private_key_pem, sign, sign_async)
            self._signers[actor.id] = kept
        return kept[1], kept[2]

    async def _send_limited(self, job: Job, started: Callable[[], None]) -> Outcome:
        # The host's limit first: jobs waiting for a busy host do not hold the others' slots.
        limit = self.host_limits.setdefault(job.domain, asyncio.Semaphore(self.per_host))
        async with limit, self.concurrency:
            started()
            try:
                response = await self.delivery.post(
                    job.inbox,
                    job.body,
                    headers=DELIVERY_HEADERS,
                    sign=job.sign,
                    sign_async=job.sign_async,
                )
                return Outcome(job.delivery_id, response.status, None, None)
            except HTTPStatusError as exc:
                return Outcome(job.delivery_id, exc.status, str(exc), exc.retry_after)
            except HostBlocked as exc:
                return Outcome(job.delivery_id, None, str(exc), None, blocked=True)
            except FetchError as exc:
                return Outcome(job.delivery_id, None, str(exc), None)
            except Exception as exc:
                # Ours, not the peer's: recorded and counted like a failed attempt (so it backs
                # off and ends dead instead of coming back with every lease), host left alone.
                logger.exception("delivery_bug")
                return Outcome(job.delivery_id, None, f"internal error: {exc!r}", None, bug=True)

    async def _record_safely(self, outcomes: list[Outcome]) -> None:
        try:
            await self.record_many(outcomes)
        except Exception:
            logger.exception("delivery_bug")  # the leases expire: the jobs are taken again

    async def record(
        self, delivery_id: int, status: int | None, error: str | None, retry_after: float | None
    ) -> None:
        await self.record_many([Outcome(delivery_id, status, error, retry_after)])

    async def record_many(self, outcomes: list[Outcome]) -> None:
        """Write the outcomes of sent requests in one transaction."""
        now = self.fed.now()
        sent = [outcome for outcome in outcomes if outcome.sent]
        others = [outcome for outcome in outcomes if not outcome.sent]
        async with self.fed.db.session(write=True) as session, session.begin():
            if others:
                await self._record_others(session, others)
            if sent:
                await record_sent(session, sent, now)

    async def _record_others(self, session: AsyncSession, outcomes: list[Outcome]) -> None:
        """Failures, refusals and blocks, each row through `apply_outcome`'s rules; flushed
        before `record_sent` writes the hosts that answered."""
        now = self.fed.now()
        rows = {
            row.id: row
            for row in await session.scalars(
                select(Delivery)
                .where(Delivery.id.in_([outcome.delivery_id for outcome in outcomes]))
                .with_for_update()
            )
        }
        healths = await domain_healths(session, {row.domain for row in rows.values()})
        for outcome in outcomes:
            delivery = rows.get(outcome.delivery_id)
            if delivery is None or delivery.state != DeliveryState.QUEUED:
                # Finished meanwhile (cancelled, or sent by a worker that took over an
                # expired lease): final states are final, a late answer must not overwrite.
                continue
            apply_outcome(delivery, healths[delivery.domain], outcome, now, self.fed.settings)
        await session.flush()

    async def refresh_feeds(self) -> int:
        """Fetch again the subscribed `.ics` feeds and the events imported by URL that are due
        (`ics_refresh_minutes`)."""
        now = self.fed.now()
        feeds = await refresh_due(self.fed, self.ics_client, now)
        return feeds + await refresh_imports_due(self.fed, now)

    async def top_up_series(self) -> int:
        """Write the next dates of series whose written ones run out within a month of the
        horizon (`content/occurrences.py`); how many series."""
        async with self.fed.db.session(write=True) as session, session.begin():
            return await top_up_occurrences(session, self.fed.now())

    async def _feeds_loop(self, stop: asyncio.Event) -> None:
        """Feeds (and series' dates) on their own schedule, so a slow calendar never holds up
        deliveries."""
        while not stop.is_set():
            try:
                await self.refresh_feeds()
            except Exception as exc:
                if not database_unavailable(exc):  # the main loop reports an outage
                    logger.exception("ics_refresh_failed")
            try:
                await self.top_up_series()
            except Exception as exc:
                if not database_unavailable(exc):
                    logger.exception("occurrences_top_up_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=FEEDS_CHECK_SECONDS)

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until `stop` is set; wake early when this process queues work.

        A heartbeat task beats alongside (`heartbeat.py`). While the database cannot be
        reached the loop waits, longer each time up to `DATABASE_WAIT_MAX` seconds, says so
        once, and says so again when it is back: queued deliveries are in the database, so
        nothing is lost meanwhile, and claimed ones come back when their lease ends."""
        log_event(logger, "worker_started")
        feeds = asyncio.create_task(self._feeds_loop(stop))
        beating = asyncio.create_task(self._beat_until(stop))
        poll = self.fed.settings.worker_poll_seconds
        outage = 0  # consecutive steps that found the database unreachable
        try:
            while not stop.is_set():
                # Cleared before looking, not before sleeping: work queued while a batch
                # found nothing must wake the wait that follows, not the next poll.
                self.fed.wakeup.clear()
                try:
                    done = await self.process_batches(stop)
                except Exception as exc:
                    done = 0
                    if database_unavailable(exc):
                        outage += 1
                        if outage == 1:
                            log_event(
                                logger,
                                "worker_waiting_for_database",
                                logging.WARNING,
                                reason=unavailable_reason(exc),
                            )
                        await self._idle(stop, min(DATABASE_WAIT_MAX, poll * 2**outage))
                        continue
                    logger.exception("worker_step_failed")
                if outage:
                    log_event(logger, "worker_database_back", steps_waited=outage)
                    outage = 0
                if done:
                    continue
                await self._idle(stop, poll)
        finally:
            for task in (feeds, beating):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self.aclose()
            log_event(logger, "worker_stopped")

    async def process_batches(self, stop: asyncio.Event) -> int:
        """`process_batch` back to back while there is work: the next batch is claimed and
        loaded as soon as every job of the current one is on its way, so the link stays busy
        while the current batch's last answers and outcomes come in (each batch boundary
        left it idle ~0.1 s: claim, load, the last outcomes). At most two batches overlap;
        the semaphores bound concurrency across both. Returns how many deliveries were
        processed; a batch's failure is raised once the other one is over."""
        total = 0
        ready = asyncio.Event()
        running = asyncio.create_task(self.process_batch(ready))
        following: asyncio.Task[int] | None = None
        try:
            while True:
                waiting = asyncio.create_task(ready.wait())
                await asyncio.wait({running, waiting}, return_when=asyncio.FIRST_COMPLETED)
                waiting.cancel()
                if running.done() or stop.is_set():
                    return total + await running
                ready = asyncio.Event()
                following = asyncio.create_task(self.process_batch(ready))
                try:
                    total += await running
                except Exception:
                    await asyncio.gather(following, return_exceptions=True)
                    raise
                running, following = following, None
        finally:
            # Cancelled from outside (the worker's own stop waits instead): no batch is left
            # running unowned; its claimed jobs come back when their lease ends.
            for task in (running, following):
                if task is not None and not task.done():
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)

    async def _idle(self, stop: asyncio.Event, seconds: float) -> None:
        """Wait `seconds`, or less if this process queued work since the last look (or
        queues it now) or the worker is stopped."""
        waiter = asyncio.ensure_future(self.fed.wakeup.wait())
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait(
                {waiter, stopper}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waiter.cancel()
            stopper.cancel()

    async def _beat_until(self, stop: asyncio.Event) -> None:
        interval = beat_interval(self.fed.settings.worker_stale_seconds)
        started_at = self.fed.now()
        while not stop.is_set():
            try:
                await beat(self.fed.db, self.name, started_at, self.fed.now())
            except Exception as exc:
                if not database_unavailable(exc):  # the main loop reports an outage
                    logger.exception("worker_heartbeat_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
