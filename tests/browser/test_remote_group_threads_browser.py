"""A group of another node, in a real browser on a phone: node B hosts the group and starts a
thread; node A's association joins it; A's admin finds "Discussions" on the network page,
reads the thread B's group relayed, answers from the form, and the answer reaches B's own
thread page over HTTP (the group relayed it). The two new pages have no serious axe-core
violation in English or Arabic. With `MIGRANTNET_SCREENSHOT_DIR` set, each is saved there."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page
from test_accessibility import PASSWORD, serious_violations

from nodes import Node


def wait_for(what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("MIGRANTNET_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_an_admin_reads_and_answers_a_thread_of_a_group_on_another_node(
    page: Page, make_live_node: Callable[[str, str], Node]
) -> None:
    a = make_live_node("alpha", "tunis_migrants")
    b = make_live_node("beta", "beta")
    b.cli("groups", "create", "assembly", "--name", "Asamblea", "--admin-email", b.admin_email)
    handle = f"assembly@{b.domain}"
    b.cli("follow", "beta", f"@{handle}")
    a.cli("follow", "tunis_migrants", f"@{handle}")
    following = f"{a.base_url}/api/v1/associations/tunis_migrants/following"
    wait_for(
        "the group's Accept on A",
        lambda: httpx.get(following, headers=a.auth(), timeout=5).json()[0]["state"] == "accepted",
    )
    started = b.cli(
        "groups", "thread-start", "assembly", "beta", "--title", "Caravana 2031",
        "--text", "¿Quién se suma a la caravana de marzo?", "--language", "es",
    )  # fmt: skip
    root = started.stdout.strip().splitlines()[-1]
    wait_for("the thread on A", lambda: root in a.cli("groups", "threads", f"@{handle}").stdout)

    page.goto(f"{a.base_url}/login")
    page.get_by_label("E-mail").fill(a.admin_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{a.base_url}/admin/tunis_migrants/network")
    page.get_by_role("link", name="Discussions").click()
    assert page.locator("h1").inner_text().startswith("Asamblea")
    listing = page.url
    shoot(page, "remote-threads-en")
    page.get_by_role("link", name="Caravana 2031").click()
    assert page.locator("h1").inner_text() == "Caravana 2031"
    thread = page.url
    assert (
        page.get_by_role("link", name="See the discussion on its server").get_attribute("href")
        == root
    )
    page.get_by_label("Message", exact=True).fill("Desde Túnez, dos autobuses")
    page.get_by_role("button", name="Send the reply").click()
    assert "Desde Túnez, dos autobuses" in page.locator("ol.replies").inner_text()
    shoot(page, "remote-thread-en")

    def on_b() -> bool:
        listed = httpx.get(f"{b.base_url}/@assembly/threads", timeout=5).text
        path = listed.split('href="/@assembly/threads/', 1)[1].split('"', 1)[0]
        shown = httpx.get(f"{b.base_url}/@assembly/threads/{path}", timeout=5).text
        return "Desde Túnez, dos autobuses" in shown

    wait_for("A's answer on B's thread page", on_b)

    problems = {}
    for language in ("en", "ar"):
        for name, url in (("remote-threads", listing), ("remote-thread", thread)):
            page.goto(f"{url}?lang={language}")
            if language == "ar":
                assert page.locator("html").get_attribute("dir") == "rtl"
                shoot(page, f"{name}-ar")
            if found := serious_violations(page):
                problems[f"{name} [{language}]"] = found
    assert not problems, problems
