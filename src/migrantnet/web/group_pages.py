"""A group's moderation, for its admins and moderators: members (remove one), membership
requests (approve, reject), what the group shared (hide an item), and whether its threads
take replies from fediverse accounts that are not members (`open_replies`).

Every action goes through `federation/groups.py` (a Reject to the removed member, an
Undo{Announce} of a hidden item) and is written to the moderation trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from migrantnet.content.associations import get_association
from migrantnet.content.errors import NotFound
from migrantnet.content.group_threads import set_open_replies
from migrantnet.content.groups import group_moderator, is_group, list_members
from migrantnet.content.html import html_to_text
from migrantnet.federation.deps import FederationDep
from migrantnet.federation.follows import decide_follow_request, pending_followers
from migrantnet.federation.groups import hide_group_item, remove_member
from migrantnet.models import Actor, ContentObject, GroupItem
from migrantnet.translations import N_
from migrantnet.uris.interface import (
    ADMIN_GROUP_HIDE_PATH,
    ADMIN_GROUP_OPEN_REPLIES_PATH,
    ADMIN_GROUP_PATH,
    ADMIN_GROUP_REMOVE_PATH,
    ADMIN_GROUP_REQUESTS_PATH,
    fill,
)
from migrantnet.web.decisions import GONE, decided
from migrantnet.web.deps import SessionDep
from migrantnet.web.forms import read_form, text_field
from migrantnet.web.hrefs import safe_href
from migrantnet.web.rendering import render
from migrantnet.web.sessions import SignedIn, SignedInDep

router = APIRouter(include_in_schema=False)
ITEMS_SHOWN = 50
DONE = {
    "removed": N_("Member removed: the group no longer shares with it."),
    "hidden": N_("Item hidden from the group."),
    "approved": N_("Membership approved."),
    "rejected": N_("Membership request rejected."),
    "opened": N_("Replies from non-members are now accepted in the group's threads."),
    "closed": N_("Only members can now reply in the group's threads."),
    GONE: N_("This was already decided, or it is gone."),
}


@dataclass(frozen=True, slots=True)
class ItemView:
    ap_id: str
    url: str
    title: str
    member: Actor | None
    hidden: bool


def _page(slug: str) -> str:
    return fill(ADMIN_GROUP_PATH, slug=slug)


async def _group_for(session: AsyncSession, visitor: SignedIn, slug: str) -> Actor:
    """The group, if the visitor moderates it (admin or moderator on it, or a node admin)."""
    group = await get_association(session, slug)
    if not is_group(group):
        raise NotFound(f"{slug!r} is not a group")
    await group_moderator(session, visitor.user, group)
    return group


async def _items(session: AsyncSession, group: Actor) -> list[ItemView]:
    member = aliased(Actor)
    rows = await session.execute(
        select(GroupItem, ContentObject, member)
        .outerjoin(ContentObject, ContentObject.ap_id == GroupItem.object_ap_id)
        .outerjoin(member, member.id == GroupItem.member_id)
        .where(GroupItem.group_id == group.id)
        .order_by(GroupItem.id.desc())
        .limit(ITEMS_SHOWN)
    )
    views = []
    for item, obj, who in rows:
        texts = [
            *(obj.name_map.values() if obj else ()),
            *(obj.content_map.values() if obj else ()),
        ]
        title = html_to_text(texts[0])[:120] if texts else item.object_ap_id
        url = safe_href(obj.url or obj.ap_id) if obj is not None else safe_href(item.object_ap_id)
        views.append(ItemView(item.object_ap_id, url, title, who, item.hidden))
    return views


@router.get(ADMIN_GROUP_PATH)
async def group_page(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep, done: str | None = None
) -> Response:
    group = await _group_for(session, visitor, slug)
    return render(
        request,
        visitor,
        "admin/group.html",
        {
            "association": group,
            "members": await list_members(session, group),
            "requests": await pending_followers(session, group),
            "items": await _items(session, group),
            "done": DONE.get(done or ""),
        },
    )


@router.post(ADMIN_GROUP_REMOVE_PATH)
async def remove(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep, fed: FederationDep
) -> Response:
    form = await read_form(request, visitor)
    group = await _group_for(session, visitor, slug)
    member = text_field(form, "actor")
    return await decided(
        session,
        _page(slug),
        "removed",
        remove_member(session, fed, group, visitor.user, member),
        fed=fed,
    )


@router.post(ADMIN_GROUP_HIDE_PATH)
async def hide(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep, fed: FederationDep
) -> Response:
    form = await read_form(request, visitor)
    group = await _group_for(session, visitor, slug)
    item = text_field(form, "object")
    return await decided(
        session,
        _page(slug),
        "hidden",
        hide_group_item(session, fed, group, visitor.user, item),
        fed=fed,
    )


@router.post(ADMIN_GROUP_REQUESTS_PATH)
async def decide(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep, fed: FederationDep
) -> Response:
    form = await read_form(request, visitor)
    group = await _group_for(session, visitor, slug)
    accept = text_field(form, "decision") == "approve"
    requester = text_field(form, "actor")
    return await decided(
        session,
        _page(slug),
        "approved" if accept else "rejected",
        decide_follow_request(session, fed, group, requester, accept=accept),
        fed=fed,
    )


@router.post(ADMIN_GROUP_OPEN_REPLIES_PATH)
async def open_replies(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    """Open the group's threads to replies from non-members, or close them again; nothing
    is sent: the group only announces (or not) the replies it receives from then on."""
    form = await read_form(request, visitor)
    group = await _group_for(session, visitor, slug)
    wanted = text_field(form, "open_replies") == "on"
    return await decided(
        session,
        _page(slug),
        "opened" if wanted else "closed",
        set_open_replies(session, visitor.user, group, open_replies=wanted),
    )
