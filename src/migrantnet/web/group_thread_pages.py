"""A group's threads in the browser: the list (paged, newest activity first) with a form to
start one, and a thread with its replies nested and a form to answer any message of it.
Writing is for signed-in people who publish for an association of ours that is a member of
the group; the group's moderators lock, unlock, hide and show threads. Every form carries
the browser's CSRF token (`read_form`), as the other forms do.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import Forbidden, InvalidInput, NotFound
from migrantnet.content.group_thread_listing import (
    get_thread,
)
from migrantnet.content.group_threads import (
    hide_thread,
    start_thread,
)
from migrantnet.content.groups import get_group, group_moderator
from migrantnet.federation.groups import hide_group_thread, lock_group_thread
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, GroupThread, User
from migrantnet.translations import interface_language
from migrantnet.uris import Uris
from migrantnet.uris.paths import (
    GROUP_THREAD_MODERATE_PATH,
    GROUP_THREAD_PATH,
    GROUP_THREAD_REPLY_PATH,
    GROUP_THREADS_PATH,
)
from migrantnet.web.deps import SessionDep
from migrantnet.web.errors import form_status
from migrantnet.web.forms import read_form, text_field
from migrantnet.web.rendering import render, see_other
from migrantnet.web.sessions import SignedInDep, Visitor, VisitorDep
from migrantnet.web.thread_pages import (
    languages,
    reply_values,
    send_reply,
    thread_response,
    threads_listed,
    writer,
    writers,
)
from migrantnet.web.views.group_threads import thread_items
from migrantnet.web.views.parts import actor_link

router = APIRouter(include_in_schema=False)


def _federation(request: Request) -> Federation:
    fed: Federation = request.app.state.federation
    return fed


async def _moderates(session: AsyncSession, user: User | None, group: Actor) -> bool:
    if user is None:
        return False
    try:
        await group_moderator(session, user, group)
    except Forbidden:
        return False
    return True


async def _list_page(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    group: Actor,
    before: str | None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    moderator = await _moderates(session, visitor.user, group)
    links, page, older = await threads_listed(session, group, before, with_hidden=moderator)
    writing = await writers(session, visitor, group)
    return render(
        request,
        visitor,
        "group/threads.html",
        {
            "group": actor_link(group),
            "slug": group.slug,
            "links": links,
            "threads": thread_items(links, page, languages(request)),
            "older_url": older,
            "writers": [(a.slug, a.name or a.slug) for a in writing],
            "errors": errors or {},
            "values": values or {"language": interface_language()},
        },
        status_code=form_status(errors),
    )


@router.get(GROUP_THREADS_PATH)
async def threads(
    slug: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    before: str | None = None,
) -> Response:
    group = await get_group(session, slug)
    return await _list_page(request, visitor, session, group, before)


@router.post(GROUP_THREADS_PATH)
async def start(slug: str, request: Request, visitor: SignedInDep, session: SessionDep) -> Response:
    form = await read_form(request, visitor)
    group = await get_group(session, slug)
    values = {name: text_field(form, name) for name in ("association", "title", "text", "language")}
    actor = await writer(session, visitor, group, values["association"])
    fed = _federation(request)
    try:
        thread = await start_thread(
            session,
            fed.uris,
            ActivityPubNotifier(fed),
            actor,
            group,
            title=values["title"],
            text=values["text"],
            language=values["language"] or interface_language(),
        )
    except InvalidInput as error:  # raised before anything is written
        field = error.field if error.field in values else "text"
        return await _list_page(
            request, visitor, session, group, None, {field: error.shown()}, values
        )
    await session.commit()
    fed.wakeup.set()
    return see_other(Uris.group_thread_path(slug, thread.id))


async def _visible_thread(
    session: AsyncSession, visitor: Visitor, group: Actor, thread_id: int
) -> tuple[GroupThread, bool]:
    thread = await get_thread(session, group, thread_id)
    moderator = await _moderates(session, visitor.user, group)
    if thread.hidden and not moderator:
        raise NotFound(f"thread {thread_id} of {group.slug} is hidden")
    return thread, moderator


async def _thread_page(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    group: Actor,
    thread_id: int,
    reply_to: int | None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    thread, moderator = await _visible_thread(session, visitor, group, thread_id)
    return await thread_response(
        request,
        visitor,
        session,
        group,
        thread,
        reply_to,
        moderator=moderator,
        errors=errors,
        values=values,
    )


@router.get(GROUP_THREAD_PATH)
async def thread_view(
    slug: str,
    thread_id: int,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    reply_to: int | None = None,
) -> Response:
    group = await get_group(session, slug)
    return await _thread_page(request, visitor, session, group, thread_id, reply_to)


@router.post(GROUP_THREAD_REPLY_PATH)
async def reply(
    slug: str, thread_id: int, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    form = await read_form(request, visitor)
    group = await get_group(session, slug)
    thread, _moderator = await _visible_thread(session, visitor, group, thread_id)
    values = reply_values(form)
    actor = await writer(session, visitor, group, values["association"])
    try:
        answer = await send_reply(request, session, actor, group, thread, form)
    except InvalidInput as error:  # raised before anything is written
        return await _thread_page(
            request, visitor, session, group, thread_id, None, {"text": error.shown()}, values
        )
    return see_other(f"{Uris.group_thread_path(slug, thread_id)}#reply-{answer.id}")


@router.post(GROUP_THREAD_MODERATE_PATH)
async def moderate(
    slug: str, thread_id: int, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    form = await read_form(request, visitor)
    group = await get_group(session, slug)
    await group_moderator(session, visitor.user, group)
    thread = await get_thread(session, group, thread_id)
    action = text_field(form, "action")
    fed = _federation(request)
    if action in ("lock", "unlock"):
        await lock_group_thread(session, fed, group, visitor.user, thread, locked=action == "lock")
    elif action == "hide":
        await hide_group_thread(session, fed, group, visitor.user, thread)
    elif action == "unhide":
        await hide_thread(session, visitor.user, group, thread, hidden=False)
    else:
        raise NotFound(f"no thread action {action!r}")
    await session.commit()
    fed.wakeup.set()
    return see_other(Uris.group_thread_path(slug, thread_id))
