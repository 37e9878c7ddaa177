"""Two real nodes on loopback ports, each with its own database, driven through their public
interfaces: HTTP and the `migrantnet` command."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nodes import Node

pytestmark = pytest.mark.federation

AP = {"Accept": "application/activity+json"}


def wait_for(what: str, check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last value: {last!r}")


def following(node: Node, slug: str) -> list[dict[str, Any]]:
    url = f"{node.base_url}/api/v1/associations/{slug}/following"
    return httpx.get(url, headers=node.auth(), timeout=5).json()


def network(node: Node, slug: str) -> list[dict[str, Any]]:
    url = f"{node.base_url}/api/v1/associations/{slug}/network"
    return httpx.get(url, headers=node.auth(), timeout=5).json()


def total(node: Node, path: str) -> int:
    return httpx.get(f"{node.base_url}{path}", headers=AP, timeout=5).json()["totalItems"]


def follow(a: Node, a_slug: str, b: Node, b_slug: str) -> None:
    a.cli("follow", a_slug, f"@{b_slug}@{b.domain}")
    wait_for(
        "the Accept",
        lambda: [f for f in following(a, a_slug) if f["state"] == "accepted"],
    )
    assert total(b, f"/@{b_slug}/followers") == 1
    assert total(a, f"/@{a_slug}/following") == 1


def test_follow_accept_publish_receive_unfollow(make_node: Callable[..., Node]) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")
    a.start()
    b.start()

    follow(a, "alpha", b, "beta")
    [entry] = following(a, "alpha")
    assert entry["handle"] == f"@beta@{b.domain}"

    note_id = b.cli(
        "post", "beta", "Régularisation **pour toutes et tous**", "--language", "fr"
    ).stdout.strip()
    [item] = wait_for("the note on A", lambda: network(a, "alpha"))
    assert item["id"] == note_id
    assert item["actor"] == f"{b.base_url}/@beta"
    assert item["content"] == {"fr": "<p>Régularisation <strong>pour toutes et tous</strong></p>"}

    # The note's own URL serves the same object to servers and a page to people.
    as_json = httpx.get(note_id, headers=AP, timeout=5)
    assert as_json.headers["content-type"].startswith("application/activity+json")
    assert as_json.json()["contentMap"] == item["content"]
    assert "pour toutes et tous" in httpx.get(note_id, timeout=5).text

    a.cli("unfollow", "alpha", f"@beta@{b.domain}")
    wait_for("the Undo on B", lambda: total(b, "/@beta/followers") == 0)
    assert following(a, "alpha")[0]["state"] == "undone"
    b.cli("post", "beta", "After the unfollow")
    time.sleep(1.0)
    # B no longer delivers to A: A received one Create in all.
    assert a.log().count("inbox_received type=Create") == 1


def test_key_rotation_is_picked_up_by_followers(make_node: Callable[..., Node]) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")
    a.start()
    b.start()
    follow(a, "alpha", b, "beta")

    old_key = httpx.get(f"{b.base_url}/@beta", headers=AP, timeout=5).json()["publicKey"]
    b.cli("associations", "rotate-key", "beta")

    def served_key() -> dict[str, str] | None:
        key = httpx.get(f"{b.base_url}/@beta", headers=AP, timeout=5).json()["publicKey"]
        return key if key["publicKeyPem"] != old_key["publicKeyPem"] else None

    # The running node sees another process's change within its cache's second.
    new_key = wait_for("the new key served", served_key)
    assert new_key["id"] == old_key["id"]
    assert new_key["publicKeyPem"] != old_key["publicKeyPem"]
    # and to a signed GET, as A's key lookup makes, before B signs with it
    wait_for(
        "the new key served to a signed GET",
        lambda: (
            new_key["publicKeyPem"].strip().splitlines()[1]
            in a.cli("fetch", f"{b.base_url}/@beta").stdout.replace("\\n", "\n")
        ),
    )

    note_id = b.cli("post", "beta", "Signed with the new key").stdout.strip()
    wait_for(
        "the note signed with the new key",
        lambda: [i for i in network(a, "alpha") if i["id"] == note_id],
    )
    assert "key_fetched" in a.log() and "refresh=True" in a.log()
    assert "signature_refused" not in a.log()


def test_deliveries_wait_for_a_node_that_is_down_and_nothing_is_applied_twice(
    make_node: Callable[..., Node],
) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")
    a.start()
    b.start()
    follow(b, "beta", a, "alpha")  # B follows A

    b.stop()
    first = a.cli("post", "alpha", "Published while B is down").stdout.strip()
    wait_for("a failed delivery attempt", lambda: "outcome=retry" in a.log(), timeout=10)

    # A stops too and publishes from the command line meanwhile: the job is in A's database
    # and its worker sends it once A is back. (A crash mid-send is covered by the worker tests:
    # the claimed job's lease expires and it is sent again.)
    a.stop()
    second = a.cli("post", "alpha", "Published while A itself was stopped").stdout.strip()
    b.start()
    a.start()

    items = wait_for(
        "both notes on B", lambda: len(network(b, "beta")) >= 2 and network(b, "beta"), timeout=40
    )
    ids = [item["id"] for item in items]
    assert sorted(ids) == sorted([first, second])
    time.sleep(1.0)
    assert sorted(i["id"] for i in network(b, "beta")) == sorted([first, second])
    # Each Create was stored once on B, whatever the retries.
    assert b.log().count("inbox_received type=Create") == 2


def test_node_actor_and_discovery(make_node: Callable[..., Node]) -> None:
    a = make_node("a", "alpha")
    a.start()
    links = httpx.get(f"{a.base_url}/.well-known/nodeinfo", timeout=5).json()["links"]
    rels = {link["rel"]: link["href"] for link in links}
    info = httpx.get(rels["http://nodeinfo.diaspora.software/ns/schema/2.1"], timeout=5).json()
    assert info["software"]["name"] == "migrantnet"
    assert info["protocols"] == ["activitypub"]
    app_actor = httpx.get(
        rels["https://www.w3.org/ns/activitystreams#Application"], headers=AP, timeout=5
    ).json()
    assert app_actor["type"] == "Application"
    assert app_actor["publicKey"]["owner"] == app_actor["id"]
    jrd = httpx.get(
        f"{a.base_url}/.well-known/webfinger",
        params={"resource": f"acct:alpha@{a.domain}"},
        timeout=5,
    ).json()
    [self_link] = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_link["href"] == f"{a.base_url}/@alpha"
    relay = httpx.get(
        f"{a.base_url}/.well-known/webfinger",
        params={"resource": f"acct:relay@{a.domain}"},
        timeout=5,
    ).json()
    assert relay["links"][0]["href"] == app_actor["id"]


def test_following_a_node_actor_relays_every_public_item_of_that_node(
    make_node: Callable[..., Node],
) -> None:
    """As a Mobilizon instance 'follows an instance': through its Application actor."""
    a = make_node("a", "alpha")
    b = make_node("b", "beta")
    a.start()
    b.start()
    b.cli("follow", "beta", f"@relay@{a.domain}")
    wait_for(
        "the node actor's Accept",
        lambda: [f for f in following(b, "beta") if f["state"] == "accepted"],
    )
    assert total(a, "/actor/followers") == 1

    note_id = a.cli("post", "alpha", "Shared with every node that follows ours").stdout.strip()
    [item] = wait_for("the relayed note on B", lambda: network(b, "beta"))
    assert item["id"] == note_id
    assert item["actor"] == f"{a.base_url}/@alpha"  # kept under its author, not the relay
    followers_only = a.cli(
        "post",
        "alpha",
        "Only for followers",
        "--visibility",
        "followers",
        "--confirm-followers-only",
    ).stdout.strip()
    time.sleep(1.5)
    assert followers_only not in [i["id"] for i in network(b, "beta")]


def test_a_mention_reaches_the_mentioned_account_and_hashtags_are_tags(
    make_node: Callable[..., Node],
) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")
    a.start()
    b.start()
    note_id = a.cli(
        "post", "alpha", f"Solidarity #Regularisation with @beta@{b.domain}"
    ).stdout.strip()
    doc = httpx.get(note_id, headers=AP, timeout=5).json()
    assert {
        "type": "Hashtag",
        "name": "#regularisation",
        "href": f"{a.base_url}/tags/regularisation",
    } in doc["tag"]
    assert {"type": "Mention", "name": f"@beta@{b.domain}", "href": f"{b.base_url}/@beta"} in doc[
        "tag"
    ]
    assert f"{b.base_url}/@beta" in doc["cc"]
    # B does not follow A, but the note mentions one of its associations: it is kept.
    wait_for("the mention on B", lambda: "inbox_processed type=Create state=done" in b.log())


def test_an_association_that_approves_followers_by_hand(make_node: Callable[..., Node]) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")
    c = make_node("c", "gamma")
    assert (
        "alpha updated." in a.cli("associations", "update", "alpha", "--approve-followers").stdout
    )
    a.start()
    b.start()
    c.start()
    assert httpx.get(f"{a.base_url}/@alpha", headers=AP, timeout=5).json()[
        "manuallyApprovesFollowers"
    ]
    b.cli("follow", "beta", f"@alpha@{a.domain}")
    c.cli("follow", "gamma", f"@alpha@{a.domain}")
    wait_for(
        "both requests on A", lambda: a.cli("followers", "pending", "alpha").stdout.count("@") >= 4
    )
    time.sleep(0.5)
    assert following(b, "beta")[0]["state"] == "pending"
    assert total(a, "/@alpha/followers") == 0
    # A followers-only post while the requests wait goes to nobody (issue 12).
    a.cli("post", "alpha", "Before any approval", "--visibility", "followers")

    a.cli("followers", "approve", "alpha", f"@beta@{b.domain}")
    a.cli("followers", "reject", "alpha", f"@gamma@{c.domain}")
    wait_for("the Accept on B", lambda: following(b, "beta")[0]["state"] == "accepted")
    wait_for("the Reject on C", lambda: following(c, "gamma")[0]["state"] == "rejected")
    assert total(a, "/@alpha/followers") == 1
    a.cli("post", "alpha", "For approved followers", "--visibility", "followers")
    wait_for("the followers-only post on B", lambda: "inbox_processed type=Create" in b.log())
    time.sleep(1.0)  # C, rejected, would have had it by now
    # One Create each way: the post made while B waited never reached it, nor C at all.
    assert b.log().count("inbox_received type=Create") == 1
    assert c.log().count("inbox_received type=Create") == 0
    unknown = a.cli("followers", "approve", "alpha", "@nobody@nowhere.example", check=False)
    assert unknown.returncode == 2
    assert "no pending follow request" in unknown.stderr
