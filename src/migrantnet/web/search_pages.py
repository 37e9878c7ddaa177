"""`/search`: the node's content and the remote content it keeps, found by words; and a
remote account found by its handle (`@name@host`).

A handle leads a signed-in person to `/authorize_interaction` (the preview and Follow of the
network pages, for the associations they manage); a visitor gets a link to the account's
own page, found through its WebFinger, and can follow it from their own server.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from migrantnet.content.details import load_kind_rows
from migrantnet.content.search import MAX_PAGE, MAX_QUERY, SearchPage, search
from migrantnet.federation.remote_follow import Handle, RemoteFollowError, profile_url, read_handle
from migrantnet.federation.service import Federation
from migrantnet.translations import interface_language
from migrantnet.uris import Uris
from migrantnet.uris.interface import SEARCH_PATH
from migrantnet.web.deps import SessionDep, SettingsDep, TemplatesDep
from migrantnet.web.sessions import VisitorDep
from migrantnet.web.views.items import item_view

router = APIRouter(include_in_schema=False)
QUERY_PARAM = Query(default="", max_length=10 * 1024 + 1024)


def handle_in(query: str) -> Handle | None:
    """A query that is one handle, written with its leading `@` (`@name@host`)."""
    words = query.split()
    if len(words) != 1 or not words[0].startswith("@") or words[0].count("@") != 2:
        return None
    try:
        return read_handle(words[0])
    except RemoteFollowError:
        return None


@router.get(SEARCH_PATH, response_class=HTMLResponse)
async def search_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    visitor: VisitorDep,
    q: str = QUERY_PARAM,
    page: int = Query(default=1, ge=1, le=MAX_PAGE),
) -> Response:
    query = q.strip()[:MAX_QUERY]
    handle = handle_in(query)
    remote_profile = None
    if handle is not None:
        if visitor.signed_in:
            return RedirectResponse(
                Uris.authorize_interaction_path(handle.text, safe="@:"), status_code=303
            )
        fed: Federation = request.app.state.federation
        await session.close()  # no connection held while another server is asked
        remote_profile = await profile_url(fed, handle, seconds=settings.lookup_seconds)
        found = SearchPage([], {}, 1, False)
    else:
        found = await search(session, query, language=interface_language(), page=page)
    rows = await load_kind_rows(session, found.objects) if found.objects else {}
    wanted = [interface_language()]
    items = [
        item_view(obj, wanted, rows.get(obj.id), found.actors.get(obj.actor_id))
        for obj in found.objects
    ]
    response = templates.TemplateResponse(
        request,
        "search.html",
        {
            "query": query,
            "items": items,
            "page": found.page,
            "next_url": _page_url(query, found.page + 1) if found.has_next else None,
            "previous_url": _page_url(query, found.page - 1) if found.page > 1 else None,
            "handle": handle.text if handle else None,
            "remote_profile": remote_profile,
            "domain": settings.domain,
            "noindex": True,  # result pages are not content
        },
    )
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def _page_url(query: str, page: int) -> str:
    return SEARCH_PATH + "?" + urlencode({"q": query, "page": page})
