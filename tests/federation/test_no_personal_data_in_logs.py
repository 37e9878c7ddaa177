"""No IP address or user agent is logged or stored: a run of two real nodes is read back.

Requests come from a loopback address of their own (127.0.0.77) with a recognisable user
agent and a forwarded-for header (the node trusts proxy headers from 127.0.0.1, as behind a
reverse proxy); they follow, publish, fail to sign, ask for missing pages. Afterwards neither
address nor user agent appears in the logs of the nodes or in their databases.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from test_two_nodes import AP, follow, wait_for

from nodes import Node

pytestmark = pytest.mark.federation

CLIENT_ADDRESS = "127.0.0.77"
FORWARDED_FOR = "203.0.113.45"
USER_AGENT = "PrivacyProbe/9.9 (phone of someone at risk)"


def _database_bytes(node: Node) -> bytes:
    files = [p for p in Path(node.data_dir).glob("migrantnet.db*") if p.is_file()]
    return b"".join(p.read_bytes() for p in files)


def test_a_run_leaves_no_ip_address_or_user_agent_behind(make_node: Callable[..., Node]) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")
    a.start()
    b.start()
    follow(a, "alpha", b, "beta")
    note_id = b.cli("post", "beta", "Assemblée samedi").stdout.strip()

    headers = {"User-Agent": USER_AGENT, "X-Forwarded-For": FORWARDED_FOR}
    transport = httpx.HTTPTransport(local_address=CLIENT_ADDRESS)
    with httpx.Client(transport=transport, headers=headers, timeout=10) as client:
        for node in (a, b):
            assert client.get(f"{node.base_url}/@alpha").status_code in (200, 404)
            assert client.get(f"{node.base_url}/@nobody").status_code == 404
            assert client.get(f"{node.base_url}/@beta/followers", headers=AP).status_code in (
                200,
                404,
            )
            unsigned = client.post(
                f"{node.base_url}/inbox",
                content=b'{"type": "Follow", "actor": "https://x.example/u", "object": "y"}',
                headers={"Content-Type": "application/activity+json"},
            )
            assert 400 <= unsigned.status_code < 500
            bad_api = client.get(
                f"{node.base_url}/api/v1/associations/alpha/following",
                headers={"Authorization": "Bearer mn_wrong"},
            )
            assert bad_api.status_code == 401
        assert client.get(note_id).status_code == 200
    wait_for("the note on A", lambda: "Assembl" in httpx.get(note_id, timeout=5).text)
    a.stop()
    b.stop()

    for node in (a, b):
        log = node.log()
        assert "inbox_received" in log or "follow_" in log  # the log is really the run's
        for secret in (CLIENT_ADDRESS, FORWARDED_FOR, "PrivacyProbe"):
            assert secret not in log, (node.name, secret)
            assert secret.encode() not in _database_bytes(node), (node.name, secret)
