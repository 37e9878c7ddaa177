"""The signed-in part of an association: its dashboard, its members (invitations) and the
list of everything it published.

Roles: the association's admins (the `owner` role) invite and manage; editors write;
moderators moderate. A node admin may do everything for every association.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.account_links import (
    INVITE_LIFETIME,
    ROLE_NAMES,
    create_invitation,
    pending_invitations,
    role_name,
)
from migrantnet.content.associations import list_associations
from migrantnet.content.cosignatures import pending_signatures
from migrantnet.content.errors import InvalidInput
from migrantnet.content.mail import MailFailed, invitation_mail, mail_configured, send_mail
from migrantnet.content.moderation import can_moderate
from migrantnet.content.reply_moderation import count_held
from migrantnet.logs import log_event
from migrantnet.models import Actor, ActorType, ContentObject, Membership, Role, User
from migrantnet.uris import Uris
from migrantnet.uris.interface import (
    ADMIN_ASSOCIATION_PATH,
    ADMIN_CONTENT_PATH,
    ADMIN_MEMBERS_PATH,
    ADMIN_PATH,
    NEW_PATH,
)
from migrantnet.web.api.kinds import KIND_API
from migrantnet.web.auth import DELETE_ROLES, READ_ROLES, require_role
from migrantnet.web.deps import BeforeCursor, SessionDep, SettingsDep
from migrantnet.web.drafts import headline
from migrantnet.web.errors import INVALID_FORM_STATUS
from migrantnet.web.forms import read_form, text_field
from migrantnet.web.labels import value_label
from migrantnet.web.rendering import render
from migrantnet.web.sessions import SignedInDep, node_secret

router = APIRouter(include_in_schema=False)
logger = logging.getLogger("migrantnet.web.admin")
ADMIN_ROLES = (Role.OWNER,)
LIST_SIZE = 50


async def my_associations(session: AsyncSession, user: User) -> list[tuple[Actor, str]]:
    """The associations a user works for, with their role (a node admin: all, as admin)."""
    if user.is_admin:
        return [(actor, "admin") for actor in await list_associations(session)]
    rows = await session.execute(
        select(Actor, Membership.role)
        .join(Membership, Membership.actor_id == Actor.id)
        .where(Membership.user_id == user.id, Actor.deleted_at.is_(None))
        .order_by(Actor.name)
    )
    return [(actor, role_name(role)) for actor, role in rows]


async def role_in(session: AsyncSession, user: User, actor: Actor) -> str:
    if user.is_admin:
        return "admin"
    membership = await session.get(Membership, (user.id, actor.id))
    return role_name(membership.role) if membership else ""


@router.get(ADMIN_PATH)
async def dashboard(request: Request, visitor: SignedInDep, session: SessionDep) -> Response:
    return render(
        request,
        visitor,
        "admin/index.html",
        {
            "associations": await my_associations(session, visitor.user),
            "can_moderate": await can_moderate(session, visitor.user),
        },
    )


@router.get(NEW_PATH)
async def new_anything(request: Request, visitor: SignedInDep) -> Response:
    """`/new` is where people look for "write something": the dashboard says where."""
    from migrantnet.web.rendering import see_other

    return see_other(ADMIN_PATH)


@router.get(ADMIN_ASSOCIATION_PATH)
async def association_dashboard(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    actor = await require_role(session, visitor.user, slug, READ_ROLES)
    role = await role_in(session, visitor.user, actor)
    can_moderate = visitor.user.is_admin or role in ("admin", "moderator")
    return render(
        request,
        visitor,
        "admin/association.html",
        {
            "association": actor,
            "role": role,
            "can_publish": visitor.user.is_admin or role in ("admin", "editor"),
            "can_manage": role == "admin",
            "kinds": [(kind, kind.capitalize()) for kind in KIND_API],
            "network": True,
            "cosign": True,
            "is_group": actor.type == ActorType.GROUP and role in ("admin", "moderator"),
            "pending_signatures": len(await pending_signatures(session, actor))
            if role == "admin"
            else 0,
            "can_moderate": can_moderate,
            "held_replies": await count_held(session, actor) if can_moderate else 0,
        },
    )


async def _members(session: AsyncSession, actor: Actor) -> list[tuple[User, str]]:
    rows = await session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.actor_id == actor.id)
        .order_by(User.email)
    )
    return [(user, role_name(role)) for user, role in rows]


async def _members_page(
    request: Request,
    visitor: SignedInDep,
    session: AsyncSession,
    actor: Actor,
    **context: object,
) -> Response:
    status = int(context.pop("status_code", 200))  # type: ignore[call-overload]
    return render(
        request,
        visitor,
        "admin/members.html",
        {
            "association": actor,
            "members": await _members(session, actor),
            "invitations": [
                (link, role_name(link.role or ""))
                for link in await pending_invitations(session, actor)
            ],
            "roles": list(ROLE_NAMES),
            "days": INVITE_LIFETIME.days,
            **context,
        },
        status_code=status,
    )


@router.get(ADMIN_MEMBERS_PATH)
async def members(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    actor = await require_role(session, visitor.user, slug, ADMIN_ROLES)
    return await _members_page(request, visitor, session, actor)


@router.post(ADMIN_MEMBERS_PATH)
async def invite(
    slug: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    form = await read_form(request, visitor)
    actor = await require_role(session, visitor.user, slug, ADMIN_ROLES)
    email, role = text_field(form, "email"), text_field(form, "role", default="editor")
    try:
        link = await create_invitation(
            session, node_secret(request), actor, visitor.user, email, role
        )
    except InvalidInput as exc:
        return await _members_page(
            request,
            visitor,
            session,
            actor,
            errors={exc.field: exc.shown()},
            values={"email": email, "role": role},
            status_code=INVALID_FORM_STATUS,
        )
    await session.commit()
    url = Uris(settings.base_url).invite_link(link.token)
    mailed, mail_error = False, None
    if mail_configured(settings):
        try:
            # In the inviting admin's interface language: the invitee's is not known yet.
            subject, body = invitation_mail(
                actor.name or slug,
                settings.domain,
                value_label(role_name(link.row.role or "")),
                INVITE_LIFETIME.days,
                url,
            )
            await asyncio.to_thread(send_mail, settings, link.row.email, subject, body)
            mailed = True
        except MailFailed as exc:
            mail_error = str(exc)
    log_event(logger, "invitation_created", association=actor.slug, role=link.row.role)
    return await _members_page(
        request,
        visitor,
        session,
        actor,
        invitation_url=url,
        invited=link.row.email,
        mailed=mailed,
        mail_error=mail_error,
    )


@router.get(ADMIN_CONTENT_PATH)
async def content_list(
    slug: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    done: str | None = None,
    before: BeforeCursor = None,
) -> Response:
    actor = await require_role(session, visitor.user, slug, DELETE_ROLES)
    query = select(ContentObject).where(
        ContentObject.actor_id == actor.id,
        ContentObject.local.is_(True),
        ContentObject.deleted_at.is_(None),
    )
    if before is not None:
        query = query.where(ContentObject.id < before)
    rows = list(await session.scalars(query.order_by(ContentObject.id.desc()).limit(LIST_SIZE)))
    return render(
        request,
        visitor,
        "admin/content.html",
        {
            "association": actor,
            "items": [(obj, headline(obj), Uris.public_id_of(obj.ap_id)) for obj in rows],
            "done": done,
            "older": rows[-1].id if len(rows) == LIST_SIZE else None,
        },
    )
