"""The shapes of the groups' part of the JSON API (`web/api/groups.py`): the groups a node
hosts, what they shared, and joining or leaving one (OpenAPI schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from migrantnet.models import FollowState
from migrantnet.web.api.schemas import Strict


class GroupMember(BaseModel):
    id: str = Field(description="The member association's actor id.")
    handle: str | None = Field(description="user@host.")
    name: str | None
    local: bool = Field(description="An association of this node.")


class GroupModerator(BaseModel):
    email: str
    role: str = Field(description="owner or moderator.")


class GroupSummary(BaseModel):
    id: str = Field(description="The group's actor id: what `group` takes when publishing.")
    handle: str = Field(description="slug@host, to join it from another node.")
    name: str | None
    summary: str | None = Field(description="Its presentation (sanitised HTML).")
    url: str = Field(description="Its page.")
    approves_members: bool = Field(description="New members wait for a moderator's approval.")
    members_count: int


class GroupOut(GroupSummary):
    members: list[GroupMember] | None = Field(
        None,
        description="Only when the group lists its members publicly (as its `followers` "
        "collection does), or for its moderators; otherwise null and only the count is given.",
    )
    moderators_count: int
    moderators: list[GroupModerator] | None = Field(
        None,
        description="Only for a bearer token of one of its moderators or of a node admin: "
        "they are people of this node, not public actors.",
    )
    calendar: str = Field(description="Its agenda as iCalendar (`.ics`).")
    feeds: list[str] = Field(description="Its Atom and RSS feeds.")


class GroupItemOut(BaseModel):
    id: str = Field(description="The object's ActivityPub id.")
    type: str
    kind: str | None
    url: str | None
    author: str = Field(description="Id of the member that posted it.")
    local: bool = Field(description="Published on this node.")
    published: datetime | None
    shared: datetime = Field(description="When the group announced it.")
    name: dict[str, Any]
    summary: dict[str, Any]
    content: dict[str, Any]
    noindex: bool = Field(description="Sensitive: kept out of search and feeds.")


class GroupItemsOut(BaseModel):
    items: list[GroupItemOut] = Field(description="Newest first.")
    next: int | None = Field(description="`before` for the next page; null on the last one.")


class MembershipIn(Strict):
    association: str = Field(
        max_length=64, description="Slug of the association of this node that joins."
    )


class MembershipOut(BaseModel):
    group: str = Field(description="The group's id.")
    association: str = Field(description="The association's id.")
    state: FollowState = Field(
        description="accepted, or pending while the group's moderators decide."
    )
