from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.node import NodeSetup, initialise_node
from migrantnet.uris import Uris


async def test_healthz_reports_the_database(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_home_lists_associations(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    empty = await app_client.get("/")
    assert "No association yet" in empty.text
    await initialise_node(
        session,
        uris,
        NodeSetup(
            slug="red_migrante",
            name="Red Migrante",
            admin_email="a@b.example",
            admin_password="0123456789",
        ),
    )
    await session.commit()
    page = await app_client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<a href="/@red_migrante" dir="auto">Red Migrante</a>' in page.text
    assert "<main" in page.text
    assert "relay" not in page.text  # the node actor is not an association


async def test_unknown_page_is_a_clean_404(app_client: httpx.AsyncClient) -> None:
    html = await app_client.get("/nowhere", headers={"accept": "text/html"})
    assert html.status_code == 404
    assert "Traceback" not in html.text
    as_json = await app_client.get("/nowhere", headers={"accept": "application/json"})
    assert as_json.json() == {"error": "Not Found"}
