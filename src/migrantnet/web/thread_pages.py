"""What the thread pages of a group of ours and of a group elsewhere share: who may write
in them, a page of the list, a thread's page with its reply form, and sending that form.

A reply from the form is a note to the group (which relays it to its members), refused
beside the text when the thread is locked. The pages depend on who reads them (a reply
form, a moderator's buttons, a group shown only to some): never kept by a shared cache.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from migrantnet.content.errors import Forbidden
from migrantnet.content.group_thread_listing import (
    THREADS_PAGE,
    ThreadSummary,
    list_threads,
    thread_cursor,
    thread_tree,
)
from migrantnet.content.group_threads import member_associations_for, reply_in_thread
from migrantnet.content.listing import Cursor
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, ContentObject, GroupThread
from migrantnet.translations import interface_language
from migrantnet.web.auth import PUBLISH_ROLES
from migrantnet.web.errors import form_status
from migrantnet.web.forms import text_field
from migrantnet.web.i18n import wanted_languages
from migrantnet.web.rendering import render
from migrantnet.web.sessions import Visitor
from migrantnet.web.views.group_threads import ThreadLinks, links_of, thread_page
from migrantnet.web.views.parts import actor_link

FIELDS = ("association", "text", "language")
VARY = "Accept-Language, Cookie"


def languages(request: Request) -> list[str]:
    return wanted_languages(
        request.headers.get("accept-language"), request.query_params.get("lang")
    )


async def writers(session: AsyncSession, visitor: Visitor, group: Actor) -> list[Actor]:
    """The reader's associations that are members of `group` and that they publish for."""
    if visitor.user is None:
        return []
    return await member_associations_for(session, visitor.user, group, PUBLISH_ROLES)


async def writer(session: AsyncSession, visitor: Visitor, group: Actor, slug: str) -> Actor:
    for actor in await writers(session, visitor, group):
        if actor.slug == slug:
            return actor
    raise Forbidden(f"{slug!r} cannot write in the threads of {group.slug or group.handle}")


async def threads_listed(
    session: AsyncSession, group: Actor, before: str | None, *, with_hidden: bool = False
) -> tuple[ThreadLinks, list[ThreadSummary], str | None]:
    """One page of the group's threads, newest activity first: (links, threads, older url)."""
    links = links_of(group)
    cursor = Cursor.parse(before) if before else None
    found = await list_threads(session, group, cursor, THREADS_PAGE + 1, with_hidden=with_hidden)
    page = found[:THREADS_PAGE]
    older = (
        links.listing(thread_cursor(page[-1].thread).encode())
        if len(found) > THREADS_PAGE
        else None
    )
    return links, page, older


def private(response: Response) -> Response:
    response.headers["Vary"] = VARY
    return response


async def thread_response(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    group: Actor,
    thread: GroupThread,
    reply_to: int | None,
    *,
    moderator: bool,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """A thread with its replies nested; the reply form for the reader's member associations
    unless the thread is locked or hidden; `?reply_to=` answers one of its messages."""
    links = links_of(group)
    view = thread_page(links, await thread_tree(session, group, thread), languages(request))
    answered = view.reply_ids.get(reply_to) if reply_to is not None else None
    shut = thread.locked or thread.hidden
    context: dict[str, Any] = {
        "group": actor_link(group),
        "slug": group.slug,
        "links": links,
        "thread": view,
        "moderator": moderator,
        "writers": []
        if shut
        else [(a.slug, a.name or a.slug) for a in await writers(session, visitor, group)],
        "in_reply_to": answered or thread.root_ap_id,
        "answering": reply_to if answered else None,
        "errors": errors or {},
        "values": values or {"language": interface_language()},
    }
    response = render(
        request, visitor, "group/thread.html", context, status_code=form_status(errors)
    )
    return private(response)


def reply_values(form: FormData) -> dict[str, str]:
    """What the reply form said, kept to show again beside an error."""
    return {name: text_field(form, name) for name in FIELDS}


async def send_reply(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    group: Actor,
    thread: GroupThread,
    form: FormData,
) -> ContentObject:
    """Publish `actor`'s answer and commit it. `InvalidInput` (a locked thread, an empty
    text) is raised before anything is written."""
    fed: Federation = request.app.state.federation
    values = reply_values(form)
    answer = await reply_in_thread(
        session,
        fed.uris,
        ActivityPubNotifier(fed),
        actor,
        group,
        thread,
        text=values["text"],
        language=values["language"] or interface_language(),
        parent_ap_id=text_field(form, "in_reply_to") or None,
    )
    await session.commit()
    fed.wakeup.set()
    return answer
