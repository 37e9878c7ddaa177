"""Plain server-rendered pages: the home page and the health check."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from migrantnet.content.associations import list_associations
from migrantnet.web.deps import DatabaseDep, SessionDep, SettingsDep, TemplatesDep

router = APIRouter()


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
    return templates.TemplateResponse(
        request,
        "home.html",
        {"associations": associations, "domain": settings.domain},
    )
