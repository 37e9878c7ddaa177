"""`/@slug/follow`: follow an association from one's own fediverse server; and
`/directory/follow?id=`, the same for an association or group elsewhere that the directory
lists.

The association page's form sends the visitor's handle here (a GET: it changes nothing on
this node, so it needs no session or CSRF token, and works from a cached public page). The
node finds their server's subscribe template and sends them there to confirm; a handle it
cannot use brings the form back with the reason beside the field and the handle as typed
(the reasons are worded in `remote_follow.html`, one per `Problem`, for the catalogues).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from migrantnet.config import Settings
from migrantnet.content.associations import get_association
from migrantnet.content.directory import listed_actor
from migrantnet.federation.remote_follow import (
    RemoteFollowError,
    read_handle,
    subscribe_url,
)
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.uris.paths import DIRECTORY_FOLLOW_PATH, REMOTE_FOLLOW_PATH
from migrantnet.web.deps import SessionDep, SettingsDep, TemplatesDep
from migrantnet.web.errors import form_status
from migrantnet.web.hrefs import safe_href
from migrantnet.web.views.parts import ActorView, actor_view

router = APIRouter(include_in_schema=False)
logger = logging.getLogger("migrantnet.web.remote_follow")
MAX_HANDLE = 600


@router.get(REMOTE_FOLLOW_PATH, response_class=HTMLResponse)
async def remote_follow(
    slug: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    handle: str = "",
) -> Response:
    actor = await get_association(session, slug)
    view, target_id = actor_view(actor, settings.domain), actor.ap_id
    await session.close()  # no connection held while the visitor's server is asked
    return await _follow_page(request, settings, templates, view, target_id, handle, {})


@router.get(DIRECTORY_FOLLOW_PATH, response_class=HTMLResponse)
async def directory_follow(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    id: str = "",
    handle: str = "",
) -> Response:
    """The same page for an actor elsewhere that the directory lists (and only those: the
    page is no way to send visitors to follow any address)."""
    actor = await listed_actor(session, id)
    view = ActorView(
        slug="",
        name=actor.name or actor.username or actor.domain,
        handle=f"@{actor.username}@{actor.domain}" if actor.username else actor.ap_id,
        summary_html="",
        url=safe_href(actor.url or actor.ap_id),
    )
    await session.close()
    extra = {"follow_action": DIRECTORY_FOLLOW_PATH, "follow_id": actor.ap_id}
    return await _follow_page(request, settings, templates, view, actor.ap_id, handle, extra)


async def _follow_page(
    request: Request,
    settings: Settings,
    templates: Jinja2Templates,
    view: ActorView,
    target_id: str,
    handle: str,
    extra: dict[str, str],
) -> Response:
    problem: RemoteFollowError | None = None
    typed = handle.strip()[:MAX_HANDLE]
    if typed:
        fed: Federation = request.app.state.federation
        try:
            target = await subscribe_url(
                fed, read_handle(typed), target_id, seconds=settings.lookup_seconds
            )
        except RemoteFollowError as exc:
            log_event(logger, "remote_follow_failed", problem=str(exc.problem))
            problem = exc
        else:
            log_event(logger, "remote_follow_sent")
            response = RedirectResponse(target, status_code=303)
            response.headers["Cache-Control"] = "no-store"
            return response
    page = templates.TemplateResponse(
        request,
        "remote_follow.html",
        {
            "actor": view,
            "handle": typed,
            "problem": str(problem.problem) if problem else None,
            "host": problem.host if problem else "",
            "domain": settings.domain,
            **extra,
        },
        status_code=form_status(problem),
    )
    page.headers["Cache-Control"] = "no-store"
    return page
