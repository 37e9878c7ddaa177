"""A group's thread between two real node processes: node B hosts the group and one of its
associations starts a thread; an association of node A, a member, learns of it from the
group's Announce, replies over HTTP, and the reply shows on B's thread page (and comes back
to A announced). Once B's moderators lock the thread, A's next reply is refused: stored,
never announced, not on the page; the group's Lock shows A's copy locked too, and its
Undo{Lock} opens it again."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from test_two_nodes import following, wait_for

from nodes import Node

pytestmark = pytest.mark.federation


def threads(node: Node, group: str) -> str:
    return node.cli("groups", "threads", group).stdout


def thread_page(node: Node) -> str:
    listing = httpx.get(f"{node.base_url}/@assembly/threads", timeout=5).text
    found = re.search(r'href="(/@assembly/threads/\d+)"', listing)
    assert found is not None, listing
    return httpx.get(f"{node.base_url}{found.group(1)}", timeout=5).text


def test_a_member_on_another_node_replies_in_a_thread_and_a_locked_one_refuses(
    make_node: Callable[..., Node],
) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")

    def host_the_group() -> None:
        b.cli("groups", "create", "assembly", "--name", "Asamblea", "--admin-email", b.admin_email)
        b.start()

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(host_the_group), pool.submit(a.start)]:
            done.result()
    handle = f"@assembly@{b.domain}"
    b.cli("follow", "beta", handle)
    a.cli("follow", "alpha", handle)
    wait_for("the group's Accept on A", lambda: following(a, "alpha")[0]["state"] == "accepted")

    started = b.cli(
        "groups",
        "thread-start",
        "assembly",
        "beta",
        "--title",
        "Caravana 2031",
        "--text",
        "¿Quién se suma?",
        "--language",
        "es",
    )
    root = started.stdout.strip().splitlines()[-1]
    # A learns of the thread from the group's Announce
    wait_for("the thread on A", lambda: root in threads(a, handle))

    replied = a.cli("groups", "thread-reply", handle, "alpha", root, "--text", "Desde A, sí")
    reply = replied.stdout.strip().splitlines()[-1]
    assert reply.startswith(a.base_url)
    wait_for("A's reply on B's thread page", lambda: "Desde A, sí" in thread_page(b))
    page = thread_page(b)
    assert "Caravana 2031" in page and "@alpha@" in page
    # the group announced it back: A counts it in the thread too
    wait_for("the reply counted on A", lambda: f"{root}  1  Caravana 2031" in threads(a, handle))

    b.cli("groups", "thread-lock", "assembly", root)
    # the group sends its members Lock: A's copy is locked, and A refuses to send a reply
    wait_for("the lock on A", lambda: "[locked]" in threads(a, handle))
    refused = a.cli(
        "groups", "thread-reply", handle, "alpha", root, "--text", "Demasiado tarde", check=False
    )
    assert refused.returncode != 0
    assert "closed to new replies" in refused.stdout + refused.stderr
    # a plain reply to the first message, not through A's thread, is refused by the group
    a.cli("post", "alpha", "Demasiado tarde", "--in-reply-to", root)
    wait_for(
        "B refusing the reply",
        lambda: "event=group_reply_refused group=assembly reason=thread_closed" in b.log(),
    )
    page = thread_page(b)
    assert "Demasiado tarde" not in page and "Desde A, sí" in page
    assert "This discussion is locked: no new reply." in page
    assert f"{root}  1  Caravana 2031  [locked]" in threads(b, "assembly")

    # unlocked: Undo{Lock} opens A's copy again
    b.cli("groups", "thread-lock", "assembly", root, "--unlock")
    wait_for("the unlock on A", lambda: "[locked]" not in threads(a, handle))
