"""Threads in a group (the permanent dialogue): a root object with a title addressed to the
group (Lemmy's `Page` in a community), and the replies under it (`inReplyTo` chains), each
reply's `objects.group_thread_id` naming its thread so a thread is read in one query."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from migrantnet.models.base import Base, utcnow


class GroupThread(Base):
    """A thread of a group, ours or one our associations are members of. `locked`: no new
    reply is announced; `hidden`: off the group's page (the moderators' choices)."""

    __tablename__ = "group_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))
    # Its root object (the thread's title and first message), by id as `GroupItem` does.
    root_ap_id: Mapped[str] = mapped_column(String(2048))
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reply_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The newest message in it: threads are listed by it, newest first.
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("group_id", "root_ap_id"),
        Index("ix_group_threads_root", "root_ap_id"),
        Index("ix_group_threads_listing", "group_id", "hidden", "last_activity_at", "id"),
    )
