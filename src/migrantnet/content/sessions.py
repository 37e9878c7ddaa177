"""Sign-in with e-mail and password, server-side sessions, and slowing down password guessing.

A session is a random token kept by the browser in a cookie; the database holds only its
HMAC under the node's secret key, so neither a copy of the database nor a leaked backup opens
a session, and changing `MIGRANTNET_SECRET_KEY` ends every session at once.

Guessing is slowed per account, never per address (we keep none): after `FREE_FAILURES`
wrong passwords in a row the account waits, doubling up to `MAX_WAIT`, before any password is
checked again. The owner of the account is never locked out for good: the wait ends, and a
reset link or a correct password afterwards clears it.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import ContentError, InvalidInput, NotFound
from migrantnet.content.passwords import check_password_rules, hash_password, verify_password
from migrantnet.models import SignInFailures, User, WebSession
from migrantnet.translations import N_

SESSION_LIFETIME = timedelta(days=30)
SEEN_EVERY = timedelta(minutes=5)  # `last_seen_at` is written at most this often
FREE_FAILURES = 4
FIRST_WAIT = timedelta(seconds=30)
MAX_WAIT = timedelta(minutes=15)


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this keeps an unknown e-mail as slow as a known one (no account
    probing); made on first use, not at import (Argon2 takes a while and 64 MB)."""
    return hash_password("not a password of anyone here")


def _verify_unknown(password: str) -> None:
    verify_password(_dummy_hash(), password)


class SignInRefused(ContentError):
    """Wrong e-mail or password (one message for both: no account probing)."""


class SignInThrottled(ContentError):
    """Too many wrong passwords for this account; `wait` says how long until the next try."""

    def __init__(self, wait: timedelta) -> None:
        self.wait = wait
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        super().__init__(
            f"too many wrong passwords for this account: wait {minutes} minute(s) and try "
            "again, or ask an administrator for a reset link"
        )


def keyed_hash(secret: bytes, token: str) -> str:
    """HMAC-SHA256 of a token under the node's secret key, as stored in the database."""
    return hmac.new(secret, token.encode("utf-8"), hashlib.sha256).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def throttle_wait(failures: int) -> timedelta:
    """How long an account waits after `failures` wrong passwords in a row."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    return min(MAX_WAIT, FIRST_WAIT * 2 ** (failures - FREE_FAILURES - 1))


_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str | None) -> str:
    """A coarse label of a browser, for the list of sessions; the raw User-Agent is not kept."""
    agent = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in agent), "")
    if re.search(r"Headless", agent):
        browser = f"{browser or 'browser'} (headless)"
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "unknown browser"


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str  # for the cookie; shown nowhere else and stored nowhere
    row: WebSession


async def check_password(
    session: AsyncSession, email: str, password: str, *, now: datetime | None = None
) -> User:
    """The user whose e-mail and password these are; `SignInThrottled` while the account
    waits, `SignInRefused` otherwise. Argon2 runs in a thread: it must not block the loop."""
    now = now or datetime.now(UTC)
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        await asyncio.to_thread(_verify_unknown, password)
        raise SignInRefused("wrong e-mail or password")
    failures = await session.get(SignInFailures, user.id)
    if failures is not None:
        wait = failures.last_failed_at + throttle_wait(failures.failures) - now
        if wait > timedelta(0):
            raise SignInThrottled(wait)
    if not await asyncio.to_thread(verify_password, user.password_hash, password):
        if failures is None:
            failures = SignInFailures(user_id=user.id, failures=0)
            session.add(failures)
        failures.failures += 1
        failures.last_failed_at = now
        await session.flush()
        if throttle_wait(failures.failures) > timedelta(0):
            raise SignInThrottled(throttle_wait(failures.failures))
        raise SignInRefused("wrong e-mail or password")
    if failures is not None:
        await session.delete(failures)
        await session.flush()
    return user


async def start_session(
    session: AsyncSession,
    secret: bytes,
    user: User,
    user_agent: str | None,
    *,
    now: datetime | None = None,
) -> NewSession:
    now = now or datetime.now(UTC)
    token = new_token()
    row = WebSession(
        user_id=user.id,
        token_hash=keyed_hash(secret, token),
        device=device_label(user_agent)[:100],
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(row)
    await session.flush()
    return NewSession(token=token, row=row)


async def session_user(
    session: AsyncSession, secret: bytes, token: str, *, now: datetime | None = None
) -> tuple[WebSession, User] | None:
    """The session and user of a cookie's token, or None when unknown or expired; marks the
    session seen (flushed) at most every few minutes, sparing the database a write per page."""
    if not token or len(token) > 100:
        return None
    now = now or datetime.now(UTC)
    row = await session.scalar(
        select(WebSession).where(WebSession.token_hash == keyed_hash(secret, token))
    )
    if row is None or row.expires_at <= now:
        return None
    user = await session.get(User, row.user_id)
    if user is None:
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
        row.expires_at = now + SESSION_LIFETIME
        await session.flush()
    return row, user


async def list_sessions(session: AsyncSession, user: User) -> list[WebSession]:
    rows = await session.scalars(
        select(WebSession)
        .where(WebSession.user_id == user.id)
        .order_by(WebSession.last_seen_at.desc(), WebSession.id.desc())
    )
    return list(rows)


async def end_session(session: AsyncSession, user: User, session_id: int) -> None:
    """End one of `user`'s sessions; ending a session of someone else is `NotFound`."""
    result = await session.execute(
        delete(WebSession).where(WebSession.id == session_id, WebSession.user_id == user.id)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"no session {session_id}")


async def end_all_sessions(session: AsyncSession, user: User, *, keep: int | None = None) -> int:
    """End every session of `user` (but `keep`, the current one, if given); how many ended."""
    query = delete(WebSession).where(WebSession.user_id == user.id)
    if keep is not None:
        query = query.where(WebSession.id != keep)
    result = await session.execute(query)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def set_password(session: AsyncSession, user: User, new_password: str) -> None:
    """Hash (in a thread) and store a new password; clears the failed sign-ins."""
    check_password_rules(new_password)
    user.password_hash = await asyncio.to_thread(hash_password, new_password)
    await session.execute(delete(SignInFailures).where(SignInFailures.user_id == user.id))
    await session.flush()


async def change_password(
    session: AsyncSession,
    user: User,
    current_password: str,
    new_password: str,
    *,
    keep_session: int | None = None,
) -> int:
    """Change a password knowing the current one; other sessions end. How many ended."""
    if not await asyncio.to_thread(verify_password, user.password_hash, current_password):
        raise InvalidInput("current_password", N_("is not your current password"))
    if new_password == current_password:
        raise InvalidInput("new_password", N_("is the same as the current one"))
    await set_password(session, user, new_password)
    return await end_all_sessions(session, user, keep=keep_session)
