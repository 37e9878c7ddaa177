"""Helpers for driving the pages' forms with httpx as a browser would (cookies, CSRF token)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from migrantnet.app import create_app
from migrantnet.config import Settings

HTML = {"Accept": "text/html"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "no CSRF token in the page"
    return found.group(1)


async def form_token(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path, headers=HTML)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


async def submit(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, str]
) -> httpx.Response:
    """GET `page`, then POST its form to `action` with the page's CSRF token."""
    token = await form_token(client, page)
    return await client.post(action, data={**data, "csrf_token": token}, headers=HTML)


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    response = await submit(client, "/login", "/login", {"email": email, "password": password})
    assert response.status_code == 303, response.text
    return response


@asynccontextmanager
async def signed_in(
    settings: Settings, email: str, password: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a node app of its own (its lifespan running), signed in through the form."""
    app = create_app(settings, run_worker=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=settings.base_url
        ) as client,
    ):
        await sign_in(client, email, password)
        yield client
