"""Actors: our associations and node actor (local, with keys) and the remote actors we know."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from migrantnet.models.base import Base, JSONType, utcnow


class ActorType(StrEnum):
    ORGANIZATION = "Organization"
    GROUP = "Group"
    APPLICATION = "Application"
    PERSON = "Person"
    SERVICE = "Service"


class Actor(Base):
    """One table for local and remote actors, as GoToSocial's accounts: follows and deliveries
    point at actors without caring where they live. Local actors have a `slug` and a private key.
    """

    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(primary_key=True)
    ap_id: Mapped[str] = mapped_column(String(2048), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    slug: Mapped[str | None] = mapped_column(String(64), unique=True)
    username: Mapped[str | None] = mapped_column(String(255))
    domain: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str | None] = mapped_column(String(2048))
    summary: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2048))
    icon_url: Mapped[str | None] = mapped_column(String(2048))
    inbox_url: Mapped[str] = mapped_column(String(2048))
    shared_inbox_url: Mapped[str | None] = mapped_column(String(2048))
    outbox_url: Mapped[str | None] = mapped_column(String(2048))
    followers_url: Mapped[str | None] = mapped_column(String(2048))
    following_url: Mapped[str | None] = mapped_column(String(2048))
    featured_url: Mapped[str | None] = mapped_column(String(2048))
    public_key_id: Mapped[str | None] = mapped_column(String(2048), index=True)
    public_key_pem: Mapped[str | None] = mapped_column(Text)
    private_key_pem: Mapped[str | None] = mapped_column(Text)
    manually_approves_followers: Mapped[bool] = mapped_column(Boolean, default=False)
    discoverable: Mapped[bool] = mapped_column(Boolean, default=True)
    show_follows: Mapped[bool] = mapped_column(Boolean, default=False)
    # Send long-form types as Notes, for followers who read on Mastodon (design §2).
    federate_as_note: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The zone an association's events are usually in: preselected in the event form.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Co-signatures of its declarations: from people (`Person` actors) too, not only from
    # organisations and groups; and the actors or hosts whose signatures need no approval.
    # Replies from other servers wait for a moderator's approval before they are shown.
    hold_replies: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A group of ours: replies in its threads from fediverse accounts that are not members
    # are announced too (members' replies always are).
    open_replies: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    cosign_people: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    cosign_trusted: Mapped[list[str]] = mapped_column(
        JSONType, default=list, server_default=text("'[]'")
    )
    # Where an association works (ISO 3166 code) and its topics, shown and filtered on in the
    # directory: set by ours, read from a peer's actor document. `topics` is what is shown and
    # serialised; `ActorTopic` repeats it a row each, for the filter (`content/topics.py`).
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    topics: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default=text("'[]'"))
    also_known_as: Mapped[list[str]] = mapped_column(JSONType, default=list)
    moved_to: Mapped[str | None] = mapped_column(String(2048))
    published_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def preferred_inbox(self) -> str:
        """Mastodon's rule: the shared inbox when there is one, so a host gets one request."""
        return self.shared_inbox_url or self.inbox_url

    @property
    def handle(self) -> str:
        return f"{self.username}@{self.domain}"


class ActorBlock(Base):
    """A remote actor blocked one of ours (incoming `Block`): we stop delivering to them."""

    __tablename__ = "actor_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    ap_id: Mapped[str] = mapped_column(String(2048), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_actor_blocks_pair", "actor_id", "target_id", unique=True),)


class ActorTopic(Base):
    """One of `Actor.topics`, a row each so the directory's topic filter is an indexed lookup
    on both databases rather than a search in JSON; written with it (`set_actor_topics`)."""

    __tablename__ = "actor_topics"

    actor_id: Mapped[int] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
