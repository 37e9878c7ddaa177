"""Refusals made outside a route's own code answer from the one table of `web/errors.py`:
the fetch gate (a middleware), WebFinger, the health check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.models import Actor

AP = {"Accept": "application/activity+json"}
HTML = {"Accept": "text/html"}


@asynccontextmanager
async def client_of(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            yield client, app


async def test_the_fetch_gate_refuses_an_unsigned_read_with_its_challenge(
    settings: Settings, db: Database
) -> None:
    async with client_of(settings.model_copy(update={"authorized_fetch": True})) as (client, _):
        refused = await client.get("/@nobody/outbox", headers=AP)
        actor = await client.get("/actor", headers=AP)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Signature realm="migrantnet"'
    assert "signed requests" in refused.json()["error"]
    assert actor.status_code != 401  # actor documents stay readable unsigned


async def test_an_unknown_webfinger_resource_is_a_404_with_its_reason(
    app_client: httpx.AsyncClient,
) -> None:
    response = await app_client.get(
        "/.well-known/webfinger", params={"resource": "acct:nobody@node-a.test"}
    )
    assert response.status_code == 404
    assert response.json() == {"error": "acct:nobody@node-a.test is not known here"}


async def test_errors_are_said_in_the_readers_words_without_field_codes(
    app_client: httpx.AsyncClient, association: Actor
) -> None:
    wrong = {"from": "2031-05-01", "to": "2030-05-01", "lang": "fr"}
    page = await app_client.get("/agenda", params=wrong, headers=HTML)
    assert page.status_code == 422
    assert "la fin de la période doit venir après son début" in page.text
    assert "to: " not in page.text
    # An error page of the table: the same, where a page shows an InvalidInput it did not catch.
    query = {"kind": "note", "before": "abc", "lang": "fr"}
    bad_page = await app_client.get("/@tunis_migrants", params=query, headers=HTML)
    assert bad_page.status_code == 422
    message = bad_page.text.split('<h1 id="page-title">422</h1>')[1].split("</p>")[0]
    assert message == "\n<p>&#39;abc&#39; n’est pas une position de page de ce site"
    answer = await app_client.get("/@tunis_migrants", params=query, headers={"Accept": "*/*"})
    assert answer.json() == {"error": "before: 'abc' is not a page position from this site"}
