"""Durable delivery: one job per (activity, inbox), written with the change that causes it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from migrantnet.models.base import Base, JSONType, utcnow
from migrantnet.models.lifecycle import DeliveryState


class Delivery(Base):
    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("outbox_activities.id", ondelete="CASCADE"))
    inbox_url: Mapped[str] = mapped_column(String(2048))
    domain: Mapped[str] = mapped_column(String(255), index=True)
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("activity_id", "inbox_url"),
        Index("ix_deliveries_due", "state", "next_attempt_at"),
    )


class DomainHealth(Base):
    """What we know of a remote host's reachability (Mastodon's DeliveryFailureTracker)."""

    __tablename__ = "domains"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    failure_days: Mapped[list[str]] = mapped_column(JSONType, default=list)
    unavailable: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_success_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def record_failure(self, day: date, threshold_days: int) -> None:
        """Remember the day of a failure; distinct days past the threshold mark it unavailable."""
        key = day.isoformat()
        if key not in self.failure_days:
            self.failure_days = [*self.failure_days, key][-threshold_days:]
        if len(self.failure_days) >= threshold_days:
            self.unavailable = True

    def record_success(self, now: datetime) -> None:
        self.failure_days = []
        self.unavailable = False
        self.last_success_at = now


class WorkerHeartbeat(Base):
    """A running worker's last sign of life, written every few seconds by the worker itself
    (`federation/heartbeat.py`); `migrantnet doctor` and `/healthz` read the newest, so an
    operator sees that deliveries have stopped. One row per worker process; rows of workers
    gone for a day are removed by the survivors."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(255), primary_key=True)  # host, pid, a nonce
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
