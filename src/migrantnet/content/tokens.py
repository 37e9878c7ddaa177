"""API bearer tokens: a random secret shown once; only its SHA-256 is kept.

A token is `mn_` followed by 43 URL-safe characters (32 random bytes). Looking a token up by
the hash of a secret that long leaks nothing useful through timing, so no constant-time
comparison is needed; a leaked database gives no usable token either.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.models import ApiToken, User
from migrantnet.translations import N_

TOKEN_PREFIX = "mn_"  # noqa: S105 (a marker, not a secret)
MAX_TOKEN_LENGTH = 200
MAX_NAME_LENGTH = 100


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_token_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name", N_("must not be empty (say what the token is for)"))
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput("name", N_("at most %(limit)s characters"), limit=MAX_NAME_LENGTH)
    return name


MAX_LIFETIME_DAYS = 3650


def expiry_after(days: int | None, now: datetime | None = None) -> datetime | None:
    """When a token made now for `days` days stops working (None: until revoked)."""
    if days is None:
        return None
    if not 1 <= days <= MAX_LIFETIME_DAYS:
        raise InvalidInput(
            "expires_in_days",
            N_("between 1 and %(limit)s days"),
            limit=MAX_LIFETIME_DAYS,
        )
    return (now or datetime.now(UTC)) + timedelta(days=days)


async def create_token(
    session: AsyncSession, user: User, name: str, *, expires_at: datetime | None = None
) -> str:
    """Store a new token of `user` (flushed) and return it: the only time it is ever seen.
    A token that may leak (a script on a shared machine) should carry an expiry."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=hash_token(token),
        name=check_token_name(name),
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    return token


async def authenticate_token(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> User | None:
    """The user a token acts for, or None; records when the token was last used (flushed)."""
    token = token.strip()
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None:
        return None
    now = now or datetime.now(UTC)
    if row.expires_at is not None and row.expires_at <= now:
        return None  # expired: as if revoked
    user = await session.get(User, row.user_id)
    if user is None:
        return None
    row.last_used_at = now
    await session.flush()
    return user


async def list_tokens(session: AsyncSession, user: User) -> list[ApiToken]:
    rows = await session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    )
    return list(rows)


async def revoke_token(session: AsyncSession, user: User, token_id: int) -> None:
    """Delete one of `user`'s tokens (by its id, from `list_tokens`); it stops working at once."""
    row = await session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if row is None:
        raise NotFound(f"no token {token_id} of {user.email}")
    await session.delete(row)
    await session.flush()
