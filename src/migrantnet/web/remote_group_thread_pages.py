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

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.content.group_thread_listing import (
    get_thread,
)
from migrantnet.content.remote_group_threads import check_may_read, remote_group
from migrantnet.models import Actor, GroupThread
from migrantnet.uris.paths import (
    REMOTE_GROUP_THREAD_PATH,
    REMOTE_GROUP_THREAD_REPLY_PATH,
    REMOTE_GROUP_THREADS_PATH,
)
from migrantnet.web.deps import SessionDep
from migrantnet.web.forms import read_form
from migrantnet.web.rendering import render, see_other
from migrantnet.web.sessions import SignedInDep, Visitor, VisitorDep
from migrantnet.web.thread_pages import (
    languages,
    private,
    reply_values,
    send_reply,
    thread_response,
    threads_listed,
    writer,
    writers,
)
from migrantnet.web.views.group_threads import links_of, thread_items
from migrantnet.web.views.parts import actor_link

router = APIRouter(include_in_schema=False)


async def _readable_group(session: AsyncSession, visitor: Visitor, handle: str) -> Actor:
    group = await remote_group(session, handle)
    await check_may_read(session, visitor.user, group)
    return group


@router.get(REMOTE_GROUP_THREADS_PATH)
async def remote_threads(
    handle: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    before: str | None = None,
) -> Response:
    group = await _readable_group(session, visitor, handle)
    links, page, older = await threads_listed(session, group, before)
    context = {
        "group": actor_link(group),
        "links": links,
        "threads": thread_items(links, page, languages(request)),
        "older_url": older,
        "writers": await writers(session, visitor, group),
    }
    return private(render(request, visitor, "group/remote_threads.html", context))


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
    # The group's moderators are on its server.
    return await thread_response(
        request,
        visitor,
        session,
        group,
        thread,
        reply_to,
        moderator=False,
        errors=errors,
        values=values,
    )


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
    actor = await writer(session, visitor, group, values["association"])
    try:
        answer = await send_reply(request, session, actor, group, thread, form)
    except InvalidInput as error:  # raised before anything is written
        return await _thread_page(
            request, visitor, session, group, thread_id, None, {"text": error.shown()}, values
        )
    links = links_of(group)
    return see_other(f"{links.thread(thread_id)}#reply-{answer.id}")
