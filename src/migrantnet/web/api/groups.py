"""The groups this node hosts, as JSON: the list, one group, what it shared, its agenda; and
an association of this node joining or leaving one.

Reads are public and say what the group's own pages and ActivityPub collections say: its
members' number, their list only when the group shows its follows, its moderators (people of
this node, known by their e-mail) only to them. Joining and leaving are the association's
Follow and Undo (`federation/follows.py`), so they need a token with the role owner in it, as
following does from its network page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import Forbidden
from migrantnet.content.groups import (
    get_group,
    group_moderator,
    group_moderators,
    hosted_groups,
    list_members,
    member_count,
    shared_items,
)
from migrantnet.federation.follows import join_local_group, unfollow
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, FollowState, Role, User
from migrantnet.uris import Uris
from migrantnet.web.api.agenda import AfterParam, AgendaParams, LimitParam, agenda_answer
from migrantnet.web.api.group_schemas import (
    GroupItemOut,
    GroupItemsOut,
    GroupMember,
    GroupModerator,
    GroupOut,
    GroupSummary,
    MembershipIn,
    MembershipOut,
)
from migrantnet.web.api.responses import errors
from migrantnet.web.api.schemas import AgendaOut
from migrantnet.web.auth import CurrentUser, MaybeUser, require_role
from migrantnet.web.deps import BeforeCursor, SessionDep, UrisDep

router = APIRouter()
JOIN_ROLES = (Role.OWNER,)  # as following from the network page


def _summary(group: Actor, uris: Uris, members: int) -> GroupSummary:
    slug = group.slug or ""
    return GroupSummary(
        id=group.ap_id,
        handle=f"{slug}@{uris.host}",
        name=group.name,
        summary=group.summary,
        url=uris.page(slug),
        approves_members=group.manually_approves_followers,
        members_count=members,
    )


async def _moderates(session: AsyncSession, user: User | None, group: Actor) -> bool:
    if user is None:  # `group_moderator` reads None as the command line
        return False
    try:
        await group_moderator(session, user, group)
    except Forbidden:
        return False
    return True


def _federation(request: Request) -> Federation:
    fed: Federation = request.app.state.federation
    return fed


@router.get("/groups", response_model=list[GroupSummary], summary="The groups this node hosts")
async def groups(session: SessionDep, uris: UrisDep) -> list[GroupSummary]:
    """Every group (assembly, coordination) of this node, by slug, with its members' number."""
    return [
        _summary(group, uris, await member_count(session, group))
        for group in await hosted_groups(session)
    ]


@router.get(
    "/groups/{slug}", response_model=GroupOut, summary="One group", responses=errors(401, 404)
)
async def group(slug: str, session: SessionDep, uris: UrisDep, user: MaybeUser) -> GroupOut:
    """A group, its members' number and its moderators' number. Its members are listed when
    the group shows its follows publicly or the token is one of its moderators'; its
    moderators only for them (or a node admin)."""
    found = await get_group(session, slug)
    moderates = await _moderates(session, user, found)
    moderators = await group_moderators(session, found)
    members = None
    if found.show_follows or moderates:
        members = [
            GroupMember(
                id=member.ap_id,
                handle=f"{member.username}@{member.domain}" if member.username else None,
                name=member.name,
                local=member.local,
            )
            for member in await list_members(session, found)
        ]
    return GroupOut(
        **_summary(found, uris, await member_count(session, found)).model_dump(),
        members=members,
        moderators_count=len(moderators),
        moderators=[GroupModerator(email=u.email, role=role) for u, role in moderators]
        if moderates
        else None,
        calendar=uris.actor_calendar(slug),
        feeds=[uris.feed(slug, "atom"), uris.feed(slug, "rss")],
    )


@router.get(
    "/groups/{slug}/items",
    response_model=GroupItemsOut,
    summary="What a group shared",
    responses=errors(404),
)
async def items(
    slug: str, session: SessionDep, before: BeforeCursor = None, limit: LimitParam = 30
) -> GroupItemsOut:
    """Public items its members addressed to it and it announced, newest first; those its
    moderators hid are left out."""
    found = await get_group(session, slug)
    rows = await shared_items(session, found, before=before, limit=limit + 1)
    shown = rows[:limit]
    return GroupItemsOut(
        items=[
            GroupItemOut(
                id=obj.ap_id,
                type=obj.type,
                kind=obj.kind,
                url=obj.url,
                author=author.ap_id,
                local=obj.local,
                published=obj.published_at,
                shared=item.created_at,
                name=obj.name_map,
                summary=obj.summary_map,
                content=obj.content_map,
                noindex=obj.noindex,
            )
            for item, obj, author in shown
        ],
        next=shown[-1][0].id if len(rows) > limit else None,
    )


@router.get(
    "/groups/{slug}/agenda",
    response_model=AgendaOut,
    summary="A group's agenda",
    responses=errors(404),
)
async def group_agenda(
    slug: str,
    request: Request,
    session: SessionDep,
    _filters: AgendaParams,
    after: AfterParam = None,
    limit: LimitParam = 30,
) -> AgendaOut:
    """The events the group shared, with the filters and pages of the node's agenda: the
    shared agenda of the coordination."""
    found = await get_group(session, slug)
    return await agenda_answer(request, session, after=after, limit=limit, group=found.ap_id)


@router.post(
    "/groups/{slug}/members",
    response_model=MembershipOut,
    summary="An association joins a group",
    responses=errors(400, 401, 403, 404),
)
async def join(
    slug: str, body: MembershipIn, request: Request, session: SessionDep, user: CurrentUser
) -> MembershipOut:
    """The association joins (a Follow): accepted at once, or `pending` when the group
    approves its members or removed this one before. Needs the role owner in the association.
    Joining again changes nothing."""
    association = await require_role(session, user, body.association, JOIN_ROLES)
    found = await get_group(session, slug)
    fed = _federation(request)
    follow = await join_local_group(session, fed, association, found)
    await session.commit()
    return MembershipOut(
        group=found.ap_id, association=association.ap_id, state=FollowState(follow.state)
    )


@router.delete(
    "/groups/{slug}/members/{association}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="An association leaves a group",
    responses=errors(401, 403, 404),
)
async def leave(
    slug: str, association: str, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """The association leaves (its Follow undone, a pending request withdrawn): the group
    stops sharing with it and announcing its posts. Needs the role owner in the association."""
    member = await require_role(session, user, association, JOIN_ROLES)
    found = await get_group(session, slug)
    await unfollow(session, _federation(request), member, found)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
