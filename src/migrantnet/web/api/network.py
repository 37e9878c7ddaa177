"""What an association's network published, and whom it follows: for its members only.

Both answers name the accounts an association follows (the network's items carry their
authors), and a follow list is what a state actor looks for; so both need a token with a role
on the association, whatever `show_follows` says (the public view is the AP collection).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.content.network import events_of, network_objects, outgoing_follows
from migrantnet.federation.actors import HANDLE_RE
from migrantnet.federation.follows import follow_remote, unfollow_remote
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, Event, Follow, Role
from migrantnet.translations import N_
from migrantnet.web.api.responses import errors
from migrantnet.web.api.schemas import FollowIn, FollowItem, NetworkEvent, NetworkItem
from migrantnet.web.auth import READ_ROLES, CurrentUser, require_role
from migrantnet.web.deps import BeforeCursor, SessionDep

FOLLOW_ROLES = (Role.OWNER,)  # as following from the network page

router = APIRouter()


@router.get(
    "/associations/{slug}/network",
    response_model=list[NetworkItem],
    summary="What the association's network published",
    responses=errors(401, 403, 404),
)
async def network(
    slug: str, session: SessionDep, user: CurrentUser, before: BeforeCursor = None
) -> list[NetworkItem]:
    """What the actors this association follows have published (public and unlisted).
    Needs a role (owner, editor, moderator) on the association."""
    association = await require_role(session, user, slug, READ_ROLES)
    rows = await network_objects(session, association, before=before)
    events = await events_of(session, [obj.id for obj, _ in rows])
    return [
        NetworkItem(
            id=obj.ap_id,
            type=obj.type,
            kind=obj.kind,
            event=_network_event(events.get(obj.id)),
            actor=actor.ap_id,
            url=obj.url,
            published=obj.published_at,
            updated=obj.updated_at,
            name=obj.name_map,
            summary=obj.summary_map,
            content=obj.content_map,
            extra=obj.extra,
        )
        for obj, actor in rows
    ]


def _network_event(event: Event | None) -> NetworkEvent | None:
    if event is None:
        return None
    return NetworkEvent(
        starts=event.starts_at,
        ends=event.ends_at,
        timezone=event.timezone,
        place=event.place_name,
        locality=event.locality,
        country=event.country,
        online_url=event.online_url,
        status=event.status,
    )


@router.get(
    "/associations/{slug}/following",
    response_model=list[FollowItem],
    summary="Whom the association follows",
    responses=errors(401, 403, 404),
)
async def following(slug: str, session: SessionDep, user: CurrentUser) -> list[FollowItem]:
    """Accounts this association follows or asked to follow, with the state of each request.
    Needs a role (owner, editor, moderator) on the association."""
    association = await require_role(session, user, slug, READ_ROLES)
    return [
        FollowItem(
            actor=actor.ap_id, handle=f"@{actor.username}@{actor.domain}", state=follow.state
        )
        for follow, actor in await outgoing_follows(session, association)
    ]


@router.post(
    "/associations/{slug}/following",
    response_model=FollowItem,
    summary="The association follows an account or joins a group",
    responses=errors(400, 401, 403, 404, 502),
)
async def follow(
    slug: str, body: FollowIn, request: Request, session: SessionDep, user: CurrentUser
) -> FollowItem:
    """Follow an account by its handle (`@name@host`) or its URL: an association on any node,
    a person, or a group (a migrantnet group, a Lemmy community, a Mobilizon or Friendica
    group) — joining a group is following it. The state is `pending` until the account
    accepts. Asking again changes nothing. Needs the role owner in the association."""
    association = await require_role(session, user, slug, FOLLOW_ROLES)
    _check_account(body.account)
    fed = _federation(request)
    row = await follow_remote(session, fed, association, body.account)
    await session.commit()
    fed.wakeup.set()
    return await _follow_item(session, row)


@router.delete(
    "/associations/{slug}/following",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="The association stops following an account or leaves a group",
    responses=errors(400, 401, 403, 404, 502),
)
async def stop_following(
    slug: str,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    account: Annotated[str, Query(max_length=2048, description="A handle or an actor's URL.")],
) -> Response:
    """Undo the follow (a pending request is withdrawn): an `Undo{Follow}` is sent, and a
    group stops sharing with the association. Needs the role owner in the association."""
    association = await require_role(session, user, slug, FOLLOW_ROLES)
    _check_account(account)
    fed = _federation(request)
    await unfollow_remote(session, fed, association, account)
    await session.commit()
    fed.wakeup.set()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _check_account(account: str) -> None:
    """A mistyped account is the caller's mistake (422), not a peer's failure (502)."""
    if not account.startswith(("http://", "https://")) and not HANDLE_RE.match(account.strip()):
        raise InvalidInput(
            "account", N_("%(handle)s is not a handle like @name@host"), handle=repr(account)
        )


async def _follow_item(session: AsyncSession, row: Follow) -> FollowItem:
    target = await session.get(Actor, row.followed_id)
    if target is None:  # the account was removed in between
        raise NotFound(f"account {row.followed_id} is gone")
    return FollowItem(
        actor=target.ap_id, handle=f"@{target.username}@{target.domain}", state=row.state
    )


def _federation(request: Request) -> Federation:
    fed: Federation = request.app.state.federation
    return fed
