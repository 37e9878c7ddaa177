"""What one accepted delivery costs the database: for a signer we know, one INSERT.

A boosted post brings thousands of deliveries from the same servers in minutes; each once
cost three sessions and five statements (the sender's domain health, its blocks, its key, the
row, the health again). Blocks, keys and unavailable hosts are now read from memory, within
`render_cache_check_seconds` of a change made elsewhere. Real keys, a real peer, a real database.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from federation_peer import RemoteActor, count
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.federation.errors import NotAllowed
from migrantnet.federation.inbox import receive
from migrantnet.federation.service import Federation
from migrantnet.federation.signatures.cavage import sign_request
from migrantnet.federation.signatures.primitives import load_private_key
from migrantnet.models import Actor, Block, BlockKind, InboxActivity

ACTIVITY_JSON = "application/activity+json"


async def deliver(fed: Federation, peer: RemoteActor, activity: dict[str, Any]) -> int | None:
    body = json.dumps(activity).encode()
    url = fed.uris.shared_inbox()
    headers = sign_request(
        "POST",
        url,
        {"Content-Type": ACTIVITY_JSON},
        body,
        key_id=peer.key_id,
        private_key=load_private_key(peer.private_pem),
        now=datetime.now(UTC),
    )
    lowered = {name.lower(): value for name, value in headers.items()}  # as Starlette gives them
    row_id, _duplicate = await receive(fed, method="POST", url=url, headers=lowered, body=body)
    return row_id


def writes_and_reads(db: Database) -> tuple[list[str], Any]:
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
            seen.append(verb)

    engines = {db.engine.sync_engine, db.write_engine.sync_engine}  # one on PostgreSQL
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)

    def stop() -> None:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)

    return seen, stop


@pytest.fixture
async def fed(settings: Settings, db: Database) -> AsyncIterator[Federation]:
    """The node's federation, whose copies of blocks and keys stay fresh for a minute."""
    federation = Federation(settings.model_copy(update={"render_cache_check_seconds": 60}), db)
    yield federation
    await federation.aclose()


async def test_a_known_signers_delivery_is_one_insert(
    fed: Federation, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    first = await deliver(fed, remote_actor, remote_actor.activity("Like", association.ap_id))
    assert first is not None  # the key fetched, the signer stored

    seen, stop = writes_and_reads(db)
    try:
        for _ in range(3):
            await deliver(fed, remote_actor, remote_actor.activity("Like", association.ap_id))
    finally:
        stop()

    assert seen == ["INSERT"] * 3
    assert await count(db, InboxActivity) == 4
    assert remote_actor.server.gets(remote_actor.actor_id) == 1  # its key fetched once


async def test_a_repeated_activity_is_one_insert_that_stores_nothing(
    fed: Federation, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    like = remote_actor.activity("Like", association.ap_id)
    first = await deliver(fed, remote_actor, like)
    assert first is not None

    errors: list[BaseException] = []

    def failed(context: Any) -> None:
        errors.append(context.original_exception)

    engines = {db.engine.sync_engine, db.write_engine.sync_engine}
    for engine in engines:
        event.listen(engine, "handle_error", failed)
    seen, stop = writes_and_reads(db)
    try:
        again = await deliver(fed, remote_actor, like)
    finally:
        stop()
        for engine in engines:
            event.remove(engine, "handle_error", failed)

    assert again is None  # answered as accepted, nothing new to apply
    assert seen == ["INSERT"]
    assert errors == []  # the database was not made to refuse a duplicate key
    assert await count(db, InboxActivity) == 1


async def test_a_block_made_by_another_process_is_obeyed_within_the_check_interval(
    fed: Federation, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    await deliver(fed, remote_actor, remote_actor.activity("Like", association.ap_id))
    async with db.session() as session:  # as the command line would, in its own process
        session.add(
            Block(kind=BlockKind.ACCOUNT, target=remote_actor.actor_id, domain=remote_actor.domain)
        )
        await session.commit()
    fed.blocklist.invalidate()  # the check interval has passed

    with pytest.raises(NotAllowed, match="this account is blocked"):
        await deliver(fed, remote_actor, remote_actor.activity("Like", association.ap_id))
    assert await count(db, InboxActivity) == 1


async def test_deliveries_that_arrive_together_are_stored_by_one_insert(
    fed: Federation, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    """The group commit: one transaction and one statement for what came in at once, and
    still one id per new activity, none for a repeat (of a stored row, or within the batch)."""
    stored = remote_actor.activity("Like", association.ap_id)
    assert await deliver(fed, remote_actor, stored) is not None  # the key fetched
    new = [remote_actor.activity("Like", association.ap_id) for _ in range(8)]
    twice = remote_actor.activity("Like", association.ap_id)

    seen, stop = writes_and_reads(db)
    try:
        ids = await asyncio.gather(
            *(deliver(fed, remote_actor, activity) for activity in [*new, stored, twice, twice])
        )
    finally:
        stop()

    assert seen == ["INSERT"]
    fresh, repeat, first, second = ids[:8], ids[8], ids[9], ids[10]
    assert None not in fresh and len(set(fresh)) == 8
    assert repeat is None
    assert [first, second].count(None) == 1  # the first of the two copies is the one stored
    async with db.session() as session:
        keys = dict((await session.execute(select(InboxActivity.id, InboxActivity.ap_id))).all())
    assert [keys[i] for i in fresh] == [activity["id"] for activity in new]  # each its own id
    assert keys[first or second] == twice["id"]
    assert await count(db, InboxActivity) == 10


async def test_a_row_the_database_refuses_costs_the_others_of_its_batch_nothing(
    fed: Federation, db: Database
) -> None:
    def row(n: int) -> dict[str, Any]:
        return {
            "ap_id": f"https://remote.example/activities/{n}",
            "type": "Like",
            "actor_ap_id": "https://remote.example/users/alice",
            "payload": {"n": n},
            "received_at": datetime.now(UTC),
        }

    broken = {**row(99), "received_at": None}  # NOT NULL: the batch's one INSERT fails
    outcomes = await asyncio.gather(
        *(fed.inbox_intake.store(values) for values in [row(1), broken, row(2), row(3)]),
        return_exceptions=True,
    )

    assert isinstance(outcomes[1], IntegrityError)
    good = [outcomes[0], outcomes[2], outcomes[3]]
    assert all(isinstance(row_id, int) for row_id in good)
    async with db.session() as session:
        stored = set(await session.scalars(select(InboxActivity.ap_id)))
    assert stored == {row(n)["ap_id"] for n in (1, 2, 3)}
