"""What an association's network published, and whom it follows: for its members only.

Both answers name the accounts an association follows (the network's items carry their
authors), and a follow list is what a state actor looks for; so both need a token with a role
on the association, whatever `show_follows` says (the public view is the AP collection).
"""

from __future__ import annotations

from fastapi import APIRouter

from migrantnet.content.network import events_of, network_objects, outgoing_follows
from migrantnet.models import Event
from migrantnet.web.api.responses import errors
from migrantnet.web.api.schemas import FollowItem, NetworkEvent, NetworkItem
from migrantnet.web.auth import READ_ROLES, CurrentUser, require_role
from migrantnet.web.deps import BeforeCursor, SessionDep

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
