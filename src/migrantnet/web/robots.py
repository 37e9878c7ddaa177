"""`/robots.txt` and `/favicon.ico`: what crawlers and browsers ask every node for.

A node can choose not to be indexed at all (`MIGRANTNET_SEARCH_ENGINES=false`): robots.txt
then disallows everything and every page carries `noindex`. An association can choose it for
its own pages (its settings, `discoverable`): they carry `noindex` (meta and `X-Robots-Tag`),
which a crawler can only read if robots.txt lets it fetch them, so they are not disallowed.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, PlainTextResponse

from migrantnet.uris.interface import (
    ACCOUNT_PATH,
    ADMIN_PATH,
    FAVICON_PATH,
    LOGIN_PATH,
    ROBOTS_PATH,
)
from migrantnet.uris.paths import INVITE_PREFIX, RESET_PREFIX
from migrantnet.web.deps import SettingsDep

router = APIRouter(include_in_schema=False)

# Pages for signed-in people and the API: nothing a search engine should list.
PRIVATE_PREFIXES = (
    ADMIN_PATH,
    ACCOUNT_PATH,
    LOGIN_PATH,
    INVITE_PREFIX,
    RESET_PREFIX,
    "/api/",  # the JSON API and its documents (/api/docs, /api/openapi.json)
)
ICON_CACHE = "public, max-age=86400"
FAVICON = Path(__file__).parent / "static" / "favicon.ico"


@router.get(ROBOTS_PATH)
async def robots_txt(settings: SettingsDep) -> PlainTextResponse:
    if not settings.search_engines:
        lines = ["User-agent: *", "Disallow: /"]
    else:
        lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES)]
    return PlainTextResponse("\n".join(lines) + "\n", headers={"Cache-Control": ICON_CACHE})


@router.get(FAVICON_PATH)
async def favicon() -> FileResponse:
    """Browsers ask for it whatever the page says; pages name the SVG one too."""
    return FileResponse(
        FAVICON,
        media_type="image/x-icon",
        headers={"Cache-Control": ICON_CACHE},
    )
