"""The limits the node is measured against: a bare FastAPI app on the same server options.

`/prebuilt`: a ~2 KB actor document serialised once at start-up, returned as bytes (the
framework's floor for a JSON endpoint). `/page`: a Jinja2 template of 20 items, each with a
title, a date, a summary and a link, rendered per request (~12 KB, like our home page).
`POST /inbox`: the body read and parsed as JSON, 202 (the floor for an inbox that accepts).

Run by the benchmarks as:  python benchmarks/_bare_app.py PORT
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import mkdtemp

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from migrantnet.server_options import SERVER_OPTIONS

ACTOR = {
    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
    "id": "http://127.0.0.1/@bench",
    "type": "Organization",
    "preferredUsername": "bench",
    "name": "Bench association",
    "summary": "<p>" + "Legal advice, language classes and solidarity. " * 8 + "</p>",
    "inbox": "http://127.0.0.1/@bench/inbox",
    "outbox": "http://127.0.0.1/@bench/outbox",
    "followers": "http://127.0.0.1/@bench/followers",
    "following": "http://127.0.0.1/@bench/following",
    "endpoints": {"sharedInbox": "http://127.0.0.1/inbox"},
    "publicKey": {
        "id": "http://127.0.0.1/@bench#main-key",
        "owner": "http://127.0.0.1/@bench",
        "publicKeyPem": "-----BEGIN PUBLIC KEY-----\n" + "A" * 392 + "\n-----END PUBLIC KEY-----",
    },
}
PREBUILT = json.dumps(ACTOR, separators=(",", ":")).encode()

TEMPLATE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title><link rel="stylesheet" href="/static/site.css"></head>
<body><header role="banner"><a href="/">{{ title }}</a></header>
<main id="main"><h1>{{ title }}</h1><ol class="items">
{% for item in items %}<li class="item h-entry"><article>
<h3 class="p-name"><a class="u-url" href="{{ item.url }}">{{ item.name }}</a></h3>
<p class="meta"><a href="{{ item.author_url }}">{{ item.author }}</a> ·
<time class="dt-published" datetime="{{ item.published.isoformat() }}">
{{ item.published.strftime('%d %B %Y, %H:%M') }}</time></p>
<div class="e-content">{{ item.summary }}</div></article></li>
{% endfor %}</ol></main><footer role="contentinfo">bare</footer></body></html>"""


def create() -> FastAPI:
    folder = Path(mkdtemp(prefix="bare-templates-"))
    (folder / "page.html").write_text(TEMPLATE, encoding="utf-8")
    templates = Jinja2Templates(directory=str(folder))
    now = datetime.now(UTC)
    items = [
        {
            "url": f"http://127.0.0.1/@bench/objects/{n}",
            "name": f"Item number {n}: what changes for residence permits",
            "author": "Bench association",
            "author_url": "http://127.0.0.1/@bench",
            "published": now - timedelta(hours=n),
            "summary": "Free legal advice for newcomers every Tuesday at the centre. " * 4,
        }
        for n in range(20)
    ]
    app = FastAPI()

    @app.get("/prebuilt")
    async def prebuilt() -> Response:
        return Response(PREBUILT, media_type="application/activity+json")

    @app.get("/page", response_class=HTMLResponse)
    async def page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request, "page.html", {"title": "Bare page", "items": items}
        )

    @app.post("/inbox", status_code=202)
    async def inbox(request: Request) -> Response:
        json.loads(await request.body())
        return Response(b"{}", status_code=202, media_type="application/json")

    return app


if __name__ == "__main__":
    uvicorn.run(create(), host="127.0.0.1", port=int(sys.argv[1]), **SERVER_OPTIONS)
