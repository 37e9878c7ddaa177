"""Tokens with an expiry, listed and revoked; deleting a user; deleting an association (its
followers are sent a Delete, its posts, activities and files go), from the command line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli_node import INIT, run
from sqlalchemy import func, select

from migrantnet.config import async_database_url
from migrantnet.content.tokens import authenticate_token, create_token
from migrantnet.content.users import get_user_by_email
from migrantnet.db import Database
from migrantnet.models import (
    Actor,
    ApiToken,
    ContentObject,
    Delivery,
    Follow,
    FollowState,
    Media,
    OutboxActivity,
    User,
)

ADMIN = "admin@node.example"


def db_run(database_url: str, work):  # type: ignore[no-untyped-def]
    async def runner():  # type: ignore[no-untyped-def]
        db = Database(async_database_url(database_url))
        try:
            async with db.session() as session, session.begin():
                return await work(session)
        finally:
            await db.dispose()

    return asyncio.run(runner())


def test_tokens_expire_are_listed_and_revoked(tmp_path: Path, database_url: str) -> None:
    assert run(tmp_path, database_url, *INIT).exit_code == 0
    made = run(
        tmp_path, database_url, "tokens", "create", "--email", ADMIN, "--name", "cron",
        "--expires-in-days", "30",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    listed = run(tmp_path, database_url, "tokens", "list", "--email", ADMIN).output
    [line] = listed.strip().splitlines()
    token_id, name, *_ = line.split("\t")
    in_30_days = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
    assert name == "cron" and f"expires {in_30_days}" in line and "last used never" in line
    assert token not in listed  # never shown again
    bad = run(
        tmp_path, database_url, "tokens", "create", "--email", ADMIN, "--name", "x",
        "--expires-in-days", "0",
    )  # fmt: skip
    assert bad.exit_code == 2 and "expires_in_days" in bad.output

    async def check(session):  # type: ignore[no-untyped-def]
        assert await authenticate_token(session, token) is not None
        later = datetime.now(UTC) + timedelta(days=31)
        assert await authenticate_token(session, token, now=later) is None
        user = await get_user_by_email(session, ADMIN)
        past = datetime.now(UTC) - timedelta(seconds=1)
        expired = await create_token(session, user, "old", expires_at=past)
        assert await authenticate_token(session, expired) is None

    db_run(database_url, check)
    revoked = run(tmp_path, database_url, "tokens", "revoke", token_id, "--email", ADMIN)
    assert revoked.exit_code == 0 and f"token {token_id} revoked" in revoked.output
    again = run(tmp_path, database_url, "tokens", "revoke", token_id, "--email", ADMIN)
    assert again.exit_code == 2

    async def gone(session):  # type: ignore[no-untyped-def]
        assert await authenticate_token(session, token) is None
        return await session.scalar(select(func.count(ApiToken.id)))

    assert db_run(database_url, gone) == 1  # the expired one of the check above


def test_users_delete(tmp_path: Path, database_url: str) -> None:
    assert run(tmp_path, database_url, *INIT).exit_code == 0
    run(tmp_path, database_url, "users", "create", "--email", "ed@node.example",
        "--password", "long enough pw", "--association", "tunis_migrants")  # fmt: skip
    run(tmp_path, database_url, "tokens", "create", "--email", "ed@node.example", "--name", "t")
    unconfirmed = run(tmp_path, database_url, "users", "delete", "ed@node.example")
    assert unconfirmed.exit_code == 2 and "--yes" in unconfirmed.output
    deleted = run(tmp_path, database_url, "users", "delete", "ed@node.example", "--yes")
    assert deleted.exit_code == 0, deleted.output
    last_admin = run(tmp_path, database_url, "users", "delete", ADMIN, "--yes")
    assert last_admin.exit_code == 2 and "last admin" in last_admin.output

    async def left(session):  # type: ignore[no-untyped-def]
        users = list(await session.scalars(select(User.email)))
        tokens = await session.scalar(select(func.count(ApiToken.id)))
        return users, tokens

    assert db_run(database_url, left) == ([ADMIN], 0)


def test_associations_delete_tells_followers_and_removes_posts_and_files(
    tmp_path: Path, database_url: str
) -> None:
    assert run(tmp_path, database_url, *INIT).exit_code == 0
    posted = run(tmp_path, database_url, "post", "tunis_migrants", "Soon gone")
    assert posted.exit_code == 0, posted.output
    media_file = tmp_path / "media" / "ab" / "photo.jpg"
    media_file.parent.mkdir(parents=True, exist_ok=True)
    media_file.write_bytes(b"not really a photo")

    async def setup(session):  # type: ignore[no-untyped-def]
        ours = await session.scalar(select(Actor).where(Actor.slug == "tunis_migrants"))
        remote = Actor(
            ap_id="https://social.example/users/rita",
            type="Person",
            username="rita",
            domain="social.example",
            inbox_url="https://social.example/users/rita/inbox",
            shared_inbox_url="https://social.example/inbox",
        )
        session.add(remote)
        await session.flush()
        session.add(
            Follow(
                ap_id="https://social.example/follows/1",
                follower_id=remote.id,
                followed_id=ours.id,
                state=FollowState.ACCEPTED,
            )
        )
        session.add(
            Media(
                public_id="photo1",
                actor_id=ours.id,
                storage_key="ab/photo.jpg",
                media_type="image/jpeg",
                size=18,
            )
        )

    db_run(database_url, setup)
    unconfirmed = run(tmp_path, database_url, "associations", "delete", "tunis_migrants")
    assert unconfirmed.exit_code == 2
    deleted = run(tmp_path, database_url, "associations", "delete", "tunis_migrants", "--yes")
    assert deleted.exit_code == 0, deleted.output
    assert "1 inboxes" in deleted.output
    assert not media_file.exists()

    async def after(session):  # type: ignore[no-untyped-def]
        actor = await session.scalar(select(Actor).where(Actor.slug == "tunis_migrants"))
        assert actor.deleted_at is not None and actor.name is None
        assert actor.private_key_pem  # kept: the worker signs the Delete with it
        [activity] = list(await session.scalars(select(OutboxActivity)))
        assert activity.type == "Delete" and activity.payload["object"] == actor.ap_id
        [delivery] = list(await session.scalars(select(Delivery)))
        assert delivery.inbox_url == "https://social.example/inbox"
        assert delivery.activity_id == activity.id
        assert await session.scalar(select(func.count(ContentObject.id))) == 0
        assert await session.scalar(select(func.count(Media.id))) == 0
        assert await session.scalar(select(func.count(Follow.id))) == 0

    db_run(database_url, after)
    gone = run(tmp_path, database_url, "post", "tunis_migrants", "From beyond")
    assert gone.exit_code == 2 and "no association named" in gone.output
    reused = run(tmp_path, database_url, "associations", "create", "tunis_migrants", "--name", "X")
    assert reused.exit_code == 2  # a slug once used is never given to another association
