"""Every public page type and every form, in a real browser: no serious or critical axe-core
violation (in English and in Arabic), and each public page under 100 KB with its CSS and JS.

The figures are printed (`pytest -s` shows them): the page weight is the decoded size of the
document and of every stylesheet and script it loads, so compression does not flatter it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Response

from nodes import Node

PASSWORD = "a long test password"
PHONE = {"width": 390, "height": 844}
WEIGHT_LIMIT = 100_000
SERIOUS = {"serious", "critical"}


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({len(violation['nodes'])}×): {violation['nodes'][0]['html'][:160]}"
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
    ]


def weigh(browser: Browser, url: str) -> int:
    """Load `url` in a fresh context (nothing cached) and add up the decoded bytes of the
    document, its CSS and its JS."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    loaded: list[Response] = []

    def keep(response: Response) -> None:
        loaded.append(response)

    page.on("response", keep)
    page.goto(url)
    page.wait_for_load_state("load")
    page.remove_listener("response", keep)
    kinds = {"document", "stylesheet", "script"}
    weight = sum(len(r.body()) for r in loaded if r.request.resource_type in kinds and r.ok)
    assert any(r.request.resource_type == "stylesheet" for r in loaded), url
    context.close()
    return weight


def public_pages(page: Page, node: Node) -> dict[str, str]:
    """One URL per public page type, found by following the node's own links."""
    base = node.base_url
    page.goto(f"{base}/")
    associations = sorted(set(re.findall(r'href="(/@[a-z0-9_]+)"', page.content())))
    assert associations, "the seeded node lists its associations on the home page"
    pages = {
        "home": f"{base}/",
        "agenda": f"{base}/agenda",
        "agenda month": f"{base}/agenda/month/2026-12",
        "search": f"{base}/search?q=papiers",
        "directory": f"{base}/directory",
        "sign-in form": f"{base}/login",
    }
    for path in associations:
        page.goto(f"{base}{path}")
        pages.setdefault("association", f"{base}{path}")
        for link in re.findall(
            rf'href="({re.escape(base)}/@[a-z0-9_]+/objects/[0-9a-f]+)"', page.content()
        ):
            page.goto(link)
            kind = re.search(r'<article class="[^"]*\bkind-([a-z]+)', page.content())
            pages.setdefault(f"object: {kind.group(1) if kind else link}", link)
    return pages


def test_public_pages_and_forms_are_accessible_and_light(
    page: Page, browser: Browser, make_live_node: Callable[[str, str], Node]
) -> None:
    node = make_live_node("axe", "axe_assoc")
    node.cli("seed-demo")

    pages = public_pages(page, node)
    assert len(pages) >= 8, pages
    problems: dict[str, list[str]] = {}
    weights: dict[str, int] = {}
    for name, url in pages.items():
        weights[name] = weigh(browser, url)
        for language in ("en", "ar"):
            page.goto(f"{url}{'&' if '?' in url else '?'}lang={language}")
            if found := serious_violations(page):
                problems[f"{name} [{language}]"] = found
    print("\npage weight with CSS and JS (limit 100 KB):")
    for name, size in sorted(weights.items()):
        print(f"  {name:32} {size / 1000:6.1f} KB")
    heavy = {name: size for name, size in weights.items() if size >= WEIGHT_LIMIT}
    assert not heavy, heavy

    # Every form a signed-in admin uses, each kind's composer included.
    page.goto(f"{node.base_url}/login")
    page.get_by_label("E-mail").fill(node.admin_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{node.base_url}/admin/axe_assoc")
    forms = sorted(set(re.findall(r'href="(/admin/axe_assoc/[^"#?]*)"', page.content())))
    forms += ["/account", "/admin", "/admin/moderation"]
    assert any("/new/event" in form for form in forms) and len(forms) >= 10, forms
    for form in forms:
        for language in ("en", "ar"):
            page.goto(f"{node.base_url}{form}?lang={language}")
            assert page.locator("main").count() == 1, form
            if found := serious_violations(page):
                problems[f"{form} [{language}]"] = found
    assert not problems, problems
