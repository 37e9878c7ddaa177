"""Pages of one's own account: sign in and out, sessions, password, reset and invitation links.

Every POST reads its form through `read_form` (size limit, CSRF token) first. A mistake
re-renders the form with the message beside the field and what was typed (never passwords).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from migrantnet.config import Settings
from migrantnet.content.account_links import (
    LinkUnusable,
    accept_invitation,
    find_link,
    invited_user,
    role_name,
    use_reset_link,
)
from migrantnet.content.errors import InvalidInput
from migrantnet.content.sessions import (
    SignInRefused,
    SignInThrottled,
    change_password,
    check_password,
    end_all_sessions,
    end_session,
    list_sessions,
    start_session,
)
from migrantnet.models import Actor, LinkPurpose, Membership, User
from migrantnet.translations import gettext
from migrantnet.uris.interface import (
    ACCOUNT_OTHER_SESSIONS_END_PATH,
    ACCOUNT_PASSWORD_PATH,
    ACCOUNT_PATH,
    ACCOUNT_SESSION_END_PATH,
    ADMIN_ASSOCIATION_PATH,
    LOGIN_PATH,
    LOGOUT_PATH,
    fill,
)
from migrantnet.uris.paths import INVITE_PATH, RESET_PATH
from migrantnet.web.deps import SessionDep, SettingsDep
from migrantnet.web.errors import INVALID_FORM_STATUS, status_for
from migrantnet.web.forms import read_form, safe_next, text_field
from migrantnet.web.rendering import render, see_other
from migrantnet.web.sessions import (
    SignedInDep,
    VisitorDep,
    clear_session_cookie,
    node_secret,
    set_session_cookie,
)

router = APIRouter(include_in_schema=False)


async def _sign_in(
    request: Request, settings: Settings, session: SessionDep, user: User, target: str
) -> Response:
    new = await start_session(
        session, node_secret(request), user, request.headers.get("user-agent")
    )
    await session.commit()
    response = see_other(target)
    set_session_cookie(response, settings, new.token)
    return response


@router.get(LOGIN_PATH)
async def login_form(request: Request, visitor: VisitorDep, next: str | None = None) -> Response:
    target = safe_next(next)
    if visitor.signed_in:
        return see_other(target)
    return render(request, visitor, "account/login.html", {"next": target})


@router.post(LOGIN_PATH)
async def login(
    request: Request, visitor: VisitorDep, session: SessionDep, settings: SettingsDep
) -> Response:
    form = await read_form(request, visitor)
    email = text_field(form, "email").strip()
    target = safe_next(text_field(form, "next"))
    try:
        user = await check_password(session, email, text_field(form, "password"))
    except (SignInRefused, SignInThrottled) as exc:
        await session.commit()  # the failure is counted even though sign-in is refused
        status = status_for(type(exc))
        return render(
            request,
            visitor,
            "account/login.html",
            {"next": target, "values": {"email": email}, "errors": {"password": str(exc)}},
            status_code=status,
        )
    return await _sign_in(request, settings, session, user, target)


@router.post(LOGOUT_PATH)
async def logout(
    request: Request, visitor: VisitorDep, session: SessionDep, settings: SettingsDep
) -> Response:
    await read_form(request, visitor)
    if visitor.user is not None and visitor.web_session is not None:
        await end_session(session, visitor.user, visitor.web_session.id)
        await session.commit()
    response = see_other("/")
    clear_session_cookie(response, settings)
    return response


async def _memberships(session: SessionDep, user: User) -> list[tuple[Actor, str]]:
    from sqlalchemy import select

    rows = await session.execute(
        select(Actor, Membership.role)
        .join(Membership, Membership.actor_id == Actor.id)
        .where(Membership.user_id == user.id, Actor.deleted_at.is_(None))
        .order_by(Actor.name)
    )
    return [(actor, role_name(role)) for actor, role in rows]


async def _account_page(
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    return render(
        request,
        visitor,
        "account/account.html",
        {
            "sessions": await list_sessions(session, visitor.user),
            "current_id": visitor.web_session.id if visitor.web_session else None,
            "memberships": await _memberships(session, visitor.user),
            "errors": errors or {},
            "done": done,
        },
        status_code=status_code,
    )


@router.get(ACCOUNT_PATH)
async def account(
    request: Request, visitor: SignedInDep, session: SessionDep, done: str | None = None
) -> Response:
    return await _account_page(request, visitor, session, done=done)


@router.post(ACCOUNT_SESSION_END_PATH)
async def end_one_session(
    session_id: int,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    await read_form(request, visitor)
    await end_session(session, visitor.user, session_id)
    await session.commit()
    if session_id == visitor.web_session.id:
        response = see_other("/")
        clear_session_cookie(response, settings)
        return response
    return see_other(ACCOUNT_PATH + "?done=session_ended")


@router.post(ACCOUNT_OTHER_SESSIONS_END_PATH)
async def end_other_sessions(
    request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    await read_form(request, visitor)
    await end_all_sessions(session, visitor.user, keep=visitor.web_session.id)
    await session.commit()
    return see_other(ACCOUNT_PATH + "?done=sessions_ended")


@router.post(ACCOUNT_PASSWORD_PATH)
async def account_password(request: Request, visitor: SignedInDep, session: SessionDep) -> Response:
    form = await read_form(request, visitor)
    new_password = text_field(form, "new_password")
    if new_password != text_field(form, "confirm_password"):
        errors = {"confirm_password": gettext("This does not match the new password.")}
        return await _account_page(
            request, visitor, session, errors=errors, status_code=INVALID_FORM_STATUS
        )
    try:
        await change_password(
            session,
            visitor.user,
            text_field(form, "current_password"),
            new_password,
            keep_session=visitor.web_session.id,
        )
    except InvalidInput as exc:
        field = "new_password" if exc.field == "password" else exc.field
        errors = {field: exc.shown()}
        return await _account_page(
            request, visitor, session, errors=errors, status_code=INVALID_FORM_STATUS
        )
    await session.commit()
    return see_other(ACCOUNT_PATH + "?done=password_changed")


# -- one-time links ---------------------------------------------------------------------------


@router.get(RESET_PATH)
async def reset_form(
    token: str, request: Request, visitor: VisitorDep, session: SessionDep
) -> Response:
    link = await find_link(session, node_secret(request), token, LinkPurpose.RESET)
    return render(request, visitor, "account/reset.html", {"email": link.email, "token": token})


@router.post(RESET_PATH)
async def reset(
    token: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    form = await read_form(request, visitor)
    secret = node_secret(request)
    link = await find_link(session, secret, token, LinkPurpose.RESET)
    password = text_field(form, "new_password")
    context: dict[str, object] = {"email": link.email, "token": token}
    if password != text_field(form, "confirm_password"):
        context["errors"] = {"confirm_password": gettext("This does not match the new password.")}
        return render(
            request, visitor, "account/reset.html", context, status_code=INVALID_FORM_STATUS
        )
    try:
        user = await use_reset_link(session, secret, token, password)
    except InvalidInput as exc:
        context["errors"] = {"new_password": exc.shown()}
        return render(
            request, visitor, "account/reset.html", context, status_code=INVALID_FORM_STATUS
        )
    return await _sign_in(request, settings, session, user, ACCOUNT_PATH + "?done=password_changed")


async def _invitation_context(
    session: SessionDep, request: Request, token: str
) -> dict[str, object]:
    link = await find_link(session, node_secret(request), token, LinkPurpose.INVITE)
    association = await session.get(Actor, link.actor_id)
    if association is None:
        raise LinkUnusable(gettext("The association of this invitation no longer exists."))
    return {
        "token": token,
        "email": link.email,
        "role": role_name(link.role or ""),
        "association": association,
        "has_account": await invited_user(session, link) is not None,
        "errors": {},
    }


@router.get(INVITE_PATH)
async def invitation_form(
    token: str, request: Request, visitor: VisitorDep, session: SessionDep
) -> Response:
    context = await _invitation_context(session, request, token)
    return render(request, visitor, "account/invite.html", context)


@router.post(INVITE_PATH)
async def invitation(
    token: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    form = await read_form(request, visitor)
    context = await _invitation_context(session, request, token)
    password = text_field(form, "password")
    if not context["has_account"] and password != text_field(form, "confirm_password"):
        context["errors"] = {"confirm_password": gettext("This does not match the password.")}
        return render(
            request, visitor, "account/invite.html", context, status_code=INVALID_FORM_STATUS
        )
    try:
        user, association = await accept_invitation(session, node_secret(request), token, password)
    except InvalidInput as exc:
        context["errors"] = {"password": exc.shown()}
        return render(
            request, visitor, "account/invite.html", context, status_code=INVALID_FORM_STATUS
        )
    return await _sign_in(
        request, settings, session, user, fill(ADMIN_ASSOCIATION_PATH, slug=association.slug or "")
    )
