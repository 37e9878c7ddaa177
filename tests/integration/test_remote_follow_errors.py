"""The Follow button's bad days: every handle that leads nowhere comes back to the form with
the reason beside the field, the handle as typed, and never a 500. Real loopback servers
play the visitor's server (federation_peer.PeerServer)."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from federation_peer import PeerServer, free_port

from migrantnet.app import create_app
from migrantnet.config import Settings, load_settings
from migrantnet.db import Database
from migrantnet.models import Actor

HTML = {"Accept": "text/html"}
JRD = "application/jrd+json"
WEBFINGER = "/.well-known/webfinger"
FOLLOW = "/@tunis_migrants/follow"
PeerMaker = Callable[[], PeerServer]


def jrd(server: PeerServer, template: str | None) -> dict[str, object]:
    links: list[dict[str, str]] = [
        {"rel": "self", "type": "application/activity+json", "href": server.url("/users/me")}
    ]
    if template is not None:
        links.append({"rel": "http://ostatus.org/schema/1.0/subscribe", "template": template})
    return {"subject": f"acct:me@{server.domain}", "links": links}


def error_of(page: httpx.Response) -> str:
    found = re.search(r'<p class="error" id="follow-error">(.*?)</p>', page.text, re.S)
    assert found is not None, page.text
    return found[1].strip()


@pytest.fixture
async def client(
    tmp_path: Path, database_url: str, association: Actor
) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(
        environ={},
        data_dir=tmp_path / "data",
        database_url=database_url,
        domain="node-a.test",
        https=False,
        allow_private_addresses=True,
        secret_key="test-secret",
        lookup_seconds=1,
    )
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as c:
            yield c


async def test_the_association_page_has_a_follow_form_and_the_handle(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/@tunis_migrants", headers=HTML)
    assert '<form method="get" action="/@tunis_migrants/follow"' in page.text
    assert '<summary class="button">Follow</summary>' in page.text
    assert 'data-copy="@tunis_migrants@node-a.test"' in page.text
    script = re.search(r'<script src="(/static/copy\.[0-9a-f]{12}\.js)" defer></script>', page.text)
    assert script is not None
    assert (await client.get(script[1])).status_code == 200


async def test_a_handle_with_a_template_leads_to_the_visitors_server(
    client: httpx.AsyncClient, make_peer_server: PeerMaker
) -> None:
    server = make_peer_server()
    server.serve(WEBFINGER, jrd(server, server.url("/authorize_interaction?uri={uri}")), JRD)
    sent = await client.get(FOLLOW, params={"handle": f"  me@{server.domain} "})
    assert sent.status_code == 303
    target = urlsplit(sent.headers["location"])
    assert target.netloc == server.domain
    assert parse_qs(target.query)["uri"] == ["http://node-a.test/@tunis_migrants"]
    assert sent.headers["cache-control"] == "no-store"


async def test_our_own_users_are_sent_to_our_own_page(client: httpx.AsyncClient) -> None:
    sent = await client.get(FOLLOW, params={"handle": "@someone@node-a.test"})
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("http://node-a.test/authorize_interaction?uri=")


@pytest.mark.parametrize(
    "handle",
    ["bob", "@@", "@me@", "me@host/path", "x" * 10_000, "@me@a b"],
)
async def test_what_is_not_a_handle_is_said_so(client: httpx.AsyncClient, handle: str) -> None:
    page = await client.get(FOLLOW, params={"handle": handle}, headers=HTML)
    assert page.status_code == 422
    assert "Give your handle as @name@server" in error_of(page)
    assert 'aria-invalid="true"' in page.text and " open>" in page.text


async def test_an_unknown_account(client: httpx.AsyncClient, make_peer_server: PeerMaker) -> None:
    server = make_peer_server()  # serves nothing: its WebFinger answers 404
    page = await client.get(FOLLOW, params={"handle": f"@nobody@{server.domain}"})
    assert page.status_code == 422
    assert error_of(page) == (
        f"{server.domain} does not know this account. Check the spelling of your handle."
    )
    assert f'value="@nobody@{server.domain}"' in page.text  # kept as typed


@pytest.mark.parametrize("template", [None, "javascript:alert(1)//{uri}", "no-placeholder"])
async def test_a_server_without_a_usable_template(
    client: httpx.AsyncClient, make_peer_server: PeerMaker, template: str | None
) -> None:
    server = make_peer_server()
    server.serve(WEBFINGER, jrd(server, template), JRD)
    page = await client.get(FOLLOW, params={"handle": f"@me@{server.domain}"})
    assert page.status_code == 422
    assert "does not offer to follow from here" in error_of(page)
    assert "@tunis_migrants@node-a.test" in error_of(page)  # what to search for instead


async def test_a_server_too_slow(client: httpx.AsyncClient, make_peer_server: PeerMaker) -> None:
    server = make_peer_server()

    def slow() -> dict[str, object]:
        time.sleep(3)
        return jrd(server, server.url("/authorize_interaction?uri={uri}"))

    server.serve(WEBFINGER, slow, JRD)
    started = time.monotonic()
    page = await client.get(FOLLOW, params={"handle": f"@me@{server.domain}"})
    assert time.monotonic() - started < 2.5  # MIGRANTNET_LOOKUP_SECONDS=1
    assert page.status_code == 422
    assert "took too long to answer" in error_of(page)


async def test_a_server_that_is_not_there(client: httpx.AsyncClient) -> None:
    host = f"127.0.0.1:{free_port()}"
    page = await client.get(FOLLOW, params={"handle": f"@me@{host}"})
    assert page.status_code == 422
    assert error_of(page) == f"{host} could not be reached. Check the server part of your handle."


async def test_a_server_that_answers_something_else(
    client: httpx.AsyncClient, make_peer_server: PeerMaker
) -> None:
    server = make_peer_server()
    server.serve(WEBFINGER, {"html": "<p>hello</p>"}, "text/html")
    page = await client.get(FOLLOW, params={"handle": f"@me@{server.domain}"})
    assert page.status_code == 422
    assert "did not answer as a fediverse server does" in error_of(page)


async def test_no_private_address_is_asked_by_default(
    tmp_path: Path, database_url: str, association: Actor, make_peer_server: PeerMaker
) -> None:
    server = make_peer_server()
    server.serve(WEBFINGER, jrd(server, server.url("/authorize_interaction?uri={uri}")), JRD)
    settings: Settings = load_settings(
        environ={},
        data_dir=tmp_path / "data",
        database_url=database_url,
        domain="node-a.test",
        https=False,
        secret_key="test-secret",
    )
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as c:
            page = await c.get(FOLLOW, params={"handle": f"@me@{server.domain}"})
    assert page.status_code == 422
    assert "could not be reached" in error_of(page)
    assert server.seen_under(WEBFINGER) == []


async def test_an_unknown_association(client: httpx.AsyncClient, db: Database) -> None:
    page = await client.get("/@nobody_here/follow", params={"handle": "@me@example.org"})
    assert page.status_code == 404
