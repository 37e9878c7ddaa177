"""The threads of a group elsewhere (a Lemmy community, a Mobilizon group, another node's
group) as this node keeps them: the list, newest activity first and paged as a group of
ours is, and one thread with its replies nested, both linking to their originals.

Who reads them is `content.remote_group_threads` (public when a member association of ours
shows its follows, else its people only). People who publish for a member association
answer from the thread's page: the reply is a note addressed to the group with its
`inReplyTo`, as from the command line (`reply_in_thread`), so the group relays it to its
members; a locked thread takes none. A discussion is started on the group's own server.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import Forbidden, InvalidInput, NotFound
from migrantnet.content.group_thread_listing import (
    THREADS_PAGE,
    get_thread,
    list_threads,
    thread_cursor,
    thread_tree,
)
from migrantnet.content.group_threads import member_associations_for
from migrantnet.content.listing import Cursor
from migrantnet.content.remote_group_threads import check_may_read, remote_group
from migrantnet.models import Actor, GroupThread
from migrantnet.translations import interface_language
from migrantnet.uris.paths import (
    REMOTE_GROUP_THREAD_PATH,
    REMOTE_GROUP_THREAD_REPLY_PATH,
    REMOTE_GROUP_THREADS_PATH,
)
from migrantnet.web.auth import PUBLISH_ROLES
from migrantnet.web.deps import SessionDep
from migrantnet.web.errors import form_status
from migrantnet.web.forms import read_form
from migrantnet.web.i18n import wanted_languages
from migrantnet.web.rendering import render, see_other
from migrantnet.web.sessions import SignedInDep, Visitor, VisitorDep
from migrantnet.web.thread_reply_form import reply_values, send_reply
from migrantnet.web.views.group_threads import links_of, thread_items, thread_page
from migrantnet.web.views.parts import actor_link

router = APIRouter(include_in_schema=False)


def _languages(request: Request) -> list[str]:
    return wanted_languages(
        request.headers.get("accept-language"), request.query_params.get("lang")
    )


async def _readable_group(session: AsyncSession, visitor: Visitor, handle: str) -> Actor:
    group = await remote_group(session, handle)
    await check_may_read(session, visitor.user, group)
    return group


async def _writers(session: AsyncSession, visitor: Visitor, group: Actor) -> list[Actor]:
    if visitor.user is None:
        return []
    return await member_associations_for(session, visitor.user, group, PUBLISH_ROLES)


def _private(response: Response) -> Response:
    """Who may see these pages depends on the reader: never kept by a shared cache."""
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


@router.get(REMOTE_GROUP_THREADS_PATH)
async def remote_threads(
    handle: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    before: str | None = None,
) -> Response:
    group = await _readable_group(session, visitor, handle)
    links = links_of(group)
    cursor = Cursor.parse(before) if before else None
    found = await list_threads(session, group, cursor, THREADS_PAGE + 1)
    page = found[:THREADS_PAGE]
    older = (
        links.listing(thread_cursor(page[-1].thread).encode())
        if len(found) > THREADS_PAGE
        else None
    )
    context = {
        "group": actor_link(group),
        "links": links,
        "threads": thread_items(links, page, _languages(request)),
        "older_url": older,
        "writers": await _writers(session, visitor, group),
    }
    return _private(render(request, visitor, "group/remote_threads.html", context))


async def _visible_thread(session: AsyncSession, group: Actor, thread_id: int) -> GroupThread:
    thread = await get_thread(session, group, thread_id)
    if thread.hidden:  # the group took it back (Undo of its Announce)
        raise NotFound(f"thread {thread_id} of {group.handle} is hidden")
    return thread


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
    thread = await _visible_thread(session, group, thread_id)
    links = links_of(group)
    view = thread_page(links, await thread_tree(session, group, thread), _languages(request))
    answered = view.reply_ids.get(reply_to) if reply_to is not None else None
    writers = [] if thread.locked else await _writers(session, visitor, group)
    context: dict[str, Any] = {
        "group": actor_link(group),
        "links": links,
        "thread": view,
        "moderator": False,  # the group's moderators are on its server
        "writers": [(a.slug, a.name or a.slug) for a in writers],
        "in_reply_to": answered or thread.root_ap_id,
        "answering": reply_to if answered else None,
        "errors": errors or {},
        "values": values or {"language": interface_language()},
    }
    response = render(
        request, visitor, "group/thread.html", context, status_code=form_status(errors)
    )
    return _private(response)


@router.get(REMOTE_GROUP_THREAD_PATH)
async def remote_thread(
    handle: str,
    thread_id: int,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    reply_to: int | None = None,
) -> Response:
    group = await _readable_group(session, visitor, handle)
    return await _thread_page(request, visitor, session, group, thread_id, reply_to)


@router.post(REMOTE_GROUP_THREAD_REPLY_PATH)
async def remote_reply(
    handle: str, thread_id: int, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    form = await read_form(request, visitor)
    group = await _readable_group(session, visitor, handle)
    thread = await _visible_thread(session, group, thread_id)
    values = reply_values(form)
    actor = next(
        (a for a in await _writers(session, visitor, group) if a.slug == values["association"]),
        None,
    )
    if actor is None:
        raise Forbidden(f"{values['association']!r} cannot write in {group.handle}'s threads")
    try:
        answer = await send_reply(request, session, actor, group, thread, form)
    except InvalidInput as error:  # raised before anything is written
        return await _thread_page(
            request, visitor, session, group, thread_id, None, {"text": error.shown()}, values
        )
    links = links_of(group)
    return see_other(f"{links.thread(thread_id)}#reply-{answer.id}")
