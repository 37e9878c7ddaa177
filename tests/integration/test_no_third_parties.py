"""No third parties, and light on the wire: the API docs from the node's own files, gzip,
static files under a hashed URL, a favicon, robots.txt and the choice not to be indexed."""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from browser_forms import HTML, submit
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.app import create_app
from migrantnet.config import load_settings
from migrantnet.content.associations import create_association
from migrantnet.db import Database
from migrantnet.models import Actor
from migrantnet.uris import Uris

STATIC = Path(__file__).parents[2] / "src" / "migrantnet" / "web" / "static"
AS_JSON = {"Accept": "application/activity+json"}
PASSWORD = "correct horse battery"


async def test_api_docs_load_nothing_from_another_host(app_client: httpx.AsyncClient) -> None:
    page = await app_client.get("/api/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) == 4  # Swagger's CSS, icon and script, and our starter
    for asset in assets:
        assert asset.startswith("/"), asset  # on this node, whatever its domain
        served = await app_client.get(asset)
        assert served.status_code == 200, asset
        assert "immutable" in served.headers["cache-control"]
    assert "<script>" not in page.text  # no inline script: the CSP can forbid them
    policy = page.headers["content-security-policy"]
    script_src = next(part for part in policy.split(";") if "script-src" in part)
    assert script_src.split() == ["script-src", "'self'"]
    assert (await app_client.get("/api/docs/assets/5.31.0/index.html")).status_code == 404
    spec = await app_client.get("/api/openapi.json")
    assert spec.json()["info"]["title"] == "migrantnet"


async def test_pages_and_json_are_gzipped_for_clients_that_ask(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    await create_association(session, uris, slug="assembly", name="Assembly of migrants")
    await session.commit()
    raw = {"Accept-Encoding": "gzip"}
    page = await app_client.get("/@assembly", headers={**raw, **HTML})
    assert page.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["vary"] and "Accept" in page.headers["vary"]
    assert page.headers["content-security-policy"]  # other layers' headers kept

    # The cached JSON: kept uncompressed, compressed per request, never mixed up.
    bodies = []
    for encoding in ("gzip", "identity", "gzip", "identity"):
        async with app_client.stream(
            "GET", "/@assembly", headers={**AS_JSON, "Accept-Encoding": encoding}
        ) as response:
            wire = b"".join([chunk async for chunk in response.aiter_raw()])
        assert response.headers.get("content-encoding") == ("gzip" if encoding == "gzip" else None)
        assert int(response.headers["content-length"]) == len(wire)
        bodies.append(gzip.decompress(wire) if encoding == "gzip" else wire)
    assert len(set(bodies)) == 1 and b'"preferredUsername":"assembly"' in bodies[0]

    # Small answers are not worth it.
    finger = await app_client.get(
        "/.well-known/webfinger?resource=acct:assembly@node-a.test", headers=raw
    )
    assert finger.status_code == 200
    assert "content-encoding" not in finger.headers


async def test_static_files_are_named_by_their_content(app_client: httpx.AsyncClient) -> None:
    page = await app_client.get("/", headers=HTML)
    css_url = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)[1]
    digest = hashlib.sha256((STATIC / "site.css").read_bytes()).hexdigest()[:12]
    assert css_url == f"/static/site.{digest}.css"
    css = await app_client.get(css_url)
    assert css.status_code == 200
    assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert css.content == (STATIC / "site.css").read_bytes()
    assert css.headers["content-type"].startswith("text/css")
    # The plain name and a stale hash still work, revalidated each time.
    for url in ("/static/site.css", "/static/site.0123456789ab.css"):
        other = await app_client.get(url)
        assert other.status_code == 200 and other.content == css.content
        assert other.headers["cache-control"] == "no-cache"
    assert (await app_client.get("/static/nothing.0123456789ab.css")).status_code == 404
    assert (await app_client.get("/static/../app.py")).status_code == 404


async def test_a_favicon_in_both_forms(app_client: httpx.AsyncClient) -> None:
    ico = await app_client.get("/favicon.ico")
    assert ico.status_code == 200
    assert ico.headers["content-type"] == "image/x-icon"
    assert ico.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = await app_client.get("/", headers=HTML)
    svg_url = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page.text)[1]
    svg = await app_client.get(svg_url)
    assert svg.status_code == 200 and svg.content.startswith(b"<svg")


async def test_robots_txt_keeps_crawlers_out_of_private_pages(
    app_client: httpx.AsyncClient,
) -> None:
    robots = await app_client.get("/robots.txt")
    assert robots.status_code == 200
    lines = robots.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin" in lines and "Disallow: /api/" in lines
    assert "Disallow: /" not in lines
    page = await app_client.get("/", headers=HTML)
    assert 'name="robots"' not in page.text


@pytest.fixture
async def hidden_node(tmp_path: Path, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(
        environ={},
        data_dir=tmp_path / "data",
        database_url=database_url,
        domain="node-a.test",
        https=False,
        secret_key="test-secret",
        search_engines=False,
    )
    database = Database(settings.effective_database_url)
    async with database.engine.begin() as conn:
        from migrantnet.models import Base

        await conn.run_sync(Base.metadata.create_all)
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            yield client
    await database.dispose()


async def test_a_node_can_choose_not_to_be_indexed(hidden_node: httpx.AsyncClient) -> None:
    robots = await hidden_node.get("/robots.txt")
    assert robots.text.splitlines() == ["User-agent: *", "Disallow: /"]
    for path in ("/", "/login", "/no-such-page"):
        page = await hidden_node.get(path, headers=HTML)
        assert '<meta name="robots" content="noindex">' in page.text, path


async def test_an_association_can_choose_not_to_be_indexed(
    admin: httpx.AsyncClient, app_client: httpx.AsyncClient, association: Actor
) -> None:
    settings_page = "/admin/tunis_migrants/settings"
    before = await app_client.get("/@tunis_migrants", headers=HTML)
    assert 'name="robots"' not in before.text and "x-robots-tag" not in before.headers
    saved = await submit(admin, settings_page, settings_page, {"name": "Tunis Migrants"})
    assert saved.status_code == 303, saved.text  # the box unticked: not discoverable
    after = await app_client.get("/@tunis_migrants", headers=HTML)
    assert '<meta name="robots" content="noindex">' in after.text
    assert after.headers["x-robots-tag"] == "noindex"
    actor = await app_client.get("/@tunis_migrants", headers=AS_JSON)
    assert actor.json()["indexable"] is False and actor.json()["discoverable"] is False
    assert 'name="robots"' not in (await app_client.get("/", headers=HTML)).text
    again = await submit(
        admin, settings_page, settings_page, {"name": "Tunis Migrants", "discoverable": "on"}
    )
    assert again.status_code == 303
    restored = await app_client.get("/@tunis_migrants", headers=HTML)
    assert 'name="robots"' not in restored.text
