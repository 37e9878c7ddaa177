"""The Follow button in a real browser: it works without JavaScript (a `<details>` and a GET
form), and with JavaScript the handle is copied in one click."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Browser, expect

from nodes import Node

PHONE = {"width": 390, "height": 844}


def test_follow_without_javascript_reaches_the_visitors_server(
    browser: Browser, make_live_node: Callable[[str, str], Node]
) -> None:
    ours = make_live_node("ours", "ours_assoc")
    theirs = make_live_node("theirs", "their_assoc")
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{ours.base_url}/@ours_assoc")
    expect(page.get_by_role("button", name="Copy")).to_be_hidden()  # needs the script
    page.locator("summary", has_text="Follow").click()
    page.get_by_label("Your handle").fill("not a handle")
    page.get_by_role("button", name="Go to my server").click()
    expect(page.locator("#follow-error")).to_contain_text("Give your handle as @name@server")
    expect(page.get_by_label("Your handle")).to_have_value("not a handle")
    page.get_by_label("Your handle").fill(f"@their_assoc@{theirs.domain}")
    page.get_by_role("button", name="Go to my server").click()
    # Their server asks them to sign in first, then to confirm.
    expect(page).to_have_url(re.compile(re.escape(f"{theirs.base_url}/login?next=")))
    assert "authorize_interaction" in page.url and "ours_assoc" in page.url
    expect(page.get_by_label("Password")).to_be_visible()
    context.close()


def test_the_handle_is_copied_in_one_click(
    browser: Browser, make_live_node: Callable[[str, str], Node]
) -> None:
    ours = make_live_node("copy", "copy_assoc")
    context = browser.new_context(viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ours.base_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{ours.base_url}/@copy_assoc")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("status").first).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"@copy_assoc@{ours.domain}"
    assert errors == []  # nothing refused by the CSP
    context.close()
