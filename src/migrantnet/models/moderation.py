"""Moderation: what this node refuses (blocks) and what its moderators did (the audit trail)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from migrantnet.models.base import Base, utcnow


class BlockKind(StrEnum):
    DOMAIN = "domain"  # every actor of a host
    ACCOUNT = "account"  # one remote actor


class Block(Base):
    """A domain or an account this node has nothing to do with, in either direction.

    `target` is the host (`social.example`, with a port when there is one) of a domain block,
    or the actor id of an account block; `domain` is the host in both cases, so one indexed
    lookup answers "is anything of this host blocked?".
    """

    __tablename__ = "blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(2048), unique=True)
    domain: Mapped[str] = mapped_column(String(255), index=True)
    reason: Mapped[str | None] = mapped_column(String(1000))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModerationAction(Base):
    """One thing a moderator did: who (an e-mail, or the command line), what, on what, when.

    Never an IP address or a user agent: the trail says who decided, not where they were.
    """

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    by: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(2048))
    detail: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
