"""Browser tests: one headless Chromium (Debian's `/usr/bin/chromium`) for the session, driven
by Python playwright, against real node processes (`tests/nodes.py`).

Tests here are plain (sync) functions; they run last (playwright's sync API holds the main
thread's event loop while it is open).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from nodes import Node

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
# The same patience for assertions as for actions: CI runs the SQLite and PostgreSQL passes
# side by side on two cores, and a publish that federates can take more than playwright's
# default 5 s there (seen once: the page was still the form when the check gave up).
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    browser_tests = [item for item in items if HERE in item.path.parents]
    if browser_tests:
        others = [item for item in items if HERE not in item.path.parents]
        items[:] = others + browser_tests


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"browser tests need Debian's chromium at {CHROMIUM} (.ci/run installs it)")
    chromium = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def make_live_node(tmp_path: Path) -> Iterator[Callable[[str, str], Node]]:
    made: list[Node] = []

    def make(name: str, association: str) -> Node:
        node = Node(name, tmp_path)
        node.init(association)
        made.append(node)
        node.start()
        return node

    yield make
    for node in made:
        node.close()
