"""Replying from the browser to a post of another server, given by its address.

An editor pastes the address of a post (a Mastodon toot, another node's declaration); the
node fetches it through the safe client, shows who wrote it and how it opens, and the Reply
button leads to the note form with the post filled in (`?in_reply_to=`). A post of this
node has its own Reply button, on its page. A failure (the other server is down, the address
is no post, the post is not public) is a message beside the field, the address kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.content.remote import find_object
from migrantnet.federation.reply_lookup import find_reply_target
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, ActorType, ContentObject, Kind, Membership
from migrantnet.uris.interface import ADMIN_NEW_PATH, ADMIN_REPLY_PATH, fill
from migrantnet.web.auth import PUBLISH_ROLES, require_role
from migrantnet.web.deps import SessionDep
from migrantnet.web.errors import form_status
from migrantnet.web.forms import read_form, text_field
from migrantnet.web.i18n import wanted_languages
from migrantnet.web.rendering import render
from migrantnet.web.sessions import SignedInDep, Visitor
from migrantnet.web.views.replies import AnsweredView, answered_view

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class ReplyButton:
    """A Reply button under a post, for one association the reader writes for."""

    association: str
    href: str


async def reply_buttons(
    session: AsyncSession, visitor: Visitor, obj: ContentObject
) -> list[ReplyButton]:
    """One button per association the signed-in reader may publish for (a node admin: all
    of the node's associations), each leading to the note form answering `obj`."""
    user = visitor.user
    if user is None:
        return []
    query = select(Actor).where(
        Actor.local.is_(True),
        Actor.slug.is_not(None),
        Actor.deleted_at.is_(None),
        Actor.type != ActorType.APPLICATION,
    )
    if not user.is_admin:
        query = query.join(Membership, Membership.actor_id == Actor.id).where(
            Membership.user_id == user.id, Membership.role.in_(PUBLISH_ROLES)
        )
    query_string = urlencode({"in_reply_to": obj.ap_id})
    return [
        ReplyButton(
            actor.name or actor.slug or "",
            fill(ADMIN_NEW_PATH, slug=actor.slug or "", kind=Kind.NOTE) + f"?{query_string}",
        )
        for actor in await session.scalars(query.order_by(Actor.name).limit(20))
    ]


def _wanted(request: Request) -> list[str]:
    return wanted_languages(
        request.headers.get("accept-language"), request.query_params.get("lang")
    )


async def answered_post(
    request: Request, session: AsyncSession, address: str | None
) -> AnsweredView | None:
    """The post at `address` in short, when this node keeps it (above the note form)."""
    parent = await find_object(session, address.strip()) if address else None
    if parent is None or parent.deleted_at is not None:
        return None
    author = await session.get(Actor, parent.actor_id)
    if author is None:
        return None
    return answered_view(parent, author, _wanted(request))


def _page(
    request: Request,
    visitor: Visitor,
    actor: Actor,
    *,
    address: str = "",
    errors: dict[str, str] | None = None,
    answered: AnsweredView | None = None,
    ap_id: str | None = None,
) -> Response:
    errors = errors or {}
    return render(
        request,
        visitor,
        "admin/reply.html",
        {
            "association": actor,
            "values": {"url": address},
            "errors": errors,
            "answered": answered,
            "compose": fill(ADMIN_NEW_PATH, slug=actor.slug or "", kind=Kind.NOTE)
            if ap_id
            else None,
            "ap_id": ap_id,
        },
        status_code=form_status(errors),
    )


@router.get(ADMIN_REPLY_PATH)
async def reply_form(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    actor = await require_role(session, visitor.user, slug, PUBLISH_ROLES)
    return _page(request, visitor, actor)


@router.post(ADMIN_REPLY_PATH)
async def look_up(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    """Fetch the post (stored, so the note form can show it), then offer to answer it."""
    form = await read_form(request, visitor)
    actor = await require_role(session, visitor.user, slug, PUBLISH_ROLES)
    address = text_field(form, "url").strip()
    fed: Federation = request.app.state.federation
    try:
        target = await find_reply_target(session, fed, address)
    except InvalidInput as exc:  # nothing was stored: the request's session is not committed
        return _page(request, visitor, actor, address=address, errors={"url": exc.shown()})
    answered = answered_view(target.obj, target.author, _wanted(request))
    page = _page(
        request, visitor, actor, address=address, answered=answered, ap_id=target.obj.ap_id
    )
    await session.commit()
    return page
