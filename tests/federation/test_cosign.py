"""Co-signing a declaration across two real nodes, and withdrawing the signature."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from test_two_nodes import AP, wait_for

from nodes import Node

pytestmark = pytest.mark.federation


def declaration_of(node: Node, slug: str) -> str:
    outbox = httpx.get(f"{node.base_url}/@{slug}/outbox?page=true", headers=AP, timeout=5).json()
    [article] = [
        item["object"]
        for item in outbox["orderedItems"]
        if item["type"] == "Create"
        and item["object"]["type"] == "Article"
        and "signatories" in item["object"]
    ]
    return article["id"]


def signatories(url: str) -> list[str]:
    return httpx.get(f"{url}/signatories", headers=AP, timeout=5).json()["orderedItems"]


def test_an_association_on_another_node_cosigns_and_withdraws(
    make_node: Callable[..., Node],
) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")
    a.cli("seed-demo")  # tunis_migrants publishes a declaration
    a.start()
    b.start()
    url = declaration_of(a, "tunis_migrants")
    assert signatories(url) == []

    b.cli("cosign", "beta", url)
    # It waits for the declaration's association to approve it.
    pending = wait_for(
        "the pending signature on A",
        lambda: a.cli("signatures", "pending", "tunis_migrants").stdout.strip(),
    )
    assert pending == f"{url}\t{b.base_url}/@beta\t@beta@{b.domain}"
    assert signatories(url) == []
    a.cli("signatures", "approve", "tunis_migrants", url, f"@beta@{b.domain}")
    wait_for("the signature on A", lambda: signatories(url) == [f"{b.base_url}/@beta"])
    article = httpx.get(url, headers=AP, timeout=5).json()
    assert article["signatories"]["totalItems"] == 1
    page = httpx.get(url, timeout=5).text
    assert "Beta" in page  # the declaration's page lists its signatories

    # Signing twice changes nothing.
    b.cli("cosign", "beta", url)

    b.cli("withdraw-signature", "beta", url)
    wait_for("the withdrawal on A", lambda: signatories(url) == [])
    assert "inbox_processed type=Undo state=done" in a.log()
    assert a.log().count("inbox_processed type=Join state=done") == 1
