"""What a group of ours shared (FEP-1b12): each member's object it announced, once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from migrantnet.models.base import Base, utcnow


class GroupItem(Base):
    """An object a member addressed to one of our groups, which the group `Announce`d to its
    followers. `hidden` is the moderators' choice: the item leaves the group's page and
    agenda, and the group announces nothing more of it."""

    __tablename__ = "group_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))
    object_ap_id: Mapped[str] = mapped_column(String(2048), index=True)
    # The group's first Announce of it: what an Undo names when the item is hidden.
    announce_ap_id: Mapped[str] = mapped_column(String(2048))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("group_id", "object_ap_id"),
        Index("ix_group_items_group_hidden", "group_id", "hidden"),
    )
