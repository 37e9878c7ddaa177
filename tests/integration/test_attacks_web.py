"""Attacks on the node's pages and API, as reproduced from outside (issue 9, items 4-6, 9-11):
stored XSS through links and summaries, bodies without a token, huge cursors, a forged
`Host`, and the security headers every HTML page carries. Real app, real database."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import create_association, update_association
from migrantnet.content.tokens import create_token
from migrantnet.content.users import get_user_by_email
from migrantnet.models import Actor, ContentObject, Event

API = "/api/v1/associations"
SLUG = "tunis_migrants"  # tests/integration/conftest.py's association
EVENT = {
    "texts": {"title": {"fr": "Assemblée"}, "body": {"fr": "Ouverte à toutes et tous."}},
    "starts": "2025-06-20T18:00:00",
    "ends": "2025-06-20T20:30:00",
    "timezone": "Africa/Tunis",
    "place": {"name": "Maison des associations", "locality": "Tunis", "country": "tn"},
}
HOSTILE_LINKS = [
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.test/@x",
    "https://",
    "http://exa mple.test/x",
]


@pytest.fixture
async def auth(association: Actor, session: AsyncSession) -> dict[str, str]:
    admin = await get_user_by_email(session, "admin@node-a.test")
    assert admin is not None
    token = await create_token(session, admin, "attacks")
    await session.commit()
    return {"Authorization": f"Bearer {token}"}


# -- 4: stored XSS through event organizers ---------------------------------------------------


@pytest.mark.parametrize("link", HOSTILE_LINKS)
async def test_an_organizer_that_is_not_an_http_link_is_refused(
    app_client: httpx.AsyncClient, auth: dict[str, str], session: AsyncSession, link: str
) -> None:
    body = {**EVENT, "organizers": ["https://peer.example/users/amina", link]}
    response = await app_client.post(f"{API}/{SLUG}/events", json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert "organizers" in response.json()["error"]
    assert await session.scalar(select(ContentObject.id)) is None


async def test_organizer_links_already_stored_are_not_rendered_as_links(
    app_client: httpx.AsyncClient, auth: dict[str, str], session: AsyncSession
) -> None:
    """A row written before the check (or by any other way in) still never reaches an href."""
    created = await app_client.post(f"{API}/{SLUG}/events", json=EVENT, headers=auth)
    assert created.status_code == 201, created.text
    event = await session.scalar(select(Event))
    assert event is not None
    event.organizers = [*event.organizers, *HOSTILE_LINKS, "https://peer.example/users/amina"]
    event.online_url = "javascript:alert(2)"
    await session.commit()

    page = await app_client.get(created.json()["url"], headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.text.lower()
    assert "javascript:" not in html.replace("javascript:alert(document.domain)", "")
    assert 'href="data:' not in html and 'href="vbscript:' not in html
    assert 'href="//evil.test' not in html
    assert 'href="https://peer.example/users/amina"' in html


# -- 5: the association's summary is sanitised on every way in ----------------------------------


async def test_association_summary_is_sanitised_when_created_and_updated(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: object, association: Actor
) -> None:
    from migrantnet.uris import Uris

    assert isinstance(uris, Uris)
    hostile = '<p>Bienvenue</p><script>alert(1)</script><a href="javascript:alert(2)">x</a>'
    actor = await create_association(session, uris, slug="red", name="Red", summary=hostile)
    await session.commit()
    assert actor.summary is not None
    assert "<script" not in actor.summary and "javascript:" not in actor.summary
    assert "Bienvenue" in actor.summary
    page = await app_client.get("/@red", headers={"Accept": "text/html"})
    assert page.status_code == 200
    inline = re.sub(r'<script src="/static/[^"]+" defer></script>', "", page.text)
    assert "<script" not in inline and "javascript:" not in page.text

    await update_association(session, actor, summary='<img src=x onerror="alert(3)">Hola')
    assert actor.summary is not None and "onerror" not in actor.summary


# -- 6: bodies are capped before anything parses them --------------------------------------------


async def test_a_declared_huge_body_without_token_is_413_before_it_is_read(
    app_client: httpx.AsyncClient, association: Actor
) -> None:
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(200):  # up to 200 MB if anyone reads it all
            sent += 1
            yield b"[" + b"1," * (512 * 1024) + b"1]"

    response = await app_client.post(
        f"{API}/{SLUG}/notes",
        content=body(),
        headers={"Content-Type": "application/json", "Content-Length": str(200 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]
    assert sent <= 1


async def test_a_streamed_body_over_the_cap_is_cut_off_with_413(
    app_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"text": {"fr": "'
        for _ in range(200):
            sent += 1
            yield b"a" * (256 * 1024)
        yield b'"}}'

    response = await app_client.post(
        f"{API}/{SLUG}/notes",
        content=body(),
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert sent <= 6  # stopped at the 1 MB cap, not after 50 MB


async def test_an_ordinary_body_still_passes(
    app_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    note = {"text": {"fr": "x" * 4000}}
    response = await app_client.post(f"{API}/{SLUG}/notes", json=note, headers=auth)
    assert response.status_code == 201, response.text


# -- 9: cursors in query strings are range-checked -------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/@{SLUG}/outbox?page=true&max_id=99999999999999999999",
        f"/@{SLUG}/outbox?page=true&max_id=2147483648",
        f"/@{SLUG}/outbox?page=true&max_id=-1",
        f"/@{SLUG}?kind=note&before=99999999999999999999",
        f"/@{SLUG}?kind=note&before=1_9999999999999999999",
        f"/@{SLUG}?kind=note&before=1_2147483648",
        f"/@{SLUG}?kind=note&before=99999999999999999999_1",
        f"/@{SLUG}?kind=note&before=9223372036854775808",
        f"/@{SLUG}?kind=note&before=0",
        f"{API}/{SLUG}/network?before=99999999999999999999",
        f"{API}/{SLUG}/network?before=1e400",
    ],
)
async def test_huge_or_negative_cursors_are_422_not_500(
    app_client: httpx.AsyncClient, auth: dict[str, str], path: str
) -> None:
    # The token lets the cursor reach its check on the network route, which needs a role.
    response = await app_client.get(path, headers=auth)
    assert response.status_code == 422, response.text


async def test_the_largest_valid_cursor_is_an_empty_page(
    app_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await app_client.get(f"{API}/{SLUG}/network?before=2147483647", headers=auth)
    assert response.status_code == 200
    assert response.json() == []
    outbox = await app_client.get(
        f"/@{SLUG}/outbox?page=true&max_id=2147483647",
        headers={"Accept": "application/activity+json"},
    )
    assert outbox.status_code == 200


# -- 10: the Host header is not reflected -------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.test", "node-a.test.evil.test", "evil.test:443"])
async def test_redirects_name_the_node_whatever_host_was_sent(
    app_client: httpx.AsyncClient, association: Actor, host: str
) -> None:
    response = await app_client.get(f"/@{SLUG}/", headers={"Host": host})
    assert response.status_code in (301, 307, 308)
    assert response.headers["location"] == f"http://node-a.test/@{SLUG}"


async def test_the_api_location_names_the_node_whatever_host_was_sent(
    app_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await app_client.post(
        f"{API}/{SLUG}/notes",
        json={"text": {"fr": "Permanence"}},
        headers={**auth, "Host": "evil.test"},
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"].startswith(f"http://node-a.test{API}/{SLUG}/notes/")


# -- 11: security headers -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", f"/@{SLUG}", "/no/such/page"])
async def test_html_pages_carry_a_strict_policy(
    app_client: httpx.AsyncClient, association: Actor, path: str
) -> None:
    response = await app_client.get(path, headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


async def test_json_answers_are_not_sniffed_either(
    app_client: httpx.AsyncClient, association: Actor
) -> None:
    response = await app_client.get(f"/@{SLUG}", headers={"Accept": "application/activity+json"})
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
