"""A new association's first hour, in a real browser against real node processes: sign in,
write in two languages, an event in Buenos Aires, invite an editor, follow another node and
approve a follow request, a reply from the other node under the declaration, sign out; and
what the pages do with bad input."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from playwright.sync_api import Browser, Page, expect

from nodes import Node

PASSWORD = "a long test password"
PHONE = {"width": 390, "height": 844}


def sign_in(page: Page, node: Node, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{node.base_url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def reload_until(page: Page, text: str, seconds: float = 30) -> None:
    """Federation is asynchronous: reload until the page shows `text`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in page.content():
            return
        time.sleep(0.5)
        page.reload()
    expect(page.locator("main")).to_contain_text(text)


def test_first_hour(
    page: Page, browser: Browser, make_live_node: Callable[[str, str], Node]
) -> None:
    alpha = make_live_node("alpha", "alpha_assoc")
    beta = make_live_node("beta", "beta_assoc")

    # Sign in: the dashboard lists the association.
    sign_in(page, alpha, "admin@alpha.example")
    expect(page).to_have_url(f"{alpha.base_url}/admin")
    page.get_by_role("link", name="Alpha Assoc").click()

    # A declaration in English and Arabic, previewed, then published.
    page.get_by_role("link", name="Declaration", exact=True).click()
    page.get_by_label("Title").fill("For the right to stay")
    page.locator("#f-body\\.en").fill("We ask for **papers** for all.")
    page.get_by_label("Add a language").fill("ar")
    page.get_by_role("button", name="Add this language").click()
    expect(page.locator("fieldset.language[lang=ar]")).to_have_attribute("dir", "rtl")
    expect(page.locator("#f-title\\.en")).to_have_value("For the right to stay")
    page.locator("#f-title\\.ar").fill("من أجل الحق في البقاء")
    page.locator("#f-body\\.ar").fill("نطالب **بالأوراق** للجميع.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview strong").first).to_have_text("papers")
    expect(page.locator(".preview article[lang=ar]")).to_contain_text("بالأوراق")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_have_text("Published.")

    # It is on the public page, in both languages.
    page.get_by_role("link", name="For the right to stay").click()
    expect(page.locator("h1")).to_contain_text("For the right to stay")
    declaration_url = page.url
    texts = page.locator("nav.languages")  # shown in English, linked in Arabic
    texts.get_by_role("link", name="العربية").click()
    expect(page.locator("main")).to_contain_text("من أجل الحق في البقاء")

    # Switch the interface to Arabic: right to left, Arabic labels, remembered by a cookie.
    page.locator("nav.switcher").get_by_role("link", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    page.goto(f"{alpha.base_url}/admin")  # no ?lang= any more: the cookie chooses
    expect(page.locator("h1")).to_have_text("الإدارة")  # "Manage"
    site = page.get_by_role("navigation", name="الموقع")  # "Site"
    expect(site.get_by_role("link", name="حسابك")).to_be_visible()  # "Your account"
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    # A Latin name inside the Arabic page is isolated and keeps its own direction.
    name = page.locator("main bdi", has_text="Alpha Assoc")
    assert name.evaluate("e => getComputedStyle(e).direction") == "ltr"
    page.locator("nav.switcher").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("h1")).to_have_text("Manage")

    # An event in Buenos Aires, its time in words before publishing.
    page.goto(f"{alpha.base_url}/admin/alpha_assoc/new/event")
    page.get_by_label("Title").fill("Asamblea")
    page.get_by_label("Starts").fill("2027-12-18T15:00")
    page.get_by_label("Ends").fill("2027-12-18T18:00")
    page.get_by_label("Time zone").fill("America/Argentina/Buenos_Aires")
    page.get_by_label("Name of the place").fill("Plaza de Mayo")
    page.get_by_role("button", name="Preview").click()
    when = page.locator(".when")
    expect(when).to_contain_text(
        "Saturday 18 December 2027, 15:00 – 18:00 (America/Argentina/Buenos_Aires)"
    )
    expect(when).to_contain_text("18:00 – 21:00 (UTC)")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_have_text("Published.")

    # Invite an editor, who signs in with the link.
    page.goto(f"{alpha.base_url}/admin/alpha_assoc/members")
    page.get_by_label("Their e-mail").fill("amina@example.org")
    page.get_by_label("Role").select_option("editor")
    page.get_by_role("button", name="Create the invitation link").click()
    link = page.get_by_label("Invitation link").input_value()
    assert link.startswith(f"{alpha.base_url}/invite/")
    amina = browser.new_context(viewport=PHONE).new_page()
    amina.goto(link)
    expect(amina.locator("h1")).to_have_text("Join Alpha Assoc")
    amina.get_by_label("Choose a password").fill("amina's long passphrase")
    amina.get_by_label("Password again").fill("amina's long passphrase")
    amina.get_by_role("button", name="Accept and sign in").click()
    expect(amina).to_have_url(f"{alpha.base_url}/admin/alpha_assoc")
    expect(amina.locator("main")).to_contain_text("editor")
    amina.context.close()

    # Follow the other node's association by its handle, after a preview.
    page.goto(f"{alpha.base_url}/admin/alpha_assoc/network")
    page.get_by_label("Handle or address").fill(f"@beta_assoc@{beta.domain}")
    page.get_by_role("button", name="Look it up").click()
    expect(page.locator("main")).to_contain_text("Beta Assoc")
    expect(page.locator("main")).to_contain_text("an organisation")
    page.get_by_role("button", name="Follow as Alpha Assoc").click()
    expect(page.get_by_role("status")).to_contain_text("Follow request sent")
    reload_until(page, "Following (1)")
    deadline = time.monotonic() + 30
    while "waiting for their answer" in page.content() and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    assert "waiting for their answer" not in page.content()

    # Approve a follow request: followers are approved by hand from now on.
    page.goto(f"{alpha.base_url}/admin/alpha_assoc/settings")
    page.get_by_label("Approve new followers by hand").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    beta.cli("follow", "beta_assoc", f"@alpha_assoc@{alpha.domain}")
    page.goto(f"{alpha.base_url}/admin/alpha_assoc/network")
    reload_until(page, "Follow requests (1)")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_have_text("Follow request approved.")
    expect(page.locator("#followers")).to_have_text("Followers (1)")

    # A reply from the second node shows under the declaration: Beta's admin pastes its
    # address, sees what it is, and answers it.
    other = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
    other.set_default_timeout(15_000)
    sign_in(other, beta, "admin@beta.example")
    expect(other).to_have_url(f"{beta.base_url}/admin")
    other.goto(f"{beta.base_url}/admin/beta_assoc")
    other.get_by_role("link", name="Reply to a post").click()
    other.get_by_label("Address of the post").fill(declaration_url)
    other.get_by_role("button", name="Look it up").click()
    expect(other.locator(".quoted")).to_contain_text("For the right to stay")
    expect(other.locator(".quoted")).to_contain_text(f"@alpha_assoc@{alpha.domain}")
    other.get_by_role("button", name="Reply as Beta Assoc").click()
    expect(other.get_by_role("textbox", name="In reply to")).to_have_value(declaration_url)
    other.locator("#f-body\\.en").fill("Beta Assoc signs it too.")
    other.get_by_role("button", name="Publish").click()
    expect(other.get_by_role("status")).to_have_text("Published.")
    other.context.close()
    page.goto(declaration_url)
    reload_until(page, "Beta Assoc signs it too.")
    thread = page.locator("#replies")
    expect(thread).to_contain_text(f"@beta_assoc@{beta.domain}")
    expect(thread.get_by_role("heading")).to_have_text("Replies (1)")

    # Sign out: the account pages need signing in again.
    page.goto(f"{alpha.base_url}/account")
    page.locator("form[action='/logout'] button").click()
    expect(page).to_have_url(f"{alpha.base_url}/")
    page.goto(f"{alpha.base_url}/account")
    expect(page).to_have_url(re.compile(r"/login\?next=/account$"))
    assert declaration_url.startswith(alpha.base_url)


def test_bad_input_in_the_browser(page: Page, make_live_node: Callable[[str, str], Node]) -> None:
    node = make_live_node("gamma", "gamma_assoc")
    # A form sent without its token is refused with a page that says why.
    response = page.request.post(
        f"{node.base_url}/login",
        form={"email": "admin@gamma.example", "password": PASSWORD},
        headers={"Accept": "text/html"},
    )
    assert response.status == 403 and "did not come from this site" in response.text()

    # next= pointing elsewhere is ignored after signing in.
    page.goto(f"{node.base_url}/login?next=https://evil.example/")
    page.get_by_label("E-mail").fill("admin@gamma.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{node.base_url}/admin")

    # An event with an unknown zone or an end before its start comes back with the message.
    page.goto(f"{node.base_url}/admin/gamma_assoc/new/event")
    page.get_by_label("Title").fill("<script>alert(1)</script>")
    page.get_by_label("Starts").fill("2027-12-18T15:00")
    page.get_by_label("Ends").fill("2027-12-18T14:00")
    page.get_by_label("Time zone").fill("Mars/Olympus")
    page.get_by_label("Name of the place").fill("Somewhere")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#e-timezone")).to_contain_text("is not an IANA time zone")
    expect(page.get_by_label("Title")).to_have_value("<script>alert(1)</script>")
    page.get_by_label("Time zone").fill("Europe/Rome")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#e-ends")).to_have_text("the event must end after it starts")

    # Five wrong passwords slow sign-in for that account, with a clear message.
    other = page.context.browser.new_context().new_page()  # type: ignore[union-attr]
    for _ in range(5):
        other.goto(f"{node.base_url}/login")
        other.get_by_label("E-mail").fill("admin@gamma.example")
        other.get_by_label("Password").fill("not the password")
        other.get_by_role("button", name="Sign in").click()
    expect(other.locator("#e-password")).to_contain_text("too many wrong passwords")
    other.context.close()
