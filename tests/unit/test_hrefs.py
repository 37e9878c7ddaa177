"""Only http(s) URLs and our own paths become links on a page (issue 9, item 4)."""

from __future__ import annotations

import pytest

from migrantnet.web.hrefs import safe_href
from migrantnet.web.views.kind_pages import FileView
from migrantnet.web.views.parts import ActorLink, LinkView


@pytest.mark.parametrize(
    "value",
    [
        "https://peer.example/users/amina",
        "http://peer.example/@x?y=1#z",
        "HTTPS://PEER.EXAMPLE/",
        "/@tunis_migrants",
        "/media/ab/cd.pdf",
    ],
)
def test_web_links_and_our_paths_are_kept(value: str) -> None:
    assert safe_href(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.test/x",
        "/\\evil.test/x",
        "https://",
        "mailto:a@b.example",
        "",
        None,
    ],
)
def test_everything_else_has_no_target(value: str | None) -> None:
    assert safe_href(value) == ""


def test_view_links_check_their_url_when_made() -> None:
    assert ActorLink("x", "javascript:alert(1)", "").url == ""
    assert LinkView("data:text/html,x", "x").url == ""
    assert FileView("javascript:x", "f", None).url == ""
    assert LinkView("https://ok.example/", "ok").url == "https://ok.example/"
