"""Interoperability with bovine: a remote actor whose signing and verifying is bovine's code.

One migrantnet node process and one bovine peer (see `bovine_peer.py`) follow each other and
exchange activities over real HTTP on loopback. Every request either side receives is signed
by the other side's own code: migrantnet verifies bovine's signatures in its inbox, and bovine
verifies migrantnet's (deliveries and signed fetches) with its own verifier and key fetcher.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from bovine_peer import BovinePeer, Verified

from nodes import Node

pytestmark = pytest.mark.federation

SLUG = "migrants_tunis"
DEADLINE = 15.0


@pytest.fixture
def peer() -> Iterator[BovinePeer]:
    bovine = BovinePeer()
    bovine.start()
    yield bovine
    bovine.stop()


def collection_total(node: Node, path: str) -> int:
    response = httpx.get(
        f"{node.base_url}{path}", headers={"Accept": "application/activity+json"}, timeout=5
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/activity+json")
    return int(response.json()["totalItems"])


def wait_for_total(node: Node, path: str, expected: int) -> None:
    deadline = time.monotonic() + DEADLINE
    total = collection_total(node, path)
    while total != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        total = collection_total(node, path)
    assert total == expected, f"{path} has totalItems {total}, not {expected}:\n{node.log()}"


def object_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def test_bovine_peer_and_migrantnet_follow_each_other_and_deliver(
    make_node: Any, peer: BovinePeer
) -> None:
    node: Node = make_node("mn", SLUG)
    node.start()
    handle = f"{SLUG}@{node.domain}"

    # 1. bovine follows the association: found by WebFinger, Follow signed by bovine.
    association = peer.run(peer.lookup(handle, node.base_url))
    assert association == f"{node.base_url}/@{SLUG}"
    profile = peer.run(peer.fetch(association))
    assert profile["id"] == association
    follow = peer.activity_factory.follow(association).build()
    status = peer.run(peer.post(profile["inbox"], follow))
    assert status == 202, node.log()

    accept = peer.wait_for(
        lambda item: (
            item.activity is not None
            and item.activity.get("type") == "Accept"
            and object_id(item.activity.get("object")) == follow["id"]
        ),
        what="an Accept of its Follow",
    )
    assert accept.signer == association
    assert isinstance(accept.activity, dict)
    embedded = accept.activity["object"]
    assert isinstance(embedded, dict), "the Accept embeds the Follow"
    assert embedded["id"] == follow["id"]
    assert embedded["actor"] == peer.actor_id
    assert object_id(embedded["object"]) == association
    wait_for_total(node, f"/@{SLUG}/followers", 1)

    # 2. The association follows bovine; bovine accepts with a request it signs itself.
    node.cli("follow", SLUG, peer.actor_id)
    their_follow = peer.wait_for(
        lambda item: item.activity is not None and item.activity.get("type") == "Follow",
        what="the association's Follow",
    )
    assert their_follow.signer == association
    assert their_follow.activity is not None
    assert their_follow.activity["actor"] == association
    assert object_id(their_follow.activity["object"]) == peer.actor_id
    deadline = time.monotonic() + DEADLINE
    while not peer.sent and not peer.failures and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [status for _, status in peer.sent] == [202], (peer.sent, peer.failures, node.log())
    wait_for_total(node, f"/@{SLUG}/following", 1)

    # 3. The association publishes; its follower bovine gets the Create{Note}, verified.
    text = "Permanence juridique samedi 10h"
    node.cli("post", SLUG, text)

    def is_note(item: Verified) -> bool:
        activity = item.activity or {}
        note = activity.get("object")
        return (
            activity.get("type") == "Create"
            and isinstance(note, dict)
            and note.get("type") == "Note"
            and text in str(note.get("content", ""))
        )

    create = peer.wait_for(is_note, what="the Create{Note}")
    assert create.signer == association
    assert create.activity is not None
    assert create.activity["actor"] == association
    assert create.activity["object"]["attributedTo"] == association

    # migrantnet's signed fetches of the bovine actor were verified by bovine as well.
    assert any(get.signer == f"{node.base_url}/actor" for get in peer.verified_gets), (
        peer.verified_gets
    )
    assert peer.failures == [], peer.failures
    assert "event=signature_refused" not in node.log(), node.log()
