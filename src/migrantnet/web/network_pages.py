"""An association's network, for its admins: follow by handle or URL (after a preview of
what it is), the lists of following and followers, follow requests, removing a follower.

Looking a handle up fetches from another server; a failure is a message on the page (the
other server is down, the handle does not exist), never an error page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import ContentError, shown
from migrantnet.content.html import html_to_text
from migrantnet.content.network import outgoing_follows
from migrantnet.federation.actors import ActorUnavailable, resolve_handle
from migrantnet.federation.deps import FederationDep
from migrantnet.federation.follows import (
    decide_follow_request,
    follow_remote,
    remove_follower,
    unfollow_remote,
)
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, ActorType, Follow, FollowState, Role
from migrantnet.translations import N_, gettext
from migrantnet.uris.interface import (
    ADMIN_NETWORK_FOLLOW_PATH,
    ADMIN_NETWORK_FOLLOWER_REMOVE_PATH,
    ADMIN_NETWORK_LOOKUP_PATH,
    ADMIN_NETWORK_PATH,
    ADMIN_NETWORK_REQUESTS_PATH,
    ADMIN_NETWORK_UNFOLLOW_PATH,
    fill,
)
from migrantnet.web.auth import require_role
from migrantnet.web.decisions import GONE, decided
from migrantnet.web.deps import SessionDep
from migrantnet.web.errors import INVALID_FORM_STATUS
from migrantnet.web.forms import read_form, text_field
from migrantnet.web.rendering import render, see_other
from migrantnet.web.sessions import SignedIn, SignedInDep, Visitor

router = APIRouter(include_in_schema=False)
ADMIN_ROLES = (Role.OWNER,)
# What a person is told an actor type is, before following it.
TYPE_NAMES = {
    "Person": N_("a person's account"),
    "Group": N_("a group"),
    "Organization": N_("an organisation"),
    "Application": N_("a server (node)"),
    "Service": N_("a service or bot"),
}
DONE = {
    "followed": N_("Follow request sent. It shows as accepted once they answer."),
    "unfollowed": N_("You no longer follow them."),
    "approved": N_("Follow request approved."),
    "rejected": N_("Follow request rejected."),
    "removed": N_("Follower removed."),
    GONE: N_("This was already decided, or it is gone."),
}


def _federation(request: Request) -> Federation:
    fed: Federation = request.app.state.federation
    return fed


def _path(slug: str) -> str:
    return fill(ADMIN_NETWORK_PATH, slug=slug)


async def _followers(session: AsyncSession, actor: Actor, state: str) -> list[tuple[Follow, Actor]]:
    rows = await session.execute(
        select(Follow, Actor)
        .join(Actor, Actor.id == Follow.follower_id)
        .where(Follow.followed_id == actor.id, Follow.state == state)
        .order_by(Follow.id.desc())
    )
    return [(follow, follower) for follow, follower in rows]


async def _page(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    actor: Actor,
    *,
    status_code: int = 200,
    **context: object,
) -> Response:
    following = [
        (follow, target)
        for follow, target in await outgoing_follows(session, actor)
        if follow.state in (FollowState.PENDING, FollowState.ACCEPTED)
    ]
    return render(
        request,
        visitor,
        "admin/network.html",
        {
            "association": actor,
            "following": following,
            "followers": await _followers(session, actor, FollowState.ACCEPTED),
            "requests": await _followers(session, actor, FollowState.PENDING),
            "values": {},
            "errors": {},
            **context,
        },
        status_code=status_code,
    )


async def _admin_of(session: AsyncSession, visitor: SignedIn, slug: str) -> Actor:
    return await require_role(session, visitor.user, slug, ADMIN_ROLES)


@router.get(ADMIN_NETWORK_PATH)
async def network(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep, done: str | None = None
) -> Response:
    actor = await _admin_of(session, visitor, slug)
    return await _page(request, visitor, session, actor, done=DONE.get(done or ""))


@router.post(ADMIN_NETWORK_LOOKUP_PATH)
async def lookup(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    """Show what a handle or URL is before following it."""
    form = await read_form(request, visitor)
    actor = await _admin_of(session, visitor, slug)
    handle = text_field(form, "handle").strip()
    if not handle:
        errors = {"handle": gettext("Give a handle like @name@host or the address of an account.")}
        return await _page(
            request, visitor, session, actor, errors=errors, status_code=INVALID_FORM_STATUS
        )
    try:
        target = await resolve_handle(session, _federation(request), handle)
    except (ActorUnavailable, ContentError) as exc:
        return await _page(
            request,
            visitor,
            session,
            actor,
            errors={"handle": shown(exc)},
            values={"handle": handle},
            status_code=INVALID_FORM_STATUS,
        )
    await session.commit()
    if target.local and (target.type != ActorType.GROUP or target.id == actor.id):
        errors = {"handle": gettext("This account is on this node: no need to follow it.")}
        return await _page(
            request, visitor, session, actor, errors=errors, values={"handle": handle}
        )
    existing = await session.scalar(
        select(Follow.state).where(Follow.follower_id == actor.id, Follow.followed_id == target.id)
    )
    return render(
        request,
        visitor,
        "admin/follow_preview.html",
        {
            "association": actor,
            "target": target,
            "handle": handle,
            "type_name": TYPE_NAMES.get(target.type, target.type),
            "summary": html_to_text(target.summary or "")[:500],
            "state": existing,
        },
    )


@router.post(ADMIN_NETWORK_FOLLOW_PATH)
async def follow(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    form = await read_form(request, visitor)
    actor = await _admin_of(session, visitor, slug)
    try:
        await follow_remote(session, _federation(request), actor, text_field(form, "handle"))
    except (ActorUnavailable, ContentError) as exc:
        return await _page(
            request,
            visitor,
            session,
            actor,
            errors={"handle": shown(exc)},
            status_code=INVALID_FORM_STATUS,
        )
    await session.commit()
    _federation(request).wakeup.set()
    return see_other(fill(ADMIN_NETWORK_PATH, slug=slug) + "?done=followed")


@router.post(ADMIN_NETWORK_UNFOLLOW_PATH)
async def unfollow(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep, fed: FederationDep
) -> Response:
    form = await read_form(request, visitor)
    actor = await _admin_of(session, visitor, slug)
    followed = text_field(form, "actor")
    return await decided(
        session, _path(slug), "unfollowed", unfollow_remote(session, fed, actor, followed), fed=fed
    )


@router.post(ADMIN_NETWORK_REQUESTS_PATH)
async def decide(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep, fed: FederationDep
) -> Response:
    form = await read_form(request, visitor)
    actor = await _admin_of(session, visitor, slug)
    accept = text_field(form, "decision") == "approve"
    requester = text_field(form, "actor")
    return await decided(
        session,
        _path(slug),
        "approved" if accept else "rejected",
        decide_follow_request(session, fed, actor, requester, accept=accept),
        fed=fed,
    )


@router.post(ADMIN_NETWORK_FOLLOWER_REMOVE_PATH)
async def remove(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep, fed: FederationDep
) -> Response:
    """Mastodon's "remove follower": a Reject of their Follow; they may ask again later."""
    form = await read_form(request, visitor)
    actor = await _admin_of(session, visitor, slug)
    follower = text_field(form, "actor")
    return await decided(
        session, _path(slug), "removed", remove_follower(session, fed, actor, follower), fed=fed
    )
