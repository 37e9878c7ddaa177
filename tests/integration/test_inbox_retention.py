"""Retention of stored inbox activities (issue 9, item 7): applied and ignored payloads are
dropped after the configured time, the ids stay so a replay is still recognised, failed and
pending rows keep theirs. Real peers over HTTP, a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from federation_peer import RemoteActor, count, deliver, one, rows
from sqlalchemy import update

from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.federation.inbox_retention import trim_inbox
from migrantnet.federation.service import Federation
from migrantnet.federation.worker import DeliveryWorker
from migrantnet.models import Actor, InboxActivity, InboxState, OutboxActivity
from suite_settings import suite_settings

RETENTION_DAYS = 7


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return suite_settings(
        tmp_path,
        database_url,
        inbox_retention_days=RETENTION_DAYS,
    )


async def test_payloads_are_dropped_after_the_retention_time_and_replays_stay_duplicates(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    follow = remote_actor.activity("Follow", association.ap_id)
    unknown = remote_actor.activity("Wave", association.ap_id, padding="x" * 500_000)
    assert (await deliver(db, app_client, remote_actor, follow)).state == InboxState.DONE
    assert (await deliver(db, app_client, remote_actor, unknown)).state == InboxState.IGNORED
    pending = remote_actor.activity("Like", association.ap_id)
    failed = remote_actor.activity("Like", association.ap_id)
    for activity in (pending, failed):
        await deliver(db, app_client, remote_actor, activity)
    async with db.session() as session:  # one left to apply, one that failed
        await session.execute(
            update(InboxActivity)
            .where(InboxActivity.ap_id == pending["id"])
            .values(state=InboxState.RECEIVED)
        )
        await session.execute(
            update(InboxActivity)
            .where(InboxActivity.ap_id == failed["id"])
            .values(state=InboxState.FAILED, error="test")
        )
        await session.commit()

    assert await trim_inbox(fed, now=fed.now() + timedelta(days=RETENTION_DAYS - 1)) == 0
    assert await trim_inbox(fed, now=fed.now() + timedelta(days=RETENTION_DAYS, seconds=1)) == 2
    kept = {row.ap_id: row.payload for row in await rows(db, InboxActivity)}
    assert kept[follow["id"]] is None and kept[unknown["id"]] is None
    assert kept[pending["id"]] == pending and kept[failed["id"]] == failed

    # The same Follow delivered again: recognised by its id, applied no second time.
    again = await remote_actor.signed_post(app_client, "/inbox", follow)
    assert again.status_code == 202
    assert await count(db, InboxActivity) == 4
    assert await count(db, OutboxActivity, OutboxActivity.type == "Accept") == 1
    row = await one(db, InboxActivity, InboxActivity.ap_id == follow["id"])
    assert (row.state, row.payload) == (InboxState.DONE, None)


async def test_the_worker_trims_on_its_first_round(
    app_client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    at_once = Federation(settings.model_copy(update={"inbox_retention_days": 0}), db)
    try:
        await deliver(db, app_client, remote_actor, remote_actor.activity("Wave", "x"))
        worker = DeliveryWorker(at_once)
        await worker.process_batch()
        assert (await one(db, InboxActivity)).payload is None
        await worker.aclose()
    finally:
        await at_once.aclose()
