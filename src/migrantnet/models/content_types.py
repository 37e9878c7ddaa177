"""What each kind of content adds to the common `objects` row (one row per object, keyed by it).

Declarations, struggles, events, resources and good practices are `ContentObject`s with a
`kind`; their own fields live here so the agenda can query dates and places with indexes
instead of digging in JSON.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from migrantnet.models.base import Base, JSONType, utcnow
from migrantnet.models.lifecycle import CosignState


class Kind(StrEnum):
    NOTE = "note"
    DECLARATION = "declaration"
    STRUGGLE = "struggle"
    EVENT = "event"
    RESOURCE = "resource"
    PRACTICE = "practice"
    ARTICLE = "article"  # a remote Article or Page without our extension fields


class StruggleStatus(StrEnum):
    ONGOING = "ongoing"
    WON = "won"
    LOST = "lost"
    SUSPENDED = "suspended"


class EventStatus(StrEnum):
    CONFIRMED = "confirmed"
    TENTATIVE = "tentative"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    GOOD_PRACTICE = "good_practice"
    VICTORY = "victory"
    DEFEAT = "defeat"


class Event(Base):
    __tablename__ = "events"

    object_id: Mapped[int] = mapped_column(
        ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.CONFIRMED)
    place_name: Mapped[str | None] = mapped_column(String(500))
    street: Mapped[str | None] = mapped_column(String(500))
    locality: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    online_url: Mapped[str | None] = mapped_column(String(2048))
    organizers: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # The exact place (name, street, postal code, coordinates) for the association's members
    # and, when the event is followers-only, its followers; everyone else gets the town.
    hide_address: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A series (`content/recurrence.py`): its RFC 5545 RRULE (always with an end), the starts of
    # cancelled occurrences (ISO, UTC), moved ones ({"of", "starts", "ends"}, ISO, UTC), and the
    # end of its last occurrence, which the agenda's window is compared with.
    rrule: Mapped[str | None] = mapped_column(String(600))
    exdates: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default=text("'[]'"))
    moved: Mapped[list[dict[str, str]]] = mapped_column(
        JSONType, default=list, server_default=text("'[]'")
    )
    recurs_until: Mapped[datetime | None] = mapped_column(index=True)
    # iCalendar's SEQUENCE: one more on every edit (ours) or update received (a peer's).
    sequence: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Where writing its `event_occurrences` stopped (`content/occurrences.py`: the horizon),
    # when its rule runs on past it; None when every occurrence is written.
    occurrences_until: Mapped[datetime | None] = mapped_column(index=True)

    __table_args__ = (
        # The agenda walks events in start order from a moment (keyset on start and id), and
        # finds those already under way by their end (`content/agenda.py`). The pair replaces
        # the index on `starts_at` alone, which PostgreSQL could not walk in (start, id) order.
        Index("ix_events_agenda", "starts_at", "object_id"),
        Index("ix_events_ends_at", "ends_at"),
    )


class EventOccurrence(Base):
    """One date of an event: a single event has one, a series one per date of its rule up to
    a horizon (`content/occurrences.py`), written whenever the event is. The agenda walks
    these in (start, event) order, so a page costs what its entries cost however many series
    are running."""

    __tablename__ = "event_occurrences"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.object_id", ondelete="CASCADE"), primary_key=True
    )
    starts_at: Mapped[datetime] = mapped_column(primary_key=True)
    ends_at: Mapped[datetime]
    # The start the series' rule gives it (iCalendar's RECURRENCE-ID); None for a single event.
    recurrence_id: Mapped[datetime | None]
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Longer than `content/occurrences.LONG` (a camp, a week of action). What is under way at a
    # moment is then two bounded walks: short dates that started within `LONG` before it (by
    # start), and the few long ones not yet over (by end).
    multi_day: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        Index("ix_event_occurrences_agenda", "starts_at", "event_id"),
        Index("ix_event_occurrences_multi_day", "multi_day", "ends_at"),
    )


class Struggle(Base):
    __tablename__ = "struggles"

    object_id: Mapped[int] = mapped_column(
        ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), default=StruggleStatus.ONGOING)
    countries: Mapped[list[str]] = mapped_column(JSONType, default=list)
    topics: Mapped[list[str]] = mapped_column(JSONType, default=list)
    started_on: Mapped[date | None]


class Declaration(Base):
    __tablename__ = "declarations"

    object_id: Mapped[int] = mapped_column(
        ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True
    )
    adopted_on: Mapped[date | None]
    adopted_at_place: Mapped[str | None] = mapped_column(String(500))


class Resource(Base):
    __tablename__ = "resources"

    object_id: Mapped[int] = mapped_column(
        ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True
    )
    resource_kind: Mapped[str] = mapped_column(String(32))
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    topics: Mapped[list[str]] = mapped_column(JSONType, default=list)
    audience: Mapped[str | None] = mapped_column(String(200))
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


class Practice(Base):
    __tablename__ = "practices"

    object_id: Mapped[int] = mapped_column(
        ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True
    )
    outcome: Mapped[str] = mapped_column(String(16))


class Cosignature(Base):
    """An association (of this node or another) that signed a declaration with its authors."""

    __tablename__ = "cosignatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("objects.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    ap_id: Mapped[str] = mapped_column(String(2048), unique=True)
    state: Mapped[str] = mapped_column(
        String(16), default=CosignState.ACCEPTED, server_default=CosignState.ACCEPTED.value
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("declaration_id", "actor_id"),)


class Media(Base):
    """An uploaded file, stored through the storage interface under a public id."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    object_id: Mapped[int | None] = mapped_column(ForeignKey("objects.id", ondelete="SET NULL"))
    storage_key: Mapped[str] = mapped_column(String(512))
    preview_key: Mapped[str | None] = mapped_column(String(512))
    media_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    alt_text: Mapped[str | None] = mapped_column(String(1500))
    # Names of the metadata fields removed from the upload (never their values), to tell the
    # author: "Author", "GPS position", "XMP metadata"...
    removed_metadata: Mapped[list[str]] = mapped_column(
        JSONType, default=list, server_default=text("'[]'")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_media_object", "object_id"),)
