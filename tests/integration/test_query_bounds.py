"""Hostile query strings on every GET route that reads one (issue 9, item 9 and its siblings):
a 100 KB value, a parameter repeated 50 times, 20-digit and negative numbers, `1e400`, bytes
that are not UTF-8 (`%ff`) or are NUL (`%00`), days that do not exist, a 100-year range.
Each answer is the caller's 4xx (or an ordinary page), never a 5xx, and comes within a few
seconds. The routes are not listed by hand: the pages' are read from the app's routers (with
the parameters a few pages read from `request.query_params` themselves), the JSON API's from
the OpenAPI the node serves, so a route added later is probed without touching this file.
Real app, real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.content.groups import create_group
from migrantnet.content.tokens import create_token
from migrantnet.content.users import get_user_by_email
from migrantnet.db import Database
from migrantnet.models import Actor
from migrantnet.uris import Uris
from migrantnet.web import agenda_query, directory_pages

SLUG = "tunis_migrants"  # tests/integration/conftest.py's association
GROUP = "coordination"
SECONDS = 5.0  # "within a few seconds", per request
LONG = "a" * 100_000
# Raw query-string values, sent as written (so `%ff` is the byte 0xff once decoded).
HOSTILE = [
    LONG,
    "99999999999999999999",
    "-1",
    "1e400",
    "%ff",
    "%00",
    "x%00y",
    "2025-13-45",
    "0000-00-00",
    "99999-01-01",
    "true",
    "",
]
# Parameters read from `request.query_params` rather than declared, per page.
READ_BY_HAND = {
    "/agenda": ("tz", *agenda_query.FILTER_PARAMS),
    "/agenda/month/{month}": ("tz", *agenda_query.FILTER_PARAMS),
    "/@{slug}/agenda.ics": agenda_query.FILTER_PARAMS,
    "/agenda.ics": agenda_query.FILTER_PARAMS,
    "/directory": ("after", *directory_pages.FILTER_PARAMS),
}
# What a page needs besides the hostile parameter to reach the code that reads it.
BASE = {
    "/@{slug}/outbox": "page=true",
    "/@{slug}/objects/{public_id}/replies": "page=true",
    "/@{slug}": "kind=note",
}
HOSTILE_PATHS = {
    "month": [
        "9999-12",
        "0001-01",
        "99999-01",
        "2025-13",
        "0000-01",
        "-1-01",
        "%ff",
        "2025-1e400",
        LONG[:60_000],
    ],
    "tag": [LONG[:60_000], "%ff", "%00", "99999999999999999999"],
}


def _get_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every GET route, also inside included routers (FastAPI >= 0.165 keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            if "GET" in route.methods:
                yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from _get_routes(
                route.original_router.routes, prefix + getattr(route.include_context, "prefix", "")
            )


def _declared(dependant: Any) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _declared(sub)
    return names


def page_routes(app: FastAPI) -> dict[str, set[str]]:
    """Each page's template and the query parameters it reads; `lang` is read by every page."""
    found: dict[str, set[str]] = {}
    for path, route in _get_routes(app.routes):
        if path.startswith("/api/"):
            continue
        names = _declared(route.dependant) | set(READ_BY_HAND.get(path, ()))
        if names or "{" in path:
            found[path] = names | {"lang"}
    return found


def api_routes(schema: dict[str, Any]) -> dict[str, set[str]]:
    """Each GET of the served OpenAPI and its query parameters."""
    found: dict[str, set[str]] = {}
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        names = {p["name"] for p in get.get("parameters", []) if p["in"] == "query"}
        if names:
            found[path] = names
    return found


def fill(path: str, public_id: str) -> str:
    group_route = "/groups/" in path or "/threads" in path
    values = {
        "slug": GROUP if group_route else SLUG,
        "public_id": public_id,
        "thread_id": public_id,
        "month": "2026-12",
        "tag": "permanence",
        "key": "x",
        "name": "x",
        "token": "x",
        "kind": "note",
    }
    for name, value in values.items():
        path = path.replace(f"{{{name}}}", value).replace(f"{{{name}:path}}", value)
    return path


def queries(path: str, names: set[str]) -> Iterator[str]:
    """Every hostile query string for one route: each value on each parameter, each
    parameter 50 times, and a 100-year range where the route takes one."""
    base = BASE.get(path)
    for name in sorted(names):
        for value in HOSTILE:
            yield "&".join(filter(None, [base, f"{name}={value}"]))
        yield "&".join(filter(None, [base, *[f"{name}=1"] * 50]))
        yield "&".join(filter(None, [base, *[f"{name}={LONG[:2000]}"] * 50]))
    if {"from", "to"} <= names:
        yield "from=2000-01-01&to=2100-01-01"
        yield "from=0001-01-01&to=9999-12-31"
        yield "to=9999-12-31"
        yield "from=9999-12-31"
        yield "from=0001-01-01"


async def asgi_get(app: FastAPI, path: str, query: str, headers: dict[str, str]) -> int:
    """The status of a GET sent to the app as a server would pass it on, query string as
    written: httpx refuses URLs over 64 KB, and the point is what the node does with them
    (a proxy in front may allow longer lines than uvicorn's default)."""
    done = asyncio.Event()
    status: list[int] = []
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode("latin-1"),
        "headers": [
            (b"host", b"node-a.test"),
            *[(k.lower().encode(), v.encode()) for k, v in headers.items()],
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("node-a.test", 80),
    }
    await app(scope, receive, send)
    return status[0]


async def probe(
    app: FastAPI, path: str, query: str, headers: dict[str, str], failures: list[str]
) -> None:
    started = time.monotonic()
    try:
        status = await asgi_get(app, path, query, headers)
    except Exception as exc:  # the app answered 500, then raised it again to its server
        failures.append(f"{type(exc).__name__}: {exc!s:.200}: {path}?{query[:160]}")
        return
    took = time.monotonic() - started
    if status >= 500 or took > SECONDS:
        failures.append(f"{status} in {took:.1f} s: {path}?{query[:160]}")


async def probe_url(client: httpx.AsyncClient, url: str, failures: list[str]) -> None:
    started = time.monotonic()
    response = await client.get(url, headers={"Accept": "text/html"})
    took = time.monotonic() - started
    if response.status_code >= 500 or took > SECONDS:
        failures.append(f"{response.status_code} in {took:.1f} s: {url[:160]}")


def accept(path: str) -> dict[str, str]:
    federated = ("/outbox", "/replies", "/followers", "/following")
    if path.endswith(federated):
        return {"Accept": "application/activity+json"}
    return {"Accept": "text/html"}


@pytest.fixture
async def app(settings: Settings, db: Database) -> AsyncIterator[FastAPI]:
    application = create_app(settings, run_worker=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def public_id(
    app_client: httpx.AsyncClient, session: AsyncSession, association: Actor, uris: Uris
) -> str:
    """A note of the association's (for the routes that name one) and a group."""
    admin = await get_user_by_email(session, "admin@node-a.test")
    assert admin is not None
    await create_group(session, uris, slug=GROUP, name="Coordinación", admin=admin)
    token = await create_token(session, admin, "bounds")
    await session.commit()
    created = await app_client.post(
        f"/api/v1/associations/{SLUG}/notes",
        json={"text": {"fr": "Permanence juridique"}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"]).rsplit("/", 1)[-1]


@pytest.fixture
async def token(session: AsyncSession, association: Actor) -> str:
    admin = await get_user_by_email(session, "admin@node-a.test")
    assert admin is not None
    made = await create_token(session, admin, "bounds-api")
    await session.commit()
    return made


async def test_every_page_with_a_query_answers_hostile_values_below_500(
    app: FastAPI, admin: httpx.AsyncClient, public_id: str
) -> None:
    routes = page_routes(app)
    signed_in = {"Cookie": "; ".join(f"{k}={v}" for k, v in admin.cookies.items())}
    # The enumeration itself is checked, so that it cannot quietly probe nothing.
    for expected in ("/search", "/agenda", "/directory", "/@{slug}", "/@{slug}/outbox"):
        assert expected in routes, sorted(routes)
    assert {"before", "kind"} <= routes["/@{slug}"]
    assert {"from", "to", "tz"} <= routes["/agenda"]
    failures: list[str] = []
    for path, names in sorted(routes.items()):
        headers = accept(path)
        if path.startswith(("/admin", "/account", "/new")):
            headers = {**headers, **signed_in}
        filled = fill(path, public_id)
        for query in queries(path, names):
            await probe(app, filled, query, headers, failures)
    assert not failures, "\n".join(failures)


async def test_hostile_path_values_of_the_pages_are_below_500(
    app_client: httpx.AsyncClient, association: Actor
) -> None:
    failures: list[str] = []
    for month in HOSTILE_PATHS["month"]:
        await probe_url(app_client, f"/agenda/month/{month}", failures)
    for tag in HOSTILE_PATHS["tag"]:
        await probe_url(app_client, f"/tags/{tag}", failures)
    assert not failures, "\n".join(failures)


async def test_every_api_query_from_the_openapi_answers_hostile_values_below_500(
    app: FastAPI, app_client: httpx.AsyncClient, token: str, public_id: str
) -> None:
    served = await app_client.get("/api/openapi.json")
    assert served.status_code == 200
    routes = api_routes(served.json())
    for expected in ("/api/v1/agenda", "/api/v1/search", "/api/v1/directory"):
        assert expected in routes, sorted(routes)
    assert "/api/v1/associations/{slug}/network" in routes
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    failures: list[str] = []
    for path, names in sorted(routes.items()):
        filled = fill(path, public_id)
        for query in queries(path, names):
            await probe(app, filled, query, headers, failures)
    assert not failures, "\n".join(failures)
