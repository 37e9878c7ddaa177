"""API bearer tokens: a random secret shown once; only its SHA-256 is kept.

A token is `mn_` followed by 43 URL-safe characters (32 random bytes). Looking a token up by
the hash of a secret that long leaks nothing useful through timing, so no constant-time
comparison is needed; a leaked database gives no usable token either.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.models import ApiToken, User

TOKEN_PREFIX = "mn_"  # noqa: S105 (a marker, not a secret)
MAX_TOKEN_LENGTH = 200
MAX_NAME_LENGTH = 100


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_token_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name", "must not be empty (say what the token is for)")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput("name", f"at most {MAX_NAME_LENGTH} characters")
    return name


async def create_token(session: AsyncSession, user: User, name: str) -> str:
    """Store a new token of `user` (flushed) and return it: the only time it is ever seen."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=hash_token(token), name=check_token_name(name))
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
    user = await session.get(User, row.user_id)
    if user is None:
        return None
    row.last_used_at = now or datetime.now(UTC)
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
