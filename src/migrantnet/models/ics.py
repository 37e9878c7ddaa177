"""Calendars an association subscribed to: a partner's `.ics` feed that is not on the fediverse.

The feed itself is an `Actor` (remote, type `Calendar`, id = the feed's URL), so its events are
ordinary remote objects with an author, shown with their provenance like any peer's; one feed
subscribed by several associations is fetched and stored once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from migrantnet.models.base import Base, utcnow


class IcsSubscription(Base):
    """One association's subscription to one feed, and what the last fetch of it said.

    `etag` / `last_modified` are the validators of the last good answer (a conditional GET
    next time); `error` is the last fetch's failure in one line (None after a success), kept
    for the association to read: what was imported before stays as it was."""

    __tablename__ = "ics_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    feed_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    fetched_at: Mapped[datetime | None]
    succeeded_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(1000))
    events: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("association_id", "feed_id"),
        Index("ix_ics_subscriptions_fetched_at", "fetched_at"),
    )


class AgendaImport(Base):
    """A remote ActivityPub event an association of ours added to the agenda by its URL,
    though it follows nobody who sends it; fetched again from its origin on the feeds'
    schedule (`fetched_at`), its last failure in `error`."""

    __tablename__ = "agenda_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    object_ap_id: Mapped[str] = mapped_column(String(2048), index=True)
    fetched_at: Mapped[datetime | None] = mapped_column(index=True)
    error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("association_id", "object_ap_id"),)
