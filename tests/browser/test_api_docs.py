"""The API docs render from the node's own files alone, under a CSP without inline script."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from nodes import Node


def test_api_docs_render_with_no_other_host(
    page: Page, make_live_node: Callable[[str, str], Node]
) -> None:
    node = make_live_node("docs", "docs_assoc")
    hosts: set[str] = set()
    problems: list[str] = []
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{node.base_url}/api/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.locator(".info .title")).to_contain_text("migrantnet")
    assert hosts == {node.domain}
    assert problems == []
