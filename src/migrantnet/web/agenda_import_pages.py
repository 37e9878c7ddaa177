"""An association's imported calendars, from the browser: the `.ics` feeds of partners not on
the fediverse it subscribes to, and the remote events it added by their address — what
`migrantnet agenda subscribe|unsubscribe|list|import-event` do at the command line. Editors
and admins of the association use it; the imported events appear in the node's agenda."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.agenda_imports import forget_import, imported_events
from migrantnet.content.errors import ContentError, shown
from migrantnet.content.ics_import import subscriptions, unsubscribe
from migrantnet.federation.actors import ActorUnavailable
from migrantnet.federation.event_imports import import_event
from migrantnet.federation.fetch import FetchError
from migrantnet.federation.ics_feeds import subscribe_feed
from migrantnet.federation.service import Federation
from migrantnet.models import Actor
from migrantnet.translations import N_, gettext
from migrantnet.uris.interface import (
    ADMIN_AGENDA_IMPORTS_PATH,
    ADMIN_EVENT_IMPORT_PATH,
    ADMIN_EVENT_IMPORT_REMOVE_PATH,
    ADMIN_FEED_REMOVE_PATH,
    ADMIN_FEED_SUBSCRIBE_PATH,
    fill,
)
from migrantnet.web.auth import PUBLISH_ROLES, require_role
from migrantnet.web.deps import SessionDep
from migrantnet.web.drafts import headline
from migrantnet.web.errors import form_status
from migrantnet.web.forms import read_form, text_field
from migrantnet.web.rendering import render, see_other
from migrantnet.web.sessions import SignedIn, SignedInDep
from migrantnet.web.views.parts import instant

router = APIRouter(include_in_schema=False)
DONE = {
    "subscribed": N_(
        "Subscribed: its events are in the agenda, and it is fetched again regularly."
    ),
    "unsubscribed": N_("No longer subscribed: its events leave the agenda."),
    "added": N_("Added to the agenda: the event is fetched again from its origin regularly."),
    "removed": N_("Removed from the agenda."),
}


def _page_path(slug: str) -> str:
    return fill(ADMIN_AGENDA_IMPORTS_PATH, slug=slug)


async def _editor_of(session: AsyncSession, visitor: SignedIn, slug: str) -> Actor:
    return await require_role(session, visitor.user, slug, PUBLISH_ROLES)


async def _page(
    request: Request,
    visitor: SignedIn,
    session: AsyncSession,
    association: Actor,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: str | None = None,
    notice: str | None = None,
) -> Response:
    events = [
        (row, obj, headline(obj) if obj is not None else None)
        for row, obj in await imported_events(session, association)
    ]
    return render(
        request,
        visitor,
        "admin/agenda_imports.html",
        {
            "association": association,
            "feeds": [
                (sub, feed, instant(sub.succeeded_at) if sub.succeeded_at else None)
                for sub, feed in await subscriptions(session, association)
            ],
            "events": events,
            "errors": errors or {},
            "values": values or {},
            "done": DONE.get(done or ""),
            "notice": notice,
        },
        status_code=form_status(errors),
    )


@router.get(ADMIN_AGENDA_IMPORTS_PATH)
async def imports_page(
    slug: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    done: str | None = None,
) -> Response:
    association = await _editor_of(session, visitor, slug)
    return await _page(request, visitor, session, association, done=done)


@router.post(ADMIN_FEED_SUBSCRIBE_PATH)
async def subscribe(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    form = await read_form(request, visitor)
    association = await _editor_of(session, visitor, slug)
    url = text_field(form, "feed").strip()
    fed: Federation = request.app.state.federation
    try:
        outcome = await subscribe_feed(fed, slug, url)
    except ContentError as exc:
        return await _page(
            request,
            visitor,
            session,
            association,
            errors={"feed": shown(exc)},
            values={"feed": url},
        )
    if outcome.error is not None:  # kept: the worker tries again
        notice = gettext(
            "Subscribed, but the feed could not be imported yet (%(reason)s). It is tried again"
            " regularly.",
            reason=outcome.error,
        )
        return await _page(request, visitor, session, association, notice=notice)
    return see_other(f"{_page_path(slug)}?done=subscribed")


@router.post(ADMIN_FEED_REMOVE_PATH)
async def unsubscribe_feed(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    form = await read_form(request, visitor)
    association = await _editor_of(session, visitor, slug)
    await unsubscribe(session, association, text_field(form, "feed"))
    await session.commit()
    return see_other(f"{_page_path(slug)}?done=unsubscribed")


@router.post(ADMIN_EVENT_IMPORT_PATH)
async def add_event(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    form = await read_form(request, visitor)
    association = await _editor_of(session, visitor, slug)
    url = text_field(form, "event").strip()
    fed: Federation = request.app.state.federation
    try:
        await import_event(fed, slug, url)
    except (ContentError, ActorUnavailable, FetchError) as exc:
        return await _page(
            request,
            visitor,
            session,
            association,
            errors={"event": shown(exc)},
            values={"event": url},
        )
    return see_other(f"{_page_path(slug)}?done=added")


@router.post(ADMIN_EVENT_IMPORT_REMOVE_PATH)
async def remove_event(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    form = await read_form(request, visitor)
    association = await _editor_of(session, visitor, slug)
    await forget_import(session, association, text_field(form, "event"))
    await session.commit()
    return see_other(f"{_page_path(slug)}?done=removed")
