"""The delivery worker against real HTTP servers on loopback ports.

Each `Sink` (sinks.py) is a minimal HTTP/1.1 server in the test's own event loop that answers
what the test told it to. Notes are published through the real services, the
worker's testable step `process_batch` is driven directly, and outcomes are read from the
database; signatures are verified with the association's public key.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from delivery_fixtures import Reply, Seen, Sink, add_follower, publish
from federation_peer import count, one, rows
from sql_recorder import statements_of
from sqlalchemy import select, update
from sqlalchemy.sql import ColumnElement

from dbs import backend
from migrantnet.config import Settings
from migrantnet.content.associations import rotate_key
from migrantnet.content.notes import publish_note
from migrantnet.content.objects import delete_object
from migrantnet.db import Database
from migrantnet.federation.delivery_client import DeliveryClient
from migrantnet.federation.delivery_outcomes import Outcome
from migrantnet.federation.fetch_policy import FetchPolicy
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.service import Federation
from migrantnet.federation.signatures.digest import digest_header
from migrantnet.federation.signatures.key_lookup import PublicKey
from migrantnet.federation.signatures.verify import verify_request
from migrantnet.federation.worker import LEASE, DeliveryWorker
from migrantnet.models import (
    Actor,
    ContentObject,
    Delivery,
    DeliveryState,
    DomainHealth,
    Follow,
    FollowState,
    OutboxActivity,
)

pg_only = pytest.mark.skipif(
    backend() != "postgresql",
    reason="concurrent workers need FOR UPDATE SKIP LOCKED (PostgreSQL); SQLite runs one worker",
)


@pytest.fixture
async def make_sink() -> AsyncIterator[Callable[[], Any]]:
    sinks: list[Sink] = []

    async def make() -> Sink:
        sink = await Sink().start()
        sinks.append(sink)
        return sink

    yield make
    for sink in sinks:
        await sink.stop()


@pytest.fixture
async def sink(make_sink: Callable[[], Any]) -> Sink:
    return await make_sink()


MakeWorker = Callable[..., DeliveryWorker]


@pytest.fixture
async def make_worker(settings: Settings, db: Database) -> AsyncIterator[MakeWorker]:
    """`make_worker(delivery_max_attempts=2, ...)`: a worker (and its Federation) on settings
    changed as given; all are closed at the end."""
    workers: list[DeliveryWorker] = []

    def make(**overrides: Any) -> DeliveryWorker:
        worker = DeliveryWorker(Federation(settings.model_copy(update=overrides), db))
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        await worker.aclose()
        await worker.fed.aclose()


# -- helpers ------------------------------------------------------------------------------


async def make_due(db: Database, *where: ColumnElement[bool]) -> None:
    """Move retries to the past, as if their time had come."""
    async with db.session() as session, session.begin():
        await session.execute(
            update(Delivery)
            .where(*where)
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )


async def deliveries(db: Database, *where: ColumnElement[bool]) -> list[Delivery]:
    return await rows(db, Delivery, *where)


async def assert_signed_by(seen: Seen, sink: Sink, actor: Actor, payload: dict[str, Any]) -> None:
    """A draft-cavage signature by `actor`'s key over this very request, a Digest of the body,
    a Date of the moment it was sent, and the activity as the body."""

    async def key_lookup(key_id: str, refresh: bool) -> PublicKey | None:
        if key_id != actor.public_key_id:
            return None
        assert actor.public_key_pem is not None
        return PublicKey(key_id=key_id, owner=actor.ap_id, public_key_pem=actor.public_key_pem)

    verified = await verify_request(
        seen.method,
        sink.url(seen.path),
        seen.headers,
        seen.body,
        key_lookup=key_lookup,
        now=datetime.now(UTC),
    )
    assert (verified.key_id, verified.owner, verified.scheme) == (
        actor.public_key_id,
        actor.ap_id,
        "cavage",
    )
    assert 'algorithm="rsa-sha256"' in seen.headers["signature"]
    assert seen.headers["digest"] == digest_header(seen.body)
    assert seen.headers["content-type"] == "application/activity+json"
    sent_at = parsedate_to_datetime(seen.headers["date"])
    assert abs(sent_at - seen.received_at) < timedelta(seconds=2)
    assert seen.activity == payload


async def wait_until(check: Callable[[], Any], timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.02)


# -- queueing -----------------------------------------------------------------------------


async def test_one_delivery_per_distinct_preferred_inbox(
    db: Database, association: Actor, make_sink: Callable[[], Any], make_worker: MakeWorker
) -> None:
    a, b = await make_sink(), await make_sink()
    for name in ("alice", "bob", "carol"):  # one host, one shared inbox
        await add_follower(db, association, a.url(f"/users/{name}/inbox"), a.url("/inbox"))
    await add_follower(db, association, a.url("/users/frank/inbox"))  # same host, no shared
    await add_follower(db, association, b.url("/users/dave/inbox"))
    await add_follower(db, association, b.url("/users/erin/inbox"), state=FollowState.PENDING)
    worker = make_worker()

    note_id = await publish(worker.fed, association)

    activity = await one(db, OutboxActivity)
    assert (activity.type, activity.object_ap_id, activity.public) == ("Create", note_id, True)
    queued = await deliveries(db)
    assert sorted(d.inbox_url for d in queued) == sorted(
        [a.url("/inbox"), a.url("/users/frank/inbox"), b.url("/users/dave/inbox")]
    )
    assert {d.activity_id for d in queued} == {activity.id}
    assert {(d.state, d.attempts) for d in queued} == {(DeliveryState.QUEUED, 0)}
    assert sorted(d.domain for d in queued) == sorted([a.domain, a.domain, b.domain])

    assert await worker.process_batch() == 3
    assert Counter(s.path for s in a.posts()) == {"/inbox": 1, "/users/frank/inbox": 1}
    assert [s.path for s in b.posts()] == ["/users/dave/inbox"]
    assert {(d.state, d.attempts) for d in await deliveries(db)} == {(DeliveryState.SENT, 1)}


async def test_outcomes_of_sends_to_a_new_host_finishing_together_are_all_recorded(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    """Each outcome notes the host's health; the first ones to a host never seen before must
    not race to create its row and lose the outcome of a request already sent."""
    names = [f"member{n}" for n in range(8)]
    for name in names:
        await add_follower(db, association, sink.url(f"/users/{name}/inbox"))
    worker = make_worker()
    await publish(worker.fed, association)

    assert await worker.process_batch() == len(names)

    assert len(sink.posts()) == len(names)
    assert {(d.state, d.attempts, d.locked_until) for d in await deliveries(db)} == {
        (DeliveryState.SENT, 1, None)
    }
    assert (await one(db, DomainHealth)).domain == sink.domain
    assert await worker.process_batch() == 0


async def test_deliveries_are_written_in_the_transaction_of_the_object(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    await add_follower(db, association, sink.url("/users/bob/inbox"))
    fed = make_worker().fed
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        assert actor is not None
        await publish_note(session, fed.uris, ActivityPubNotifier(fed), actor, text={"en": "x"})
        assert len(list(await session.scalars(select(Delivery)))) == 2  # flushed, in here
        assert await count(db, Delivery) == 0, "nothing is visible before the commit"
        await session.rollback()

    assert await count(db, ContentObject) == 0
    assert await count(db, OutboxActivity) == 0
    assert await count(db, Delivery) == 0


# -- outcomes -----------------------------------------------------------------------------


async def test_accepted_delivery_is_sent_once_and_signed_at_send_time(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    worker = make_worker()
    await publish(worker.fed, association)

    assert await worker.process_batch() == 1

    delivery = await one(db, Delivery)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.SENT, 1, 202)
    assert delivery.locked_until is None
    [seen] = sink.posts("/users/alice/inbox")
    await assert_signed_by(seen, sink, association, (await one(db, OutboxActivity)).payload)
    health = await one(db, DomainHealth)
    assert (health.domain, health.failure_days, health.unavailable) == (sink.domain, [], False)
    assert health.last_success_at is not None
    assert await worker.process_batch() == 0, "a sent delivery is never sent again"
    assert len(sink.seen) == 1


async def test_server_error_is_retried_after_the_backoff(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    sink.answer("/users/alice/inbox", 500)
    worker = make_worker(delivery_backoff_scale=1.0)
    await publish(worker.fed, association)

    before = datetime.now(UTC)
    assert await worker.process_batch() == 1
    after = datetime.now(UTC)

    delivery = await one(db, Delivery)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (
        DeliveryState.QUEUED,
        1,
        500,
    )
    assert delivery.locked_until is None
    # (1^4 + 15) s, plus at most 0.5 + 2 s of jitter
    assert before + timedelta(seconds=16) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= after + timedelta(seconds=18.5)
    health = await one(db, DomainHealth)
    assert health.failure_days in ([before.date().isoformat()], [after.date().isoformat()])
    assert not health.unavailable

    assert await worker.process_batch() == 0, "not before its time"
    assert len(sink.seen) == 1


async def test_each_attempt_is_signed_afresh(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    sink.answer("/users/alice/inbox", 500, 202)
    worker = make_worker(delivery_backoff_scale=0.001)  # a retry some 16 ms later
    await publish(worker.fed, association)
    payload = (await one(db, OutboxActivity)).payload

    assert await worker.process_batch() == 1
    await asyncio.sleep(1.02 - time.time() % 1)  # into the next second: Date must change
    assert await worker.process_batch() == 1

    delivery = await one(db, Delivery)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.SENT, 2, 202)
    first, second = sink.posts("/users/alice/inbox")
    assert parsedate_to_datetime(second.headers["date"]) > parsedate_to_datetime(
        first.headers["date"]
    )
    assert first.headers["signature"] != second.headers["signature"]
    for seen in (first, second):
        await assert_signed_by(seen, sink, association, payload)


async def test_the_update_of_a_new_key_waits_until_every_process_serves_it(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    """A follower told of a rotated key refetches it: were the Update sent before the node's
    other processes see the new key (within `render_cache_check_seconds`), it would be handed
    the old one and refuse the signature."""
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    worker = make_worker(render_cache_check_seconds=1.0)
    async with db.session() as session, session.begin():
        actor = await session.get(Actor, association.id)
        assert actor is not None
        await rotate_key(session, actor)
        await ActivityPubNotifier(worker.fed).actor_updated(session, actor, key_changed=True)
    assert await worker.process_batch() == 0  # not yet
    delivery = await one(db, Delivery)
    assert delivery.next_attempt_at >= delivery.created_at + timedelta(seconds=2)
    async with db.session() as session, session.begin():
        await session.execute(update(Delivery).values(next_attempt_at=delivery.created_at))
    assert await worker.process_batch() == 1
    assert [post.activity["type"] for post in sink.posts("/users/alice/inbox")] == ["Update"]


async def test_retry_after_of_a_429_is_honoured(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    sink.answer("/users/alice/inbox", Reply(429, (("Retry-After", "120"),)))
    worker = make_worker(delivery_backoff_scale=0.001)  # so only Retry-After can be this long
    await publish(worker.fed, association)

    before = datetime.now(UTC)
    assert await worker.process_batch() == 1

    delivery = await one(db, Delivery)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (
        DeliveryState.QUEUED,
        1,
        429,
    )
    assert delivery.next_attempt_at >= before + timedelta(seconds=120)
    assert delivery.next_attempt_at <= datetime.now(UTC) + timedelta(seconds=121)


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (400, DeliveryState.FAILED),
        (403, DeliveryState.FAILED),
        (404, DeliveryState.FAILED),
        (410, DeliveryState.FAILED),
        (501, DeliveryState.FAILED),
        (401, DeliveryState.QUEUED),
        (408, DeliveryState.QUEUED),
        (502, DeliveryState.QUEUED),
        (503, DeliveryState.QUEUED),
    ],
)
async def test_final_refusals_fail_and_the_rest_are_retried(
    db: Database,
    association: Actor,
    sink: Sink,
    make_worker: MakeWorker,
    status: int,
    state: DeliveryState,
) -> None:
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    sink.answer("/users/alice/inbox", status)
    worker = make_worker(delivery_backoff_scale=0.001)
    await publish(worker.fed, association)

    assert await worker.process_batch() == 1
    delivery = await one(db, Delivery)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (state, 1, status)
    assert delivery.last_error and str(status) in delivery.last_error

    await make_due(db)
    retried = state == DeliveryState.QUEUED
    assert await worker.process_batch() == int(retried)
    assert len(sink.posts()) == 1 + int(retried)
    assert (await one(db, Delivery)).attempts == 1 + int(retried)


async def test_a_peer_that_never_answers_is_retried(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    sink.answer("/users/alice/inbox", sink.hang())
    worker = make_worker()
    # The same worker with short deadlines (the policy's 30 s would make a slow test).
    await worker.aclose()
    quick = FetchPolicy(
        user_agent="migrantnet-test",
        allow_private_addresses=True,
        read_timeout=0.3,
        total_timeout=0.5,
    )
    worker.delivery = DeliveryClient(quick)
    await publish(worker.fed, association)

    assert await worker.process_batch() == 1

    delivery = await one(db, Delivery)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (
        DeliveryState.QUEUED,
        1,
        None,
    )
    assert delivery.last_error
    assert delivery.next_attempt_at > datetime.now(UTC)
    assert (await one(db, DomainHealth)).failure_days != []


async def test_the_last_failed_attempt_makes_it_dead(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    sink.answer("/users/alice/inbox", 500)
    worker = make_worker(delivery_max_attempts=3, delivery_backoff_scale=0.001)
    await publish(worker.fed, association)

    for attempt in (1, 2, 3):
        await make_due(db)
        assert await worker.process_batch() == 1
        delivery = await one(db, Delivery)
        assert delivery.attempts == attempt
    assert delivery.state == DeliveryState.DEAD
    await make_due(db)
    assert await worker.process_batch() == 0
    assert len(sink.posts()) == 3


# -- unavailable domains ------------------------------------------------------------------


async def test_an_unavailable_domain_is_skipped_until_it_succeeds(
    db: Database, association: Actor, make_sink: Callable[[], Any], make_worker: MakeWorker
) -> None:
    down, up = await make_sink(), await make_sink()
    await add_follower(db, association, down.url("/users/alice/inbox"))
    await add_follower(db, association, up.url("/users/bob/inbox"))
    worker = make_worker(unavailable_after_days=3)
    async with db.session() as session, session.begin():
        health = DomainHealth(domain=down.domain, failure_days=[])
        for day in (date(2025, 3, 1), date(2025, 3, 1), date(2025, 3, 4)):
            health.record_failure(day, 3)
        assert not health.unavailable, "two distinct days are not enough"
        health.record_failure(date(2025, 3, 9), 3)
        assert health.unavailable
        session.add(health)
    await publish(worker.fed, association)

    assert await worker.process_batch() == 1
    assert down.seen == []
    assert len(up.posts()) == 1
    skipped = await one(db, Delivery, Delivery.domain == down.domain)
    assert (skipped.state, skipped.attempts) == (DeliveryState.QUEUED, 0)

    async with db.session() as session, session.begin():
        health = await session.get(DomainHealth, down.domain)
        assert health is not None
        health.record_success(datetime.now(UTC))

    assert await worker.process_batch() == 1
    assert len(down.posts("/users/alice/inbox")) == 1
    assert (await one(db, Delivery, Delivery.domain == down.domain)).state == DeliveryState.SENT


async def test_failures_of_the_worker_make_a_domain_unavailable(
    db: Database, association: Actor, make_sink: Callable[[], Any], make_worker: MakeWorker
) -> None:
    down, up = await make_sink(), await make_sink()
    down.answer("/users/alice/inbox", 500)
    await add_follower(db, association, down.url("/users/alice/inbox"))
    await add_follower(db, association, up.url("/users/bob/inbox"))
    worker = make_worker(unavailable_after_days=1, delivery_backoff_scale=0.001)
    await publish(worker.fed, association)

    assert await worker.process_batch() == 2
    assert (await one(db, DomainHealth, DomainHealth.domain == down.domain)).unavailable
    assert not (await one(db, DomainHealth, DomainHealth.domain == up.domain)).unavailable

    await publish(worker.fed, association, "Une autre note")
    await make_due(db)
    assert await worker.process_batch() == 1, "only the new delivery to the healthy host"
    assert len(down.posts()) == 1
    assert len(up.posts()) == 2


# -- deletion -----------------------------------------------------------------------------


async def test_deleting_before_the_worker_runs_cancels_the_create(
    db: Database, association: Actor, make_sink: Callable[[], Any], make_worker: MakeWorker
) -> None:
    a, b = await make_sink(), await make_sink()
    await add_follower(db, association, a.url("/users/alice/inbox"), a.url("/inbox"))
    await add_follower(db, association, b.url("/users/bob/inbox"))
    worker = make_worker()
    note_id = await publish(worker.fed, association)

    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        obj = await session.scalar(select(ContentObject).where(ContentObject.ap_id == note_id))
        assert actor is not None and obj is not None
        await delete_object(session, ActivityPubNotifier(worker.fed), actor, obj)
        await session.commit()

    create = await one(db, OutboxActivity, OutboxActivity.type == "Create")
    delete = await one(db, OutboxActivity, OutboxActivity.type == "Delete")
    assert {d.state for d in await deliveries(db, Delivery.activity_id == create.id)} == {
        DeliveryState.CANCELLED
    }
    deletes = await deliveries(db, Delivery.activity_id == delete.id)
    assert {d.inbox_url for d in deletes} == {a.url("/inbox"), b.url("/users/bob/inbox")}
    assert {d.state for d in deletes} == {DeliveryState.QUEUED}

    assert await worker.process_batch() == 2
    sent = [*a.posts(), *b.posts()]
    assert [s.activity["type"] for s in sent] == ["Delete", "Delete"]
    assert {s.activity["object"]["id"] for s in sent} == {note_id}
    for seen, sink in ((sent[0], a), (sent[1], b)):
        await assert_signed_by(seen, sink, association, delete.payload)
    assert {(d.state, d.attempts) for d in await deliveries(db)} == {
        (DeliveryState.CANCELLED, 0),
        (DeliveryState.SENT, 1),
    }


# -- crashes and leases -------------------------------------------------------------------


async def test_a_crashed_workers_leases_expire_and_nothing_is_lost(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    for name in ("alice", "bob", "carol"):
        await add_follower(db, association, sink.url(f"/users/{name}/inbox"))
    crashed, survivor = make_worker(), make_worker()
    await publish(crashed.fed, association)

    async with db.session() as session:
        claimed = await crashed.claim(session)
    await crashed.aclose()  # it dies holding the leases, having sent nothing
    assert len(claimed) == 3
    for delivery in await deliveries(db):
        assert (delivery.state, delivery.attempts) == (DeliveryState.QUEUED, 0)
        assert delivery.locked_until is not None
        assert delivery.locked_until > datetime.now(UTC) + LEASE - timedelta(seconds=10)

    assert await survivor.process_batch() == 0, "leases are respected while they last"
    assert sink.seen == []

    async with db.session() as session, session.begin():
        await session.execute(
            update(Delivery).values(locked_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert await survivor.process_batch() == 3
    assert Counter(s.path for s in sink.posts()) == {
        f"/users/{name}/inbox": 1 for name in ("alice", "bob", "carol")
    }
    assert {(d.state, d.attempts, d.locked_until) for d in await deliveries(db)} == {
        (DeliveryState.SENT, 1, None)
    }


async def test_a_late_answer_does_not_undo_a_finished_delivery(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    """A worker stalled past its lease: another takes the job and sends it; the stalled one's
    answer (a refusal, here) then comes in and must not turn `sent` into `failed`."""
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    release = asyncio.Event()
    sink.answer("/users/alice/inbox", Reply(410, hold=release), Reply(202))
    stalled, other = make_worker(), make_worker()
    await publish(stalled.fed, association)

    first = asyncio.create_task(stalled.process_batch())
    await sink.wait_for(1)
    async with db.session() as session, session.begin():
        await session.execute(
            update(Delivery).values(locked_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert await other.process_batch() == 1
    assert (await one(db, Delivery)).state == DeliveryState.SENT
    release.set()
    assert await first == 1

    delivery = await one(db, Delivery)
    assert (delivery.state, delivery.last_status) == (DeliveryState.SENT, 202)
    assert len(sink.posts()) == 2  # at least once: the overlap sent it twice


async def test_sent_outcomes_cost_statements_that_do_not_grow_with_their_number(
    db: Database, association: Actor, make_worker: MakeWorker
) -> None:
    """Answers of 2xx are written by a statement per distinct status and one for their
    hosts, not a load and an UPDATE per job: the fan-out's write stays flat per chunk."""
    hosts = ["a.example", "b.example", "c.example"]
    for n in range(14):
        await add_follower(db, association, f"https://{hosts[n % 3]}/users/m{n}/inbox")
    worker = make_worker()
    await publish(worker.fed, association)
    ids = sorted(delivery.id for delivery in await deliveries(db))

    with statements_of(db) as few:
        await worker.record_many([Outcome(i, 202, None, None) for i in ids[:2]])
    with statements_of(db) as many:
        await worker.record_many([Outcome(i, 202, None, None) for i in ids[2:12]])
    with statements_of(db) as two_statuses:
        await worker.record_many(
            [Outcome(ids[12], 200, None, None), Outcome(ids[13], 202, None, None)]
        )
    assert len(many) == len(few), many
    assert len(two_statuses) == len(few) + 1, two_statuses

    assert {(d.id, d.state, d.attempts, d.locked_until) for d in await deliveries(db)} == {
        (i, DeliveryState.SENT, 1, None) for i in ids
    }
    assert (await one(db, Delivery, Delivery.id == ids[12])).last_status == 200
    healths = await rows(db, DomainHealth)
    assert sorted(h.domain for h in healths) == hosts
    assert all(h.last_success_at is not None and h.failure_days == [] for h in healths)


async def test_a_host_that_answered_in_a_chunk_is_alive_whatever_else_failed(
    db: Database, association: Actor, make_worker: MakeWorker
) -> None:
    """One chunk holds a failure and a 2xx for the same host, a late 2xx for a job that was
    cancelled meanwhile, and a 2xx for a host blocked since the job left: each job follows
    its own rule, the host that answered is healthy, the block stays."""
    for name in ("fails", "answers"):
        await add_follower(db, association, f"https://up.example/users/{name}/inbox")
    await add_follower(db, association, "https://up.example/users/gone/inbox")
    await add_follower(db, association, "https://blocked.example/users/x/inbox")
    worker = make_worker(delivery_backoff_scale=0.001)
    await publish(worker.fed, association)
    by_inbox = {d.inbox_url.split("/")[-2]: d.id for d in await deliveries(db)}
    async with db.session() as session, session.begin():
        session.add(
            DomainHealth(domain="up.example", failure_days=["2026-11-30"], unavailable=False)
        )
        session.add(DomainHealth(domain="blocked.example", failure_days=[], blocked=True))
        await session.execute(
            update(Delivery)
            .where(Delivery.id == by_inbox["gone"])
            .values(state=DeliveryState.CANCELLED)
        )

    await worker.record_many(
        [
            Outcome(by_inbox["answers"], 200, None, None),
            Outcome(by_inbox["fails"], 503, "HTTP 503", None),
            Outcome(by_inbox["gone"], 202, None, None),
            Outcome(by_inbox["x"], 202, None, None),
        ]
    )

    state = {
        d.inbox_url.split("/")[-2]: (d.state, d.attempts, d.last_status)
        for d in await deliveries(db)
    }
    assert state == {
        "answers": (DeliveryState.SENT, 1, 200),
        "fails": (DeliveryState.QUEUED, 1, 503),
        "gone": (DeliveryState.CANCELLED, 0, None),
        "x": (DeliveryState.SENT, 1, 202),
    }
    up = await one(db, DomainHealth, DomainHealth.domain == "up.example")
    assert (up.failure_days, up.unavailable) == ([], False)
    assert up.last_success_at is not None
    blocked = await one(db, DomainHealth, DomainHealth.domain == "blocked.example")
    assert blocked.blocked


async def test_a_batch_that_outlives_its_lease_keeps_its_jobs(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    """A slow host holds a batch past one lease: the worker renews the leases of the jobs it
    has not recorded, so another worker does not send them again."""
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    release = asyncio.Event()
    sink.answer("/users/alice/inbox", Reply(202, hold=release))
    slow, other = make_worker(delivery_lease_seconds=1), make_worker(delivery_lease_seconds=1)
    await publish(slow.fed, association)

    first = asyncio.create_task(slow.process_batch())
    await sink.wait_for(1)
    for _ in range(5):  # 2.5 s: two and a half leases
        await asyncio.sleep(0.5)
        assert await other.process_batch() == 0, "the job is still the slow worker's"
        assert (await one(db, Delivery)).locked_until is not None
    release.set()
    assert await first == 1

    delivery = await one(db, Delivery)
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 1)
    assert len(sink.posts()) == 1


# -- several workers (PostgreSQL) ---------------------------------------------------------


async def fifty_followers(db: Database, association: Actor, sink: Sink) -> None:
    async with db.session() as session, session.begin():
        for n in range(50):
            inbox = sink.url(f"/users/u{n}/inbox")
            follower = Actor(
                ap_id=inbox.removesuffix("/inbox"),
                type="Person",
                local=False,
                username=f"u{n}",
                domain=sink.domain,
                inbox_url=inbox,
            )
            session.add(follower)
            await session.flush()
            session.add(
                Follow(
                    ap_id=f"{follower.ap_id}#follow",
                    follower_id=follower.id,
                    followed_id=association.id,
                    state=FollowState.ACCEPTED,
                )
            )


@pg_only
async def test_concurrent_claims_never_share_a_delivery(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    await fifty_followers(db, association, sink)
    one_worker, two_worker = (
        make_worker(delivery_concurrency=4),
        make_worker(delivery_concurrency=4),
    )
    await publish(one_worker.fed, association)
    all_ids = sorted(d.id for d in await deliveries(db))
    assert len(all_ids) == 50

    # Rows locked by a transaction still open are skipped at once, not waited for.
    async with db.session() as holder:
        held = list(
            await holder.scalars(
                select(Delivery.id).order_by(Delivery.id).limit(10).with_for_update()
            )
        )
        async with db.session() as session, asyncio.timeout(5):
            taken = await one_worker.claim(session)
        assert taken and not set(taken) & set(held)
        await holder.rollback()
    async with db.session() as session, session.begin():
        await session.execute(update(Delivery).values(locked_until=None))

    claimed: list[int] = []
    while True:
        async with db.session() as first, db.session() as second:
            a, b = await asyncio.gather(one_worker.claim(first), two_worker.claim(second))
        if not a and not b:
            break
        assert len(a) <= 16 and len(b) <= 16
        assert not set(a) & set(b), "the same delivery claimed by both workers"
        claimed += [*a, *b]
    assert sorted(claimed) == all_ids


@pg_only
async def test_two_workers_send_each_delivery_exactly_once(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    await fifty_followers(db, association, sink)
    workers = [make_worker(delivery_concurrency=4) for _ in range(2)]
    await publish(workers[0].fed, association)

    rounds = 0
    while sum(await asyncio.gather(*(w.process_batch() for w in workers))):
        rounds += 1
    assert rounds >= 2

    sent = Counter((s.activity["id"], s.path) for s in sink.posts())
    assert len(sent) == 50
    assert set(sent.values()) == {1}
    assert {(d.state, d.attempts) for d in await deliveries(db)} == {(DeliveryState.SENT, 1)}


# -- the loop -----------------------------------------------------------------------------


async def test_batches_back_to_back_send_each_delivery_once(
    db: Database, association: Actor, make_sink: Callable[[], Any], make_worker: MakeWorker
) -> None:
    """Batches of 8 (concurrency 2), each next one claimed while the one before finishes:
    every inbox gets one POST, every row is sent, and the per-host limit holds across the
    two batches in flight."""
    sinks = [await make_sink() for _ in range(3)]
    for index in range(30):
        await add_follower(db, association, sinks[index % 3].url(f"/users/u{index}/inbox"))
    worker = make_worker(delivery_concurrency=2, delivery_per_host=1)
    await publish(worker.fed, association)
    in_flight: Counter[str] = Counter()
    most: Counter[str] = Counter()
    send = worker._send_limited

    async def watched(job: Any, started: Callable[[], None]) -> Any:
        def on_start() -> None:
            in_flight[job.domain] += 1
            most[job.domain] = max(most[job.domain], in_flight[job.domain])
            started()

        try:
            return await send(job, on_start)
        finally:
            in_flight[job.domain] -= 1

    batches = {"now": 0, "most": 0}
    batch = worker.process_batch

    async def counted(all_started: asyncio.Event | None = None) -> int:
        batches["now"] += 1
        batches["most"] = max(batches["most"], batches["now"])
        try:
            return await batch(all_started)
        finally:
            batches["now"] -= 1

    worker._send_limited = watched  # type: ignore[method-assign]
    worker.process_batch = counted  # type: ignore[method-assign]

    assert await worker.process_batches(asyncio.Event()) == 30

    assert batches["most"] == 2  # they did overlap

    assert sorted(len(sink.posts()) for sink in sinks) == [10, 10, 10]
    assert all(len({seen.path for seen in sink.posts()}) == 10 for sink in sinks)
    assert await count(db, Delivery, Delivery.state == DeliveryState.SENT) == 30
    assert set(most.values()) == {1}  # one at a time per host, across overlapping batches


async def test_run_wakes_for_new_work_and_stops_promptly(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    worker = make_worker(worker_poll_seconds=30)
    stop = asyncio.Event()
    loop = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.sleep(0.1)  # idle, waiting on a 30 s poll
        await publish(worker.fed, association)  # queueing wakes it

        async def sent() -> bool:
            return await count(db, Delivery, Delivery.state == DeliveryState.SENT) == 1

        await wait_until(sent, timeout=5)
        started = time.monotonic()
        stop.set()
        async with asyncio.timeout(2):
            await loop
        assert time.monotonic() - started < 1
    finally:
        if not loop.done():
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop

    assert len(sink.posts()) == 1
    with pytest.raises(RuntimeError, match="closed"):  # closed on the way out
        await worker.delivery.post(sink.url("/users/alice/inbox"), b"{}")
    assert len(sink.posts()) == 1


async def test_work_queued_while_an_empty_batch_ran_wakes_the_wait_after_it(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    """A note published while the worker's batch was finding nothing: the wait that follows
    that batch ends at once, not at the next poll (30 s here)."""
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    worker = make_worker(worker_poll_seconds=30)
    stop = asyncio.Event()
    real = worker.process_batches

    async def publishing_meanwhile(stop: asyncio.Event) -> int:
        done = await real(stop)
        if not sink.posts():
            await publish(worker.fed, association)  # after its claim found nothing
        return done

    worker.process_batches = publishing_meanwhile  # type: ignore[method-assign]
    loop = asyncio.create_task(worker.run(stop))
    try:

        async def sent() -> bool:
            return await count(db, Delivery, Delivery.state == DeliveryState.SENT) == 1

        await wait_until(sent, timeout=5)
    finally:
        stop.set()
        async with asyncio.timeout(5):
            await loop
    assert len(sink.posts()) == 1


async def test_our_own_error_is_counted_and_ends_dead_without_blaming_the_host(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    """A key of ours that no longer loads (a damaged row) fails the attempt: recorded with the
    reason and backed off like any failure, dead after the last attempt, instead of coming back
    every lease forever; the peer's domain health is not marked down for our fault."""
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    worker = make_worker(delivery_max_attempts=2, delivery_backoff_scale=0.001)
    await publish(worker.fed, association)
    async with db.session() as session, session.begin():
        actor = await session.get(Actor, association.id)
        assert actor is not None
        actor.private_key_pem = "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n"

    assert await worker.process_batch() == 1
    delivery = await one(db, Delivery)
    assert (delivery.state, delivery.attempts) == (DeliveryState.QUEUED, 1)
    assert delivery.last_error is not None and delivery.last_error.startswith("internal error")
    assert delivery.locked_until is None and delivery.next_attempt_at is not None

    await make_due(db)
    assert await worker.process_batch() == 1
    delivery = await one(db, Delivery)
    assert (delivery.state, delivery.attempts) == (DeliveryState.DEAD, 2)
    assert sink.posts() == []
    health = await db_health(db, sink.domain)
    assert health is None or health.failure_days == []


async def db_health(db: Database, domain: str) -> DomainHealth | None:
    async with db.session() as session:
        return await session.get(DomainHealth, domain)


# -- signing processes --------------------------------------------------------------------


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_deliveries_are_signed_by_the_signing_process(
    db: Database, association: Actor, make_sink: Callable[[], Any], make_worker: MakeWorker
) -> None:
    a, b = await make_sink(), await make_sink()
    for n in range(12):
        await add_follower(db, association, (a if n % 2 else b).url(f"/users/m{n}/inbox"))
    worker = make_worker(delivery_signing_processes=1)
    worker.signing.loop_takes_over_after = 3600  # however slow the machine: all by the process
    await worker.signing.start()
    assert len(worker.signing.pids) == 1
    await publish(worker.fed, association)

    assert await worker.process_batch() == 12

    assert (worker.signing.signed_by_processes, worker.signing.signed_on_loop) == (12, 0)
    payload = (await one(db, OutboxActivity)).payload
    for sink in (a, b):
        assert len(sink.posts()) == 6
        for seen in sink.posts():
            await assert_signed_by(seen, sink, association, payload)
    assert {d.state for d in await deliveries(db)} == {DeliveryState.SENT}


async def test_a_killed_signing_process_loses_no_delivery(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    """Killed while idle (the kernel's OOM killer, an operator): the batch finds out at its
    first chunk, signs on the loop, and a new process signs the next batch."""
    for n in range(20):
        await add_follower(db, association, sink.url(f"/users/m{n}/inbox"))
    worker = make_worker(delivery_signing_processes=1)
    worker.signing.loop_takes_over_after = 3600  # however slow the machine: all by the process
    await worker.signing.start()
    [killed] = worker.signing.pids
    os.kill(killed, signal.SIGKILL)
    await publish(worker.fed, association)

    assert await worker.process_batch() == 20

    payload = (await one(db, OutboxActivity)).payload
    assert Counter(seen.path for seen in sink.posts()) == {
        f"/users/m{n}/inbox": 1 for n in range(20)
    }
    for seen in sink.posts():
        await assert_signed_by(seen, sink, association, payload)
    assert {(d.state, d.attempts) for d in await deliveries(db)} == {(DeliveryState.SENT, 1)}
    assert worker.signing.signed_on_loop >= 1
    assert not process_alive(killed)

    await worker.signing.start()
    [replacement] = worker.signing.pids
    assert replacement != killed
    await add_follower(db, association, sink.url("/users/late/inbox"))
    by_processes = worker.signing.signed_by_processes
    await publish(worker.fed, association, "Second note")
    assert await worker.process_batch() == 21
    assert worker.signing.signed_by_processes == by_processes + 21


async def test_stopping_the_worker_ends_its_signing_process(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    worker = make_worker(delivery_signing_processes=1, worker_poll_seconds=30)
    await worker.signing.start()
    [pid] = worker.signing.pids
    await publish(worker.fed, association)  # before `run`: its first batch takes it
    stop = asyncio.Event()
    loop = asyncio.create_task(worker.run(stop))

    async def sent() -> bool:
        return await count(db, Delivery, Delivery.state == DeliveryState.SENT) == 1

    await wait_until(sent, timeout=5)
    stop.set()
    async with asyncio.timeout(5):
        await loop

    assert worker.signing.signed_by_processes == 1
    assert worker.signing.pids == []
    assert not process_alive(pid)


async def test_no_signing_process_when_the_setting_is_zero(
    db: Database, association: Actor, sink: Sink, make_worker: MakeWorker
) -> None:
    await add_follower(db, association, sink.url("/users/alice/inbox"))
    worker = make_worker(delivery_signing_processes=0)
    await publish(worker.fed, association)

    assert await worker.process_batch() == 1

    assert (worker.signing.pids, worker.signing.signed_on_loop) == ([], 0)
    [seen] = sink.posts()
    await assert_signed_by(seen, sink, association, (await one(db, OutboxActivity)).payload)
