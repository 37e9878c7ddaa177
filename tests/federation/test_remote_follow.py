"""Follow from the fediverse: a visitor whose account is on another node gives their handle on
our association page, is sent to their own server's confirmation page, confirms there, and
our association has a new follower. Two real node processes, real WebFinger, real forms."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from nodes import Node

pytestmark = pytest.mark.federation

HTML = {"Accept": "text/html"}
AP = {"Accept": "application/activity+json"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def followers(node: Node, slug: str) -> int:
    response = httpx.get(f"{node.base_url}/@{slug}/followers", headers=AP, timeout=5)
    return int(response.json()["totalItems"])


def test_a_visitor_follows_from_their_own_server(make_node: Callable[..., Node]) -> None:
    ours = make_node("ours", "ours_assoc")
    theirs = make_node("theirs", "their_assoc")
    ours.start()
    theirs.start()

    page = httpx.get(f"{ours.base_url}/@ours_assoc", headers=HTML, timeout=10)
    assert 'action="/@ours_assoc/follow"' in page.text
    sent = httpx.get(
        f"{ours.base_url}/@ours_assoc/follow",
        params={"handle": f"@their_assoc@{theirs.domain}"},
        headers=HTML,
        timeout=15,
    )
    assert sent.status_code == 303, sent.text
    location = urlsplit(sent.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == theirs.base_url
    assert location.path == "/authorize_interaction"
    assert parse_qs(location.query)["uri"] == [f"{ours.base_url}/@ours_assoc"]

    # On their own server, signed in, they confirm: see what it is, then follow.
    with httpx.Client(base_url=theirs.base_url, headers=HTML, timeout=15) as browser:
        login = browser.get("/login")
        token = CSRF.search(login.text)[1]
        signed = browser.post(
            "/login",
            data={
                "email": theirs.admin_email,
                "password": "a long test password",
                "csrf_token": token,
            },
        )
        assert signed.status_code == 303
        confirm = browser.get(sent.headers["location"])
        assert confirm.status_code == 200
        assert "See it and follow" in confirm.text
        preview = browser.post(
            "/admin/their_assoc/network/lookup",
            data={
                "handle": f"{ours.base_url}/@ours_assoc",
                "csrf_token": CSRF.search(confirm.text)[1],
            },
        )
        assert preview.status_code == 200, preview.text
        followed = browser.post(
            "/admin/their_assoc/network/follow",
            data={
                "handle": f"{ours.base_url}/@ours_assoc",
                "csrf_token": CSRF.search(preview.text)[1],
            },
        )
        assert followed.status_code == 303, followed.text

    deadline = time.monotonic() + 30
    while followers(ours, "ours_assoc") != 1 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert followers(ours, "ours_assoc") == 1
