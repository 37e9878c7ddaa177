"""Accounts in the browser: sign-in, sessions, CSRF, slowed guessing, next=, oversized forms."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from browser_forms import HTML, csrf_of, form_token, sign_in, submit
from sqlalchemy import select

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.models import Actor, SignInFailures, WebSession
from migrantnet.web import (
    account_pages,
    admin_pages,
    authoring,
    cosign_pages,
    network_pages,
    settings_pages,
)

ADMIN = "admin@node-a.test"
PASSWORD = "correct horse battery"
# Every router of pages with forms.
FORM_ROUTERS = (
    account_pages.router,
    admin_pages.router,
    authoring.router,
    network_pages.router,
    settings_pages.router,
    cosign_pages.router,
)


@pytest.fixture
async def browser(
    settings: Settings, db: Database, association: Actor
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        yield httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.base_url)


def other_browser(browser: httpx.AsyncClient) -> httpx.AsyncClient:
    """A second browser on the same app, with its own cookies."""
    return httpx.AsyncClient(transport=browser._transport, base_url=str(browser.base_url))


async def test_sign_in_keeps_only_a_hash_and_sets_a_safe_cookie(
    browser: httpx.AsyncClient, db: Database
) -> None:
    response = await sign_in(browser, ADMIN, PASSWORD)
    assert response.headers["location"] == "/admin"
    cookie = next(h for h in response.headers.get_list("set-cookie") if "mn_session=" in h)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    token = cookie.split("=", 1)[1].split(";", 1)[0]
    async with db.session() as session:
        rows = list(await session.scalars(select(WebSession)))
    assert len(rows) == 1 and token not in rows[0].token_hash and len(rows[0].token_hash) == 64

    account = await browser.get("/account", headers=HTML)
    assert account.status_code == 200 and ADMIN in account.text
    assert account.headers["cache-control"] == "no-store"
    assert "this browser" in account.text


async def test_a_page_for_members_sends_others_to_sign_in_and_back(
    browser: httpx.AsyncClient,
) -> None:
    response = await browser.get("/admin/tunis_migrants/members", headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin/tunis_migrants/members"
    page = await browser.get(response.headers["location"], headers=HTML)
    assert 'name="next" value="/admin/tunis_migrants/members"' in page.text
    signed = await submit(
        browser,
        "/login?next=/admin/tunis_migrants/members",
        "/login",
        {"email": ADMIN, "password": PASSWORD, "next": "/admin/tunis_migrants/members"},
    )
    assert signed.headers["location"] == "/admin/tunis_migrants/members"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\r\n//evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
    ],
)
async def test_no_open_redirect_after_sign_in(browser: httpx.AsyncClient, target: str) -> None:
    page = await browser.get("/login", params={"next": target}, headers=HTML)
    assert 'name="next" value="/admin"' in page.text
    response = await browser.post(
        "/login",
        data={
            "email": ADMIN,
            "password": PASSWORD,
            "next": target,
            "csrf_token": csrf_of(page.text),
        },
        headers=HTML,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"


async def test_wrong_password_is_refused_with_the_email_kept(browser: httpx.AsyncClient) -> None:
    response = await submit(
        browser, "/login", "/login", {"email": "<b>x</b>@node-a.test", "password": "nope"}
    )
    assert response.status_code == 401
    assert "wrong e-mail or password" in response.text
    assert 'value="&lt;b&gt;x&lt;/b&gt;@node-a.test"' in response.text
    assert "<b>x</b>" not in response.text


async def test_five_wrong_passwords_slow_sign_in_for_that_account(
    browser: httpx.AsyncClient, db: Database
) -> None:
    statuses = []
    for _ in range(5):
        response = await submit(browser, "/login", "/login", {"email": ADMIN, "password": "guess"})
        statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 401, 429]
    assert "too many wrong passwords for this account" in response.text
    # Even the right password waits now: guessing gains nothing.
    right = await submit(browser, "/login", "/login", {"email": ADMIN, "password": PASSWORD})
    assert right.status_code == 429
    assert "wait 1 minute" in right.text
    async with db.session() as session, session.begin():
        row = (await session.scalars(select(SignInFailures))).one()
        assert row.failures == 5
        row.last_failed_at -= timedelta(minutes=1)  # the wait has passed
    await sign_in(browser, ADMIN, PASSWORD)
    async with db.session() as session:
        assert list(await session.scalars(select(SignInFailures))) == []


async def test_a_post_without_the_form_token_is_refused(browser: httpx.AsyncClient) -> None:
    response = await browser.post(
        "/login", data={"email": ADMIN, "password": PASSWORD}, headers=HTML
    )
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    assert (
        "set-cookie" not in response.headers or "mn_session" not in response.headers["set-cookie"]
    )
    forged = await browser.post(
        "/login",
        data={"email": ADMIN, "password": PASSWORD, "csrf_token": "0" * 64},
        headers=HTML,
    )
    assert forged.status_code == 403


async def test_every_form_of_the_pages_checks_the_token(browser: httpx.AsyncClient) -> None:
    """Signed in, every POST route of the pages refuses a form without the token."""
    await sign_in(browser, ADMIN, PASSWORD)
    posts = [
        route.path
        for router in FORM_ROUTERS
        for route in router.routes
        if "POST" in getattr(route, "methods", set())
    ]
    assert "/login" in posts and "/admin/{slug}/members" in posts
    fill = {
        "{slug}": "tunis_migrants",
        "{token}": "x",
        "{session_id}": "1",
        "{kind}": "note",
        "{public_id}": "x",
        "{decision}": "approve",
    }
    for path in posts:
        for placeholder, value in fill.items():
            path = path.replace(placeholder, value)
        assert "{" not in path, path
        response = await browser.post(path, data={"anything": "1"}, headers=HTML)
        assert response.status_code == 403, (path, response.status_code)
    assert (await browser.get("/account", headers=HTML)).status_code == 200


async def test_a_ten_megabyte_field_is_refused_with_a_message(browser: httpx.AsyncClient) -> None:
    token = await form_token(browser, "/login")
    huge = "x" * (10 * 1024 * 1024)
    response = await browser.post(
        "/login", data={"email": huge, "password": "p", "csrf_token": token}, headers=HTML
    )
    assert response.status_code == 413
    assert "This form is too large" in response.text
    multipart = await browser.post(
        "/login",
        data={"csrf_token": token, "password": "p"},
        files={"email": (None, huge)},
        headers=HTML,
    )
    assert multipart.status_code == 413
    assert "This form is too large" in multipart.text


async def test_sign_out_ends_the_session_on_the_server(
    browser: httpx.AsyncClient, db: Database
) -> None:
    await sign_in(browser, ADMIN, PASSWORD)
    stolen = dict(browser.cookies)
    response = await submit(browser, "/account", "/logout", {})
    assert response.status_code == 303 and response.headers["location"] == "/"
    async with db.session() as session:
        assert list(await session.scalars(select(WebSession))) == []
    thief = other_browser(browser)
    thief.cookies.update(stolen)
    assert (await thief.get("/account", headers=HTML)).status_code == 303


async def test_sessions_are_listed_and_another_one_can_be_ended(
    browser: httpx.AsyncClient,
) -> None:
    phone = other_browser(browser)
    await sign_in(phone, ADMIN, PASSWORD)
    await sign_in(browser, ADMIN, PASSWORD)
    page = await browser.get("/account", headers=HTML)
    assert page.text.count("End this session") == 1
    assert (await phone.get("/account", headers=HTML)).status_code == 200
    ended = await submit(browser, "/account", "/account/sessions/end-others", {})
    assert ended.headers["location"] == "/account?done=sessions_ended"
    assert (await phone.get("/account", headers=HTML)).status_code == 303
    assert (await browser.get("/account", headers=HTML)).status_code == 200


async def test_one_cannot_end_someone_elses_session(browser: httpx.AsyncClient) -> None:
    await sign_in(browser, ADMIN, PASSWORD)
    response = await submit(browser, "/account", "/account/sessions/999/end", {})
    assert response.status_code == 404


async def test_change_password_checks_the_current_one_and_ends_other_sessions(
    browser: httpx.AsyncClient,
) -> None:
    phone = other_browser(browser)
    await sign_in(phone, ADMIN, PASSWORD)
    await sign_in(browser, ADMIN, PASSWORD)
    wrong = await submit(
        browser,
        "/account",
        "/account/password",
        {
            "current_password": "nope",
            "new_password": "a new passphrase",
            "confirm_password": "a new passphrase",
        },
    )
    assert wrong.status_code == 422
    assert 'id="e-current_password"' in wrong.text and "is not your current password" in wrong.text
    short = await submit(
        browser,
        "/account",
        "/account/password",
        {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
    )
    assert short.status_code == 422 and "too short" in short.text
    done = await submit(
        browser,
        "/account",
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new passphrase",
            "confirm_password": "a new passphrase",
        },
    )
    assert done.headers["location"] == "/account?done=password_changed"
    assert (await phone.get("/account", headers=HTML)).status_code == 303
    assert (await browser.get("/account", headers=HTML)).status_code == 200
    again = other_browser(browser)
    await sign_in(again, ADMIN, "a new passphrase")
