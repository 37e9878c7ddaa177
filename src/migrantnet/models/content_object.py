"""Content objects, ours and remote ones: notes, articles, pages, events, documents.

Common fields live here; language-keyed maps hold every text in every language it exists in
(the parser folds `content`/`contentMap` into them, so storage holds one shape).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from migrantnet.models.base import Base, JSONType, utcnow
from migrantnet.models.lifecycle import ReplyState, ReportState


class Visibility(StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    FOLLOWERS = "followers"
    DIRECT = "direct"


class ContentObject(Base):
    __tablename__ = "objects"

    id: Mapped[int] = mapped_column(primary_key=True)
    ap_id: Mapped[str] = mapped_column(String(2048), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="note", server_default="note", index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    struggle_ap_id: Mapped[str | None] = mapped_column(String(2048), index=True)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PUBLIC)
    url: Mapped[str | None] = mapped_column(String(2048))
    in_reply_to: Mapped[str | None] = mapped_column(String(2048), index=True)
    # A peer's reply in a thread under one of our objects: the association that owns the
    # thread (it decides what is shown) and its decision (`content/reply_moderation.py`).
    thread_owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL")
    )
    reply_state: Mapped[str] = mapped_column(
        String(16), default=ReplyState.SHOWN, server_default=ReplyState.SHOWN.value
    )
    # The group thread a reply is in (`models/group_thread.py`): its replies in one query.
    group_thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_threads.id", ondelete="SET NULL")
    )
    primary_language: Mapped[str | None] = mapped_column(String(35))
    name_map: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    summary_map: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    content_map: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    # Not to be indexed: `noindex` on its page, left out of the node's search, feeds and
    # anonymous calendar feeds, and peers told so (FEDERATION.md, "Sensitive items").
    noindex: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tags: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_objects_actor_published", "actor_id", "published_at"),
        # Keyset pages walk these newest first: the home page (the node's public objects) and
        # an association's section of one kind. `id` breaks ties between equal instants.
        Index("ix_objects_listing", "local", "visibility", "published_at", "id"),
        Index("ix_objects_actor_kind_published", "actor_id", "kind", "published_at", "id"),
        Index("ix_objects_thread_owner", "thread_owner_id", "reply_state", "published_at"),
        Index("ix_objects_group_thread", "group_thread_id", "published_at", "id"),
    )


class Interaction(Base):
    """A Like or Announce of an object, kept so `Undo` can remove it and counts can be shown."""

    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ap_id: Mapped[str] = mapped_column(String(2048), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    object_ap_id: Mapped[str] = mapped_column(String(2048), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # What the actors we follow shared (the agenda's announced events), without a scan.
    __table_args__ = (Index("ix_interactions_actor_type", "actor_id", "type"),)


class Report(Base):
    """A `Flag` from a peer: kept for the node's moderators, never acted on automatically."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    ap_id: Mapped[str] = mapped_column(String(2048), unique=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    target_ap_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    content: Mapped[str | None] = mapped_column(String(10000))
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(
        String(16), default=ReportState.OPEN, server_default=ReportState.OPEN.value, index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    # When a moderator sent the report on to the server of the reported account (a `Flag`).
    forwarded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
