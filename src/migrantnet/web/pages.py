"""Plain server-rendered pages: the home page, hashtag pages and the health check."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from migrantnet.content.associations import list_associations
from migrantnet.content.details import load_kind_rows
from migrantnet.content.errors import Unavailable
from migrantnet.content.listing import node_latest
from migrantnet.db import UNAVAILABLE_RETRY_AFTER, database_unavailable, unavailable_reason
from migrantnet.federation.heartbeat import last_beat, worker_status
from migrantnet.logs import log_event
from migrantnet.uris.interface import HEALTH_PATH, HOME_PATH
from migrantnet.uris.paths import TAG_PATH
from migrantnet.web.deps import DatabaseDep, SessionDep, SettingsDep, TemplatesDep
from migrantnet.web.i18n import accepted_languages
from migrantnet.web.views.items import item_view
from migrantnet.web.views.parts import actor_view

logger = logging.getLogger("migrantnet.web")
router = APIRouter()
LATEST = 20


@router.get(HEALTH_PATH, include_in_schema=False)
async def healthz(db: DatabaseDep, settings: SettingsDep) -> JSONResponse:
    """Ready (200) with a reachable database, else 503 with `Retry-After`, so a load balancer
    or compose health check can tell; never cached.

    `worker` says whether a delivery worker beats (`heartbeat.py`): "beating", "stale" (it
    stopped: deliveries are not being sent) or "none" (none ever ran on this database), with
    the seconds since its last beat. A stale worker does not make the web process unready."""
    headers = {"Cache-Control": "no-store"}
    try:
        async with db.session() as session:
            await session.execute(text("SELECT 1"))
            beat = await last_beat(session)
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        log_event(
            logger,
            "database_unavailable",
            logging.WARNING,
            path=HEALTH_PATH,
            reason=unavailable_reason(exc),
        )
        headers["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
        raise Unavailable(
            "database unreachable",
            {"status": "unavailable", "ready": False, "database": "unreachable"},
            headers=headers,
        ) from None
    worker = worker_status(beat, datetime.now(UTC), settings.worker_stale_seconds)
    return JSONResponse(
        {
            "status": "ok",
            "ready": True,
            "database": db.dialect,
            "worker": {
                "state": worker.state,
                "seconds_since_beat": None if worker.seconds is None else int(worker.seconds),
            },
        },
        headers=headers,
    )


@router.get(HOME_PATH, response_class=HTMLResponse)
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


@router.get(TAG_PATH, response_class=HTMLResponse)
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
