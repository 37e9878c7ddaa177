"""Signed-in browsers, one-time links (password resets, invitations) and failed sign-ins.

Only keyed hashes of tokens are stored: a copy of the database opens no session and no link.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from migrantnet.models.base import Base, utcnow


class WebSession(Base):
    """One signed-in browser: the cookie holds a random token, we keep its keyed hash, so a
    lost phone can be cut off by deleting its row."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A coarse label ("Firefox on Android") so a person can tell their sessions apart; never
    # the raw User-Agent, never an address.
    device: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LinkPurpose(StrEnum):
    RESET = "reset"
    INVITE = "invite"


class AccountLink(Base):
    """A one-time, expiring link: a password reset for a user, or an invitation to join an
    association with a role (the invited person may have no account yet)."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(320))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    role: Mapped[str | None] = mapped_column(String(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SignInFailures(Base):
    """Wrong passwords in a row, per account (no address is kept): sign-in slows down."""

    __tablename__ = "sign_in_failures"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
