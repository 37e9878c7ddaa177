"""The same remote object stored by two activities at once (an author's Create and a group's
Announce of it, say): `content.remote._insert` runs the insert in a savepoint, and a clash on
the unique id takes the row stored meanwhile instead of failing the whole activity.

The interleaving is forced, not hoped for: session 1 checks the id is absent, then (through
an ordering hook on that check) session 2 inserts and commits the same id, then session 1
inserts. Two real sessions on two connections of a real database, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content import remote
from migrantnet.content.remote import RemoteObjectData, store_remote_object
from migrantnet.db import Database
from migrantnet.models import Actor, ContentObject, Visibility

PEER = "https://peer.example"
NOTE_ID = f"{PEER}/notes/1"
PUBLISHED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def note(text: str, updated: datetime | None = None) -> RemoteObjectData:
    return RemoteObjectData(
        ap_id=NOTE_ID,
        type="Note",
        url=f"{PEER}/@them/1",
        in_reply_to=None,
        primary_language="fr",
        name_map={},
        summary_map={},
        content_map={"fr": f"<p>{text}</p>"},
        sensitive=False,
        visibility=Visibility.PUBLIC,
        published_at=PUBLISHED,
        updated_at=updated,
    )


async def peer_actor(db: Database) -> int:
    async with db.session(write=True) as session:
        peer = Actor(
            ap_id=f"{PEER}/@them",
            type="Person",
            local=False,
            username="them",
            domain="peer.example",
            inbox_url=f"{PEER}/@them/inbox",
        )
        session.add(peer)
        await session.commit()
        return peer.id


def after_absence_check(
    monkeypatch: pytest.MonkeyPatch, first: AsyncSession, meanwhile: Callable[[], Awaitable[None]]
) -> list[str]:
    """Runs `meanwhile` once, right after `first`'s check that the id is absent answered
    None: the window between that check and the insert. Returns the steps as they ran."""
    real = remote.find_object
    steps: list[str] = []

    async def find_object(session: AsyncSession, ap_id: str) -> ContentObject | None:
        found = await real(session, ap_id)
        if session is first and found is None and "absent" not in steps:
            steps.append("absent")
            await meanwhile()
            steps.append("stored meanwhile")
        elif session is first:
            steps.append("found after the clash" if found is not None else "still absent")
        return found

    monkeypatch.setattr(remote, "find_object", find_object)
    return steps


async def test_a_clash_on_insert_takes_the_row_stored_meanwhile_and_updates_it(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    peer_id = await peer_actor(db)
    newer = PUBLISHED + timedelta(hours=1)

    async def other_activity() -> None:
        async with db.session(write=True) as second:
            peer = await second.get(Actor, peer_id)
            assert peer is not None
            stored = await store_remote_object(second, peer, note("Première version"))
            assert stored is not None
            await second.commit()

    # Session 1 is deferred: on SQLite a write session (`BEGIN IMMEDIATE`) holds the lock
    # from its first read, so the other activity would wait for it instead of racing it.
    async with db.session() as first:
        steps = after_absence_check(monkeypatch, first, other_activity)
        peer = await first.get(Actor, peer_id)
        assert peer is not None
        await first.commit()  # end the read, so session 1 holds no snapshot
        stored = await store_remote_object(first, peer, note("Version corrigée", newer))
        await first.commit()

    assert steps == ["absent", "stored meanwhile", "found after the clash"]
    assert stored is not None
    async with db.session() as check:
        count = await check.scalar(
            select(func.count()).select_from(ContentObject).where(ContentObject.ap_id == NOTE_ID)
        )
        row = await check.scalar(select(ContentObject).where(ContentObject.ap_id == NOTE_ID))
    assert count == 1
    assert row is not None and row.id == stored.id
    assert row.content_map == {"fr": "<p>Version corrigée</p>"}
    assert row.updated_at is not None
    assert row.updated_at.replace(tzinfo=row.updated_at.tzinfo or UTC) == newer
