"""Moderation between two real nodes: blocks stop everything both ways, reports arrive and are
decided, authorized fetch serves only signed and unblocked peers."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from test_two_nodes import AP, follow, following, network, total, wait_for

from nodes import Node

pytestmark = pytest.mark.federation


def test_a_domain_block_stops_delivery_and_fetch_both_ways_and_ends_follows(
    make_node: Callable[..., Node],
) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")
    a.start()
    b.start()
    follow(a, "alpha", b, "beta")
    follow(b, "beta", a, "alpha")
    before = a.cli("post", "alpha", "Before the block").stdout.strip()
    wait_for("the first note on B", lambda: [i for i in network(b, "beta") if i["id"] == before])

    out = a.cli("blocks", "add", b.domain, "--reason", "harassment").stdout
    assert f"blocked domain {b.domain}" in out
    listed = a.cli("blocks", "list").stdout
    assert f"domain\t{b.domain}\t" in listed and "harassment" in listed
    # Follows both ways end on A at once, without a word to B.
    assert [f["state"] for f in following(a, "alpha")] == ["undone"]
    assert total(a, "/@alpha/followers") == 0
    assert total(a, "/@alpha/following") == 0
    assert a.cli("blocks", "add", f"https://{b.domain}/", check=False).returncode == 2

    # The running node rereads its block list within a second of the command's change: until
    # then it would still accept B's delivery (the test failed when B posted that fast).
    wait_for(
        "A to see its block",
        lambda: "403" in b.cli("fetch", f"{a.base_url}/@alpha", check=False).stderr,
    )
    # Theirs is not accepted: B still counts A as a follower and delivers; A answers 403.
    from_b = b.cli("post", "beta", "After the block, from B").stdout.strip()
    wait_for("A's refusal", lambda: "inbox_refused reason=blocked" in a.log())
    wait_for(
        "B's delivery refused", lambda: "outcome=refused" in b.log() and "status=403" in b.log()
    )
    assert from_b not in [i["id"] for i in network(a, "alpha")]
    signed_note = httpx.post(
        f"{a.base_url}/inbox",
        content=b"{}",
        headers={"Content-Type": "application/activity+json"},
        timeout=5,
    )
    assert signed_note.status_code in (400, 401)  # an unsigned empty body is refused anyway

    # Ours is not delivered: A's note reaches nobody on B.
    created_on_b = b.log().count("inbox_received type=Create")
    after = a.cli("post", "alpha", "After the block, from A").stdout.strip()
    time.sleep(1.5)
    assert b.log().count("inbox_received type=Create") == created_on_b
    assert after not in [i["id"] for i in network(b, "beta")]

    # Theirs is not fetched: A's safe client refuses B's URLs before connecting.
    refused = a.cli("fetch", f"{b.base_url}/@beta", check=False)
    assert refused.returncode == 2 and "blocked by this node's moderators" in refused.stderr
    # Ours is not served to them: B's signed GETs get 403, for objects and the actor alike.
    for url in (after, f"{a.base_url}/@alpha", f"{a.base_url}/@alpha/outbox"):
        denied = b.cli("fetch", url, check=False)
        assert denied.returncode == 2 and "403" in denied.stderr, (url, denied.stderr)
    assert "fetch_refused reason=blocked" in a.log()
    # People are not machines: the HTML page and an unsigned GET still answer.
    assert httpx.get(after, timeout=5).status_code == 200
    assert httpx.get(after, headers=AP, timeout=5).status_code == 200

    assert f"unblocked {b.domain}" in a.cli("blocks", "remove", b.domain).stdout
    assert a.cli("blocks", "list").stdout.strip() == ""
    # The running node rereads its block list within a second of the command's change.
    fetched = wait_for(
        "B served again", lambda: b.cli("fetch", after, check=False).stdout.count(after)
    )
    assert fetched >= 1
    # The follows stay ended: they must be asked for again.
    assert total(a, "/@alpha/followers") == 0


def test_account_block_report_and_authorized_fetch(make_node: Callable[..., Node]) -> None:
    """A serves ActivityPub only to signed peers; B reports to A and is blocked; C's host is
    blocked by A."""
    a = make_node("a", "alpha", MIGRANTNET_AUTHORIZED_FETCH="true")
    b = make_node("b", "beta")
    c = make_node("c", "gamma")
    for node in (a, b, c):
        node.start()
    for follower, slug, followed, target in ((b, "beta", a, "alpha"), (a, "alpha", b, "beta")):
        follower.cli("follow", slug, f"@{target}@{followed.domain}")
        wait_for("the Accept", lambda f=follower, s=slug: following(f, s)[0]["state"] == "accepted")
    note = a.cli("post", "alpha", "Public, for signed peers only").stdout.strip()
    wait_for("the note on B", lambda: [i for i in network(b, "beta") if i["id"] == note])

    # Authorized fetch: unsigned GETs of objects and collections are refused, the actor (its
    # key) and the HTML pages are not; a signed GET from an allowed host is served.
    for url in (note, f"{a.base_url}/@alpha/outbox", f"{a.base_url}/@alpha/followers"):
        unsigned = httpx.get(url, headers=AP, timeout=5)
        assert unsigned.status_code == 401, url
        assert "signed requests" in unsigned.json()["error"]
        assert unsigned.headers["www-authenticate"].startswith("Signature")
    actor = httpx.get(f"{a.base_url}/@alpha", headers=AP, timeout=5)
    assert actor.status_code == 200 and actor.json()["publicKey"]["publicKeyPem"]
    assert httpx.get(note, timeout=5).status_code == 200  # the page, for people
    assert "Public, for signed peers only" in b.cli("fetch", note).stdout
    assert b.cli("fetch", note, "--unsigned", check=False).returncode == 2
    assert '"totalItems": 1' in c.cli("fetch", f"{a.base_url}/@alpha/followers").stdout
    # A signed GET from a blocked host is refused, though its signature is good.
    a.cli("blocks", "add", c.domain)
    time.sleep(1.5)  # the running node rereads its block list within a second
    denied = c.cli("fetch", note, check=False)
    assert denied.returncode == 2 and "403" in denied.stderr
    assert "fetch_refused reason=unsigned" in a.log()
    assert "fetch_refused reason=blocked" in a.log()

    # B reports alpha to A: the Flag lands in A's queue, from B's node actor.
    report_id = b.cli(
        "reports", "add", f"@alpha@{a.domain}", "--object", note, "--comment", "Spam"
    ).stdout.strip()
    assert f"forwarded to {a.domain}" in b.cli("reports", "forward", report_id).stdout
    queue = wait_for("the Flag in A's queue", lambda: a.cli("reports", "list").stdout.strip())
    [line] = queue.splitlines()
    a_report, state, reporter, targets, comment = line.split("\t")
    assert (state, reporter, comment) == ("open", f"{b.base_url}/actor", "Spam")
    assert targets.split() == [f"{a.base_url}/@alpha", note]

    # A blocks beta: beta's follow of alpha ends on A, and B, told by a Block, ends both.
    a.cli("blocks", "add", f"@beta@{b.domain}", "--reason", "abusive reports")
    assert '"totalItems": 0' in b.cli("fetch", f"{a.base_url}/@alpha/followers").stdout
    assert [f["state"] for f in following(a, "alpha")] == ["undone"]
    wait_for("the Block on B", lambda: "inbox_processed type=Block state=done" in b.log())
    assert [f["state"] for f in following(b, "beta")] == ["undone"]
    assert f"account\t{b.base_url}/@beta\t" in a.cli("blocks", "list").stdout

    resolved = a.cli("reports", "resolve", a_report, "--note", "blocked beta").stdout
    assert f"report {a_report} resolved" in resolved
    assert a.cli("reports", "list").stdout.strip() == ""
    assert f"{a_report}\tresolved\t" in a.cli("reports", "list", "--all").stdout
    again = a.cli("reports", "dismiss", a_report, check=False)
    assert again.returncode == 2 and "already resolved" in again.stderr
