"""Activities as received (inbox) and as published (outbox), each stored once by id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from migrantnet.models.base import Base, JSONType, utcnow
from migrantnet.models.lifecycle import InboxState


class InboxActivity(Base):
    """An activity a peer delivered to us. The unique `ap_id` makes a replayed or duplicated
    delivery a no-op; `state` lets the worker finish what a crash interrupted."""

    __tablename__ = "inbox_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    ap_id: Mapped[str] = mapped_column(String(2048), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    actor_ap_id: Mapped[str] = mapped_column(String(2048), index=True)
    # None once applied or ignored and past the retention time (federation/inbox_retention.py).
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    state: Mapped[str] = mapped_column(String(16), default=InboxState.RECEIVED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class OutboxActivity(Base):
    """An activity one of our actors published; deliveries point at it for its body."""

    __tablename__ = "outbox_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    ap_id: Mapped[str] = mapped_column(String(2048), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    object_ap_id: Mapped[str | None] = mapped_column(String(2048), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
