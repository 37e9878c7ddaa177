"""A group's discussions in a real browser: a member association's editor starts a thread
from the form, answers a message with its own "Reply" link (the answer nests under it), the
group's moderator locks it (the form goes); the pages have no serious axe-core violation in
English or Arabic."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page
from test_accessibility import PASSWORD, serious_violations

from nodes import Node


def test_an_editor_starts_answers_and_locks_a_thread_in_the_browser(
    page: Page, make_live_node: Callable[[str, str], Node]
) -> None:
    node = make_live_node("threads", "tunis_migrants")
    node.cli(
        "groups", "create", "assembly", "--name", "Asamblea", "--admin-email", node.admin_email
    )
    node.cli("follow", "tunis_migrants", f"@assembly@{node.domain}")
    base = node.base_url
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(node.admin_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{base}/@assembly/threads")
    page.get_by_label("Title").fill("Caravana 2031")
    page.get_by_label("Message", exact=True).fill("¿Quién se suma?")
    page.get_by_role("button", name="Start the discussion").click()
    assert page.locator("h1").inner_text() == "Caravana 2031"
    page.get_by_label("Message", exact=True).fill("Nosotras, desde Túnez")
    page.get_by_role("button", name="Send the reply").click()
    first = page.locator("ol.replies > li").first
    assert "Nosotras, desde Túnez" in first.inner_text()

    first.get_by_role("link", name="Reply").click()
    assert page.get_by_role("heading", name="Reply to this message").is_visible()
    page.get_by_label("Message", exact=True).fill("Y con dos autobuses")
    page.get_by_role("button", name="Send the reply").click()
    nested = page.locator("ol.replies > li > ol.replies > li")
    assert nested.count() == 1 and "Y con dos autobuses" in nested.inner_text()

    problems = {}
    for language in ("en", "ar"):
        for path in ("/@assembly/threads", page.url.split("#")[0].split("?")[0], "/@assembly"):
            page.goto(f"{base}{path.removeprefix(base)}?lang={language}")
            if found := serious_violations(page):
                problems[f"{path} [{language}]"] = found
    assert not problems, problems

    page.goto(f"{base}/@assembly/threads")
    page.get_by_role("link", name="Caravana 2031").click()
    page.get_by_role("button", name="Lock the discussion").click()
    assert page.get_by_text("This discussion is locked: no new reply.").is_visible()
    assert page.get_by_role("button", name="Send the reply").count() == 0
    assert page.get_by_role("button", name="Unlock the discussion").is_visible()
