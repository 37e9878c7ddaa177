"""Follows in both directions: a remote actor following one of ours, or ours following out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from migrantnet.models.base import Base, utcnow
from migrantnet.models.lifecycle import FollowState


class Follow(Base):
    """One row per (follower, followed); `ap_id` is the Follow activity's id, which Mastodon
    uses to match our Accept, so it is kept exactly as the follower sent it."""

    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(primary_key=True)
    ap_id: Mapped[str] = mapped_column(String(2048), unique=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    followed_id: Mapped[int] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default=FollowState.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("follower_id", "followed_id"),)
