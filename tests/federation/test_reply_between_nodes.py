"""An association of one node answers a declaration of another: two real nodes, no follow
between them. The reply reaches the declaration's node (addressed to its author), shows under
the declaration's page and in its `replies` collection."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from test_cosign import declaration_of
from test_two_nodes import AP, wait_for

from nodes import Node

pytestmark = pytest.mark.federation


def replies_of(url: str) -> list[str]:
    first = httpx.get(f"{url}/replies?page=true", headers=AP, timeout=5).json()
    return [item if isinstance(item, str) else item["id"] for item in first["orderedItems"]]


def test_a_reply_from_another_node_shows_under_the_declaration(
    make_node: Callable[..., Node],
) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")
    a.cli("seed-demo")  # tunis_migrants publishes a declaration
    a.start()
    b.start()
    url = declaration_of(a, "tunis_migrants")
    assert "We stand with you" not in httpx.get(url, timeout=5).text

    posted = b.cli("post", "beta", "We stand with you.", "--in-reply-to", url)
    reply = posted.stdout.strip().splitlines()[-1]
    assert reply.startswith(f"{b.base_url}/@beta/")
    note = httpx.get(reply, headers=AP, timeout=5).json()
    assert note["inReplyTo"] == url
    assert f"{a.base_url}/@tunis_migrants" in note["cc"]

    def page_with_reply() -> str:
        text = httpx.get(url, timeout=5).text
        return text if "We stand with you" in text else ""

    page = wait_for("the reply under the declaration on A", page_with_reply)
    assert "Replies (1)" in page and f"@beta@{b.domain}" in page
    assert replies_of(url) == [reply]
    # On B, the reply's page says what it answers.
    assert f'href="{url}"' in httpx.get(reply, timeout=5).text
