"""An association changes node (issue 12), across three real nodes: `alpha` on A is followed
by `gamma` on C and follows it back; A exports it, B imports it (and follows `gamma` again
from there), B's admin names the old actor as an alias (the import page's button), A moves it.
C checks the alias, follows the new `alpha` on B and stops following the old one; A's actor
says `movedTo`, its page sends readers to B, and it accepts no new follower."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from bovine_peer import AP_JSON
from test_two_nodes import follow, following, network, total, wait_for

from nodes import Node


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "no CSRF token in the page"
    return found.group(1)


def states(node: Node, slug: str) -> dict[str, str]:
    """Handle -> state of what `slug` on `node` follows."""
    return {entry["handle"]: entry["state"] for entry in following(node, slug)}


def test_an_association_moves_and_its_follower_follows_it_to_the_new_node(
    make_node: Callable[..., Node], tmp_path: Path
) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")
    c = make_node("c", "gamma")
    for node in (a, b, c):
        node.auth()  # the API tokens, made once, before the processes start
    with ThreadPoolExecutor(3) as pool:
        for done in [pool.submit(node.start) for node in (a, b, c)]:
            done.result()
    old, new = f"{a.base_url}/@alpha", f"{b.base_url}/@alpha"

    follow(c, "gamma", a, "alpha")
    follow(a, "alpha", c, "gamma")
    a.cli("post", "alpha", "Permanence juridique **mardi**", "--language", "fr")
    wait_for("the note on C", lambda: network(c, "gamma"))

    archive = tmp_path / "alpha.zip"
    a.cli("associations", "export", "alpha", str(archive))
    imported = b.cli("associations", "import", str(archive), "--owner", b.admin_email).stdout
    assert "1 objects" in imported and "new keys" in imported
    assert f"@gamma@{c.domain}" in imported  # the follower to tell, listed
    assert "Following again 1 of 1 accounts" in imported
    # What the old alpha followed, the new one follows: C receives B's Follow and accepts it.
    wait_for(
        "B's alpha following gamma",
        lambda: states(b, "alpha").get(f"@gamma@{c.domain}") == "accepted",
    )
    assert total(c, "/@gamma/followers") == 2  # the old alpha and the new one
    copy = httpx.get(new, headers={"Accept": AP_JSON}, timeout=5).json()
    mine = httpx.get(old, headers={"Accept": AP_JSON}, timeout=5).json()
    assert copy["publicKey"]["publicKeyPem"] != mine["publicKey"]["publicKeyPem"]
    assert "mardi" in httpx.get(new, timeout=5).text  # its note is on its new page
    assert total(b, "/@alpha/outbox") == 1
    # B's admin owns it: the routes that need a role on it answer
    assert httpx.get(
        f"{b.base_url}/api/v1/associations/alpha/following", headers=b.auth()
    ).is_success

    # Without the alias the old node refuses to move: anyone could claim the followers.
    refused = a.cli("associations", "move", "alpha", new, check=False)
    assert refused.returncode == 2
    assert "does not name" in refused.stderr + refused.stdout
    # B's admin names the old actor with the import page's button, over real HTTP.
    with httpx.Client(base_url=b.base_url, timeout=10) as browser:
        login = browser.get("/login")
        browser.post(
            "/login",
            data={
                "csrf_token": csrf_of(login.text),
                "email": b.admin_email,
                "password": "a long test password",
            },
        )
        token = csrf_of(browser.get("/admin/import-association").text)
        aliased = browser.post(
            "/admin/import-association/alias",
            data={"csrf_token": token, "slug": "alpha", "old_actor": old},
        )
    assert aliased.status_code == 200, aliased.text[:500]
    assert "The new account names the old one" in aliased.text
    # B's serve process sees the command's change within its check interval (1 s)
    wait_for(
        "the alias in B's actor",
        lambda: (
            httpx.get(new, headers={"Accept": AP_JSON}, timeout=5).json().get("alsoKnownAs")
            == [old]
        ),
    )
    moved = a.cli("associations", "move", "alpha", new).stdout
    assert "1 inboxes are sent the Move" in moved

    wait_for(
        "C following the new alpha",
        lambda: states(c, "gamma").get(f"@alpha@{b.domain}") == "accepted",
    )
    assert states(c, "gamma")[f"@alpha@{a.domain}"] == "undone"
    wait_for("C gone from the old alpha's followers", lambda: total(a, "/@alpha/followers") == 0)
    assert total(b, "/@alpha/followers") == 1
    assert "type=Move" in c.log()

    actor = httpx.get(old, headers={"Accept": AP_JSON}, timeout=5).json()
    assert actor["movedTo"] == new
    page = httpx.get(old, timeout=5)
    assert page.status_code == 303 and page.headers["location"] == new

    # The old alpha takes no new follower: C asking again is rejected.
    c.cli("follow", "gamma", f"@alpha@{a.domain}")
    wait_for(
        "the old alpha's Reject",
        lambda: states(c, "gamma").get(f"@alpha@{a.domain}") == "rejected",
    )
    assert total(a, "/@alpha/followers") == 0
