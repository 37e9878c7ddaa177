"""A group between two real nodes (FEP-1b12): node A hosts the group, an association of
node B joins it over HTTP and posts an event to it. The event reaches A's agenda through the
group's inbox, and the group's signed Announce of it reaches B (B's agenda lists it "via"
the group, which only that Announce can tell it)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from test_two_nodes import following, wait_for

from nodes import Node

pytestmark = pytest.mark.federation

JUNE = {"from": "2030-06-01", "to": "2030-06-30"}


def agenda(node: Node, **params: str) -> dict[str, str | None]:
    response = httpx.get(f"{node.base_url}/api/v1/agenda", params={**JUNE, **params}, timeout=5)
    assert response.status_code == 200, response.text
    return {
        next(iter(item["name"].values())): item["origin"]["via_group"]
        for item in response.json()["events"]
    }


def test_an_event_posted_to_a_group_on_another_node_is_in_both_agendas(
    make_node: Callable[..., Node],
) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")

    def host_the_group() -> None:
        a.cli("groups", "create", "assembly", "--name", "Asamblea", "--admin-email", a.admin_email)
        a.start()

    def member_node() -> None:
        b.start()
        b.auth()  # the API token, made once

    # the two nodes get ready side by side: each step is a process start
    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(host_the_group), pool.submit(member_node)]:
            done.result()
    group = f"{a.base_url}/@assembly"

    b.cli("follow", "beta", f"@assembly@{a.domain}")
    wait_for("the group's Accept", lambda: following(b, "beta")[0]["state"] == "accepted")
    body: dict[str, Any] = {
        "texts": {"title": {"es": "Asamblea de diciembre"}, "body": {"es": "Todas"}},
        "starts": "2030-06-18T10:00:00",
        "ends": "2030-06-18T12:00:00",
        "timezone": "America/Argentina/Buenos_Aires",
        "place": {"name": "Plaza de Mayo", "locality": "Buenos Aires", "country": "AR"},
        "group": group,
    }
    url = f"{b.base_url}/api/v1/associations/beta/events"
    created = httpx.post(url, json=body, headers=b.auth(), timeout=10)
    assert created.status_code == 201, created.text

    wait_for("the event in the group's agenda on A", lambda: agenda(a, group=group))
    assert agenda(a, group=group) == {"Asamblea de diciembre": group}
    wait_for("the group's Announce on B", lambda: agenda(b, group=group))
    assert agenda(b) == {"Asamblea de diciembre": group}
    members = httpx.get(f"{a.base_url}/@assembly", timeout=5).text
    assert "1 member association" in members
