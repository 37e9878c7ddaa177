"""`/api/docs`: Swagger UI served by the node itself.

FastAPI's default page loads Swagger UI from a CDN: blank without internet, and it tells a
third party who reads our API docs. The `swagger-ui-bundle-v2` package ships the same files
(Swagger UI 5, which reads FastAPI's OpenAPI 3.1; 4.x does not). They are served here under a
URL naming their version (hence `immutable`), and the page starts Swagger UI from a script of
our static folder, so it needs no inline script.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from migrantnet.content.errors import NotFound
from migrantnet.web.static_assets import IMMUTABLE

router = APIRouter(include_in_schema=False)

SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)
# The folder is named after the version it ships (`swagger-ui-4.15.5`).
SWAGGER_VERSION = SWAGGER_DIR.name.removeprefix("swagger-ui-")
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
DOCS_PATH = "/api/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets/{SWAGGER_VERSION}"


@router.get(DOCS_PATH)
async def api_docs(request: Request) -> HTMLResponse:
    openapi_url = request.app.openapi_url or "/api/openapi.json"
    start = request.app.state.static.url("api-docs.js")
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(request.app.title)} API</title>
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
<link rel="icon" href="{ASSETS_PATH}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="{start}"></script>
</body>
</html>
"""
    return HTMLResponse(page)


@router.get(ASSETS_PATH + "/{name}")
async def api_docs_asset(name: str) -> FileResponse:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound("no such file")
    return FileResponse(
        SWAGGER_DIR / name, media_type=media_type, headers={"Cache-Control": IMMUTABLE}
    )
