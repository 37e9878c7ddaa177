"""Inbox rows that arrive together are applied together, and still each exactly once.

One transaction per row spent most of its time on sessions, claims, commits and counters;
a batch claims its rows in one statement, applies each in a savepoint and commits once. What
a batch must not do is wait on the network while it holds the write lock, nor let one broken
row take the others down: such rows are undone and applied alone. Real keys, a real peer
over HTTP, a real database (SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from federation_peer import RemoteActor, count, one, rows
from sql_recorder import statements_of
from sqlalchemy import event, make_url, select
from sqlalchemy.ext.asyncio import AsyncSession
from test_inbox_statements import deliver

import migrantnet.federation.handlers.objects as objects
import migrantnet.federation.inbox_processing as processing
from dbs import backend
from migrantnet.config import Settings
from migrantnet.content import remote
from migrantnet.content.remote import RemoteObjectData, store_remote_object
from migrantnet.db import Database
from migrantnet.federation.handlers import HANDLERS, Inbound
from migrantnet.federation.inbox_processing import applier_for, apply_many
from migrantnet.federation.service import Federation
from migrantnet.models import (
    Actor,
    ContentObject,
    Follow,
    FollowState,
    InboxActivity,
    InboxState,
    Visibility,
)
from migrantnet.models.counts import PAGES_GENERATION, NodeCounter

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def stored_notes(
    fed: Federation, peer: RemoteActor, association: Actor, how_many: int
) -> list[int]:
    """`how_many` Create{Note} addressed to the association, accepted and not yet applied."""
    ids = []
    for index in range(how_many):
        note = peer.note({"en": f"<p>note {index}</p>"}, to=[association.ap_id], cc=[PUBLIC])
        row_id = await deliver(fed, peer, peer.activity("Create", note, to=[association.ap_id]))
        assert row_id is not None
        ids.append(row_id)
    return ids


def commits_of(db: Database) -> tuple[list[None], Callable[[], None]]:
    seen: list[None] = []

    def record(_connection: Any) -> None:
        seen.append(None)

    engines = {db.engine.sync_engine, db.write_engine.sync_engine}
    for engine in engines:
        event.listen(engine, "commit", record)

    def stop() -> None:
        for engine in engines:
            event.remove(engine, "commit", record)

    return seen, stop


async def states_of(db: Database, ids: list[int]) -> list[str]:
    async with db.session() as session:
        rows = await session.scalars(
            select(InboxActivity.state).where(InboxActivity.id.in_(ids)).order_by(InboxActivity.id)
        )
        return list(rows)


async def pages_generation(db: Database) -> int:
    async with db.session() as session:
        value = await session.scalar(
            select(NodeCounter.value).where(NodeCounter.name == PAGES_GENERATION)
        )
        return value or 0


async def test_rows_that_arrive_together_are_applied_in_one_commit(
    fed: Federation, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    ids = await stored_notes(fed, remote_actor, association, 8)
    generation = await pages_generation(db)
    commits, stop = commits_of(db)
    try:
        states = await apply_many(fed, ids)
    finally:
        stop()

    assert states == dict.fromkeys(ids, InboxState.DONE)
    assert len(commits) == 1
    assert await states_of(db, ids) == [InboxState.DONE] * 8
    assert await count(db, ContentObject, ContentObject.local.is_(False)) == 8
    # The pages' generation moves once, with the commit (not with each released savepoint).
    assert await pages_generation(db) == generation + 1


async def test_a_row_applied_elsewhere_is_not_applied_again(
    fed: Federation, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    ids = await stored_notes(fed, remote_actor, association, 6)

    first, second = await asyncio.gather(apply_many(fed, ids), apply_many(fed, ids[::-1]))

    for row_id in ids:  # one of the two applied it, the other found it taken
        assert {first[row_id], second[row_id]} == {InboxState.DONE, None}
    assert await count(db, ContentObject, ContentObject.local.is_(False)) == 6
    assert await apply_many(fed, ids) == dict.fromkeys(ids)


async def test_a_row_that_would_fetch_is_applied_alone_with_its_fetch(
    fed: Federation, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    before = await stored_notes(fed, remote_actor, association, 2)
    by_id = remote_actor.note({"en": "<p>sent by its id</p>"}, to=[association.ap_id], cc=[PUBLIC])
    remote_actor.server.serve(by_id["id"], by_id)
    fetching = await deliver(
        fed, remote_actor, remote_actor.activity("Create", by_id["id"], to=[association.ap_id])
    )
    assert fetching is not None
    after = await stored_notes(fed, remote_actor, association, 2)
    ids = [*before, fetching, *after]

    states = await apply_many(fed, ids)

    assert states == dict.fromkeys(ids, InboxState.DONE)
    stored = await one(db, ContentObject, ContentObject.ap_id == by_id["id"])
    assert "sent by its id" in (stored.content_map or {}).get("en", "")
    assert remote_actor.server.gets(by_id["id"]) == 1  # once, outside the batch
    assert await count(db, ContentObject, ContentObject.local.is_(False)) == 5


async def test_a_row_that_fails_is_recorded_alone_and_the_others_are_applied(
    fed: Federation,
    db: Database,
    association: Actor,
    remote_actor: RemoteActor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A handler that writes and then raises (a bug of ours, injected): what it wrote is
    undone, its row is `failed` with the reason, the rows beside it are applied."""
    notes = await stored_notes(fed, remote_actor, association, 3)
    create = HANDLERS["Create"]

    async def breaks_on_the_second(inbound: Inbound) -> InboxState:
        state = await create(inbound)
        if "note 1" in str(inbound.payload):
            raise RuntimeError("a bug in a handler")
        return state

    monkeypatch.setitem(HANDLERS, "Create", breaks_on_the_second)

    states = await apply_many(fed, notes)

    assert states == {
        notes[0]: InboxState.DONE,
        notes[1]: InboxState.FAILED,
        notes[2]: InboxState.DONE,
    }
    failed = await one(db, InboxActivity, InboxActivity.id == notes[1])
    assert failed.error == "RuntimeError: a bug in a handler"
    assert failed.attempts == 1
    kept = await count(db, ContentObject, ContentObject.local.is_(False))
    assert kept == 2  # the failing row's object is not kept


async def test_a_single_row_that_fails_is_recorded_after_one_attempt(
    fed: Federation,
    db: Database,
    association: Actor,
    remote_actor: RemoteActor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Alone in its batch, a failing row is not applied a second time to find out."""
    [note] = await stored_notes(fed, remote_actor, association, 1)
    calls = 0

    async def breaks(inbound: Inbound) -> InboxState:
        nonlocal calls
        calls += 1
        raise RuntimeError("a bug in a handler")

    monkeypatch.setitem(HANDLERS, "Create", breaks)

    assert await apply_many(fed, [note]) == {note: InboxState.FAILED}
    assert calls == 1
    failed = await one(db, InboxActivity, InboxActivity.id == note)
    assert failed.error == "RuntimeError: a bug in a handler"


async def test_concurrent_requests_share_batches(
    fed: Federation, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    ids = await stored_notes(fed, remote_actor, association, 12)
    applier = applier_for(fed)
    commits, stop = commits_of(db)
    try:
        states = await asyncio.gather(*(applier.apply(row_id) for row_id in ids))
    finally:
        stop()

    assert states == [InboxState.DONE] * 12
    assert len(commits) <= 2  # the first row alone, then the eleven that waited meanwhile
    assert await states_of(db, ids) == [InboxState.DONE] * 12


async def test_a_batch_whose_transaction_fails_keeps_nothing_and_leaves_its_rows_received(
    fed: Federation,
    db: Database,
    association: Actor,
    remote_actor: RemoteActor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The batch's own statement fails (injected, as a database that went away would): nothing
    of it is kept, no row is left claimed, and the worker's sweep applies them later."""
    ids = await stored_notes(fed, remote_actor, association, 3)
    real = processing._known_senders

    async def fails_once(*args: Any) -> dict[str, Actor]:
        monkeypatch.setattr(processing, "_known_senders", real)
        raise RuntimeError("the batch broke")

    monkeypatch.setattr(processing, "_known_senders", fails_once)

    assert await apply_many(fed, ids) == dict.fromkeys(ids)
    assert await states_of(db, ids) == [InboxState.RECEIVED] * 3
    assert await count(db, ContentObject, ContentObject.local.is_(False)) == 0

    assert await apply_many(fed, ids) == dict.fromkeys(ids, InboxState.DONE)  # the sweep
    rows = [await one(db, InboxActivity, InboxActivity.id == row_id) for row_id in ids]
    assert [row.attempts for row in rows] == [1, 1, 1]  # the failed claim was rolled back


def open_transactions(database_url: str) -> int:
    """Transactions holding the node's database just now, seen from another connection (as
    another process would): on SQLite whether the write lock is held; on PostgreSQL the
    sessions idle in a transaction that hold locks on this test's schema."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(url.database or "", timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return 0
        except sqlite3.OperationalError:  # database is locked
            return 1
        finally:
            connection.close()
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        row = connection.execute(
            "SELECT count(DISTINCT a.pid) FROM pg_locks l"
            " JOIN pg_class c ON c.oid = l.relation"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE n.nspname = current_schema() AND a.pid <> pg_backend_pid()"
            " AND a.state LIKE 'idle in transaction%%'"
        ).fetchone()
        return int(row[0]) if row else 0


async def test_no_transaction_is_open_while_an_object_is_fetched(
    fed: Federation,
    db: Database,
    settings: Settings,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    """A peer that answers slowly (or never) must not hold the write lock that every
    accepted delivery needs: the batch fetches nothing itself."""
    seen_open: list[int] = []
    note = remote_actor.note({"en": "<p>slow</p>"}, to=[association.ap_id], cc=[PUBLIC])

    def answer() -> dict[str, Any]:
        seen_open.append(open_transactions(settings.effective_database_url))
        return note

    remote_actor.server.serve(note["id"], answer)
    ids = [
        *await stored_notes(fed, remote_actor, association, 2),
        await deliver(
            fed, remote_actor, remote_actor.activity("Create", note["id"], to=[association.ap_id])
        ),
    ]

    states = await apply_many(fed, [row_id for row_id in ids if row_id is not None])

    assert set(states.values()) == {InboxState.DONE}
    assert seen_open == [0]


async def test_a_failed_fetch_is_met_again_from_the_tape_not_sent_twice(
    fed: Federation, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    missing = remote_actor.new_id("notes")  # the peer answers 404
    row_id = await deliver(
        fed, remote_actor, remote_actor.activity("Create", missing, to=[association.ap_id])
    )
    assert row_id is not None

    assert await apply_many(fed, [row_id]) == {row_id: InboxState.IGNORED}
    assert remote_actor.server.gets(missing) == 1


async def test_a_slow_fetch_does_not_hold_up_the_rows_behind_it(
    fed: Federation, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    """A peer that takes its time to answer (a tarpit's whole timeout, say) delays only the
    activity that needs its answer: the batches after it are applied meanwhile."""
    release = threading.Event()
    note = remote_actor.note({"en": "<p>slow</p>"}, to=[association.ap_id], cc=[PUBLIC])

    def answer() -> dict[str, Any]:
        release.wait(10)
        return note

    remote_actor.server.serve(note["id"], answer)
    slow = await deliver(
        fed, remote_actor, remote_actor.activity("Create", note["id"], to=[association.ap_id])
    )
    assert slow is not None
    quick = await stored_notes(fed, remote_actor, association, 3)
    applier = applier_for(fed)

    waiting = asyncio.create_task(applier.apply(slow))
    while remote_actor.server.gets(note["id"]) == 0:  # its batch is done, its fetch sent
        await asyncio.sleep(0.02)
    behind = await asyncio.wait_for(
        asyncio.gather(*(applier.apply(row_id) for row_id in quick)), timeout=5
    )

    assert behind == [InboxState.DONE] * 3
    assert not waiting.done()
    release.set()
    assert await asyncio.wait_for(waiting, timeout=10) == InboxState.DONE


async def test_a_batch_asks_once_whether_the_sender_is_followed_and_which_groups_are_named(
    fed: Federation, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    """Eight posts of one sender to one association: the two questions every row asked are
    asked once for the batch (`BatchMemo`), and every post is still stored."""
    ids = await stored_notes(fed, remote_actor, association, 8)
    with statements_of(db) as seen:
        states = await apply_many(fed, ids)

    assert states == dict.fromkeys(ids, InboxState.DONE)
    follow_checks = [s for s in seen if s.startswith("SELECT follows.id FROM follows JOIN")]
    group_lookups = [s for s in seen if "actors.type =" in s and "actors.ap_id IN" in s]
    assert len(follow_checks) == 1, follow_checks
    assert len(group_lookups) == 1, group_lookups
    assert await count(db, ContentObject, ContentObject.local.is_(False)) == 8


async def test_an_accept_in_a_batch_changes_what_the_rows_after_it_see(
    fed: Federation, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    """A post nobody of ours follows is ignored; once the sender accepts our follow, in the
    same batch, its next post is kept: the batch's memo does not outlive the Accept."""
    first = await deliver(
        fed,
        remote_actor,
        remote_actor.activity("Create", remote_actor.note({"en": "<p>before</p>"})),
    )
    async with db.session(write=True) as session, session.begin():
        sender = await session.scalar(select(Actor).where(Actor.ap_id == remote_actor.actor_id))
        assert sender is not None
        follow_id = f"{association.ap_id}#follows/{sender.id}"
        session.add(
            Follow(
                ap_id=follow_id,
                follower_id=association.id,
                followed_id=sender.id,
                state=FollowState.PENDING,
            )
        )
    accept = await deliver(fed, remote_actor, remote_actor.activity("Accept", follow_id))
    after = await deliver(
        fed,
        remote_actor,
        remote_actor.activity("Create", remote_actor.note({"en": "<p>after</p>"})),
    )
    assert first is not None and accept is not None and after is not None

    states = await apply_many(fed, [first, accept, after])

    assert states == {first: InboxState.IGNORED, accept: InboxState.DONE, after: InboxState.DONE}
    kept = await rows(db, ContentObject, ContentObject.local.is_(False))
    assert [obj.content_map for obj in kept] == [{"en": "<p>after</p>"}]


async def test_a_new_object_in_a_batch_needs_no_savepoint_of_its_own(
    fed: Federation, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    """Each row has its savepoint, and the object's insert none of its own: a SQLite write
    session holds the lock, so nothing can store the same object meanwhile, and on
    PostgreSQL a clash undoes the row, which is applied alone (the test below)."""
    ids = await stored_notes(fed, remote_actor, association, 4)
    with statements_of(db) as seen:
        states = await apply_many(fed, ids)

    assert states == dict.fromkeys(ids, InboxState.DONE)
    savepoints = [s for s in seen if s.upper().startswith("SAVEPOINT")]
    assert len(savepoints) == 4  # PostgreSQL too: a clash there is redone alone (below)
    assert await count(db, ContentObject, ContentObject.local.is_(False)) == 4


@pytest.mark.skipif(
    backend() == "sqlite",
    reason="SQLite's write session holds the lock: no other transaction can store it meanwhile",
)
async def test_a_clash_on_an_object_stored_meanwhile_is_applied_alone_and_kept(
    fed: Federation,
    db: Database,
    association: Actor,
    remote_actor: RemoteActor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In a batch of several rows, a new object's insert has no savepoint of its own. If
    another transaction stores the same object between the batch's lookup and its insert
    (forced here), the row is undone, applied alone, finds that object and ends done: the
    activity is not lost, the object is stored once, the rows beside it are applied."""
    ids = await stored_notes(fed, remote_actor, association, 3)
    real = remote.find_object
    raced: list[str] = []

    async def other_transaction(ap_id: str) -> None:
        async with db.session(write=True) as other:
            author = await other.scalar(select(Actor).where(Actor.ap_id == remote_actor.actor_id))
            assert author is not None
            data = RemoteObjectData(
                ap_id=ap_id,
                type="Note",
                url=None,
                in_reply_to=None,
                primary_language="en",
                name_map={},
                summary_map={},
                content_map={"en": "<p>stored meanwhile</p>"},
                sensitive=False,
                visibility=Visibility.PUBLIC,
                published_at=datetime.now(UTC),
                updated_at=None,
            )
            assert await store_remote_object(other, author, data) is not None
            await other.commit()

    async def find_object(session: AsyncSession, ap_id: str) -> ContentObject | None:
        found = await real(session, ap_id)
        if found is None and not raced and session.info.get(remote.CLASH_REDONE):
            raced.append(ap_id)
            await other_transaction(ap_id)
        return found

    monkeypatch.setattr(remote, "find_object", find_object)
    states = await apply_many(fed, ids)

    assert raced, "the race was not forced"
    assert states == dict.fromkeys(ids, InboxState.DONE)
    assert await count(db, ContentObject, ContentObject.ap_id == raced[0]) == 1
    assert await count(db, ContentObject, ContentObject.local.is_(False)) == 3


async def test_embedded_objects_are_parsed_before_the_write_lock_is_taken(
    fed: Federation,
    db: Database,
    association: Actor,
    remote_actor: RemoteActor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Parsing and sanitising a post is pure work: done while the batch holds SQLite's
    write lock, it kept every accept waiting longer."""
    if backend() != "sqlite":
        pytest.skip("SQLite's write lock")
    ids = await stored_notes(fed, remote_actor, association, 4)
    writing = [False]
    parsed_while_writing: list[bool] = []
    original = objects.ap_to_content

    def parse(doc: dict[str, Any]) -> Any:
        parsed_while_writing.append(writing[0])
        return original(doc)

    def began(_connection: Any) -> None:
        writing[0] = True

    def ended(_connection: Any) -> None:
        writing[0] = False

    monkeypatch.setattr(objects, "ap_to_content", parse)
    engine = db.write_engine.sync_engine
    listeners = [("begin", began), ("commit", ended), ("rollback", ended)]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        states = await apply_many(fed, ids)
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)

    assert states == dict.fromkeys(ids, InboxState.DONE)
    assert parsed_while_writing == [False] * 4
    assert await count(db, ContentObject, ContentObject.local.is_(False)) == 4
