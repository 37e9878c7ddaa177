"""Plain server-rendered pages: the home page, hashtag pages and the health check."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from migrantnet.content.associations import list_associations
from migrantnet.content.details import load_kind_rows
from migrantnet.content.listing import node_latest
from migrantnet.web.deps import DatabaseDep, SessionDep, SettingsDep, TemplatesDep
from migrantnet.web.i18n import accepted_languages
from migrantnet.web.views.items import item_view
from migrantnet.web.views.parts import actor_view

router = APIRouter()
LATEST = 20


@router.get("/healthz", include_in_schema=False)
async def healthz(db: DatabaseDep) -> JSONResponse:
    """Reachable database or 503, so a load balancer or compose health check can tell."""
    try:
        async with db.session() as session:
            await session.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": db.dialect})


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request, session: SessionDep, settings: SettingsDep, templates: TemplatesDep
) -> HTMLResponse:
    associations = await list_associations(session)
    by_id = {actor.id: actor for actor in associations}
    # The node's latest public objects (its associations' own): an index walk, newest first.
    latest = [obj for obj in await node_latest(session, limit=LATEST) if obj.actor_id in by_id]
    rows = await load_kind_rows(session, latest)
    wanted = accepted_languages(request.headers.get("accept-language"))
    response = templates.TemplateResponse(
        request,
        "home.html",
        {
            "associations": [actor_view(actor, settings.domain) for actor in associations],
            "latest": [
                item_view(obj, wanted, rows.get(obj.id), by_id[obj.actor_id]) for obj in latest
            ],
            "domain": settings.domain,
        },
    )
    response.headers["Vary"] = "Accept-Language"
    return response


TAG_SCAN = 1000


@router.get("/tags/{tag}", response_class=HTMLResponse)
async def tag_page(
    tag: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    """The node's public objects carrying a hashtag (the `href` of our Hashtag tags).

    Tags live in a JSON column whose query syntax differs between SQLite and PostgreSQL, so
    the newest objects are scanned here; a tag index belongs to the later search work.
    """
    name = f"#{tag.lower()}"
    associations = {actor.id: actor for actor in await list_associations(session)}
    recent = [
        obj for obj in await node_latest(session, limit=TAG_SCAN) if obj.actor_id in associations
    ]
    tagged = [
        obj
        for obj in recent
        if any(t.get("type") == "Hashtag" and t.get("name", "").lower() == name for t in obj.tags)
    ][:LATEST]
    rows = await load_kind_rows(session, tagged)
    wanted = accepted_languages(request.headers.get("accept-language"))
    return templates.TemplateResponse(
        request,
        "tag.html",
        {
            "tag": name,
            "latest": [
                item_view(obj, wanted, rows.get(obj.id), associations[obj.actor_id])
                for obj in tagged
            ],
            "domain": settings.domain,
        },
    )
