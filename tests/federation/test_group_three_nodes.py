"""A group across three real nodes (FEP-1b12, issue 11): associations of nodes A and B join
a group hosted on node C. An event A addresses to the group reaches C's group agenda and
calendar, and B's agenda through the group's Announce; A's cancellation reaches all three
(the calendar says STATUS:CANCELLED with a higher SEQUENCE); once A has left, what it still
addresses to the group is not announced, while a member's later item still is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import icalendar
import pytest
from bovine_peer import AP_JSON, BovinePeer
from test_two_nodes import following, wait_for

from nodes import Node

pytestmark = pytest.mark.federation

JUNE = {"from": "2030-06-01", "to": "2030-06-30"}
ZONE = "America/Argentina/Buenos_Aires"


def agenda(node: Node, **params: str) -> dict[str, str]:
    """Title -> status of the events in a node's agenda (optionally one group's)."""
    response = httpx.get(f"{node.base_url}/api/v1/agenda", params={**JUNE, **params}, timeout=5)
    assert response.status_code == 200, response.text
    return {next(iter(item["name"].values())): item["status"] for item in response.json()["events"]}


def calendar(group: str) -> dict[str, icalendar.Event]:
    """Summary -> VEVENT of the group's own calendar (`/@group/agenda.ics`, on its node)."""
    response = httpx.get(f"{group}/agenda.ics", params=JUNE, timeout=5)
    assert response.status_code == 200, response.text
    parsed = icalendar.Calendar.from_ical(response.content)
    return {str(item["SUMMARY"]): item for item in parsed.walk("VEVENT")}


def post_event(
    node: Node, slug: str, title: str, day: int, group: str
) -> tuple[str, dict[str, Any]]:
    """Publish an event addressed to the group; its API address and body, for an edit."""
    body: dict[str, Any] = {
        "texts": {"title": {"es": title}, "body": {"es": "Todas"}},
        "starts": f"2030-06-{day:02d}T18:30:00",
        "ends": f"2030-06-{day:02d}T20:00:00",
        "timezone": ZONE,
        "place": {"name": "Plaza de Mayo", "locality": "Buenos Aires", "country": "AR"},
        "group": group,
    }
    url = f"{node.base_url}/api/v1/associations/{slug}/events"
    created = httpx.post(url, json=body, headers=node.auth(), timeout=10)
    assert created.status_code == 201, created.text
    return str(created.headers["Location"]), body


@pytest.fixture
def outsider() -> Iterator[BovinePeer]:
    """An actor of no node of ours and no member of the group."""
    bovine = BovinePeer("outsider")
    bovine.start()
    yield bovine
    bovine.stop()


def test_a_group_across_three_nodes(make_node: Callable[..., Node], outsider: BovinePeer) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")
    c = make_node("c", "gamma")

    # the commands run in this process (they set os.environ): one after another
    c.cli("groups", "create", "assembly", "--name", "Asamblea", "--admin-email", c.admin_email)
    a.auth()  # the API tokens, made once
    b.auth()
    # the three process starts side by side: each is its own subprocess
    with ThreadPoolExecutor(3) as pool:
        for done in [pool.submit(node.start) for node in (a, b, c)]:
            done.result()
    group = f"{c.base_url}/@assembly"

    a.cli("follow", "alpha", f"@assembly@{c.domain}")
    # B joins through the API (a remote group is followed as any account)
    joining = f"{b.base_url}/api/v1/associations/beta/following"
    handle = f"@assembly@{c.domain}"
    assert httpx.post(joining, json={"account": handle}, timeout=5).status_code == 401
    asked = httpx.post(joining, json={"account": handle}, headers=b.auth(), timeout=10)
    assert asked.status_code == 200, asked.text
    assert asked.json() == {"actor": group, "handle": handle, "state": "pending"}
    unknown = {"account": "not a handle"}
    assert httpx.post(joining, json=unknown, headers=b.auth(), timeout=5).status_code == 422
    wait_for("C's Accept on A", lambda: following(a, "alpha")[0]["state"] == "accepted")
    wait_for("C's Accept on B", lambda: following(b, "beta")[0]["state"] == "accepted")

    # A publishes an event to the group: C's group agenda, B's agenda, C's group calendar
    location, body = post_event(a, "alpha", "Asamblea de junio", 18, group)
    wait_for("the event in C's group agenda", lambda: "Asamblea de junio" in agenda(c, group=group))
    wait_for("the group's Announce on B", lambda: "Asamblea de junio" in agenda(b))
    assert agenda(b, group=group) == {"Asamblea de junio": "confirmed"}
    shown = calendar(group)["Asamblea de junio"]
    # 18:30 in Buenos Aires (UTC-3, no daylight saving) is 21:30 UTC
    assert shown.decoded("DTSTART").astimezone(UTC) == datetime(2030, 6, 18, 21, 30, tzinfo=UTC)
    assert shown.decoded("DTEND").astimezone(UTC) == datetime(2030, 6, 18, 23, 0, tzinfo=UTC)
    first_sequence = int(shown.get("SEQUENCE", 0))
    page = httpx.get(group, timeout=5).text  # the group's page points readers at it
    assert '<link rel="alternate" type="text/calendar"' in page
    assert 'href="/@assembly/agenda.ics"' in page
    assert f'href="webcal://{c.domain}/@assembly/agenda.ics"' in page

    # A cancels it: all three agendas and C's calendar say so
    cancelled = {**body, "status": "cancelled"}
    edited = httpx.put(location, json=cancelled, headers=a.auth(), timeout=10)
    assert edited.status_code == 200, edited.text
    assert agenda(a)["Asamblea de junio"] == "cancelled"
    wait_for(
        "the cancellation on C",
        lambda: agenda(c, group=group).get("Asamblea de junio") == "cancelled",
    )
    wait_for("the cancellation on B", lambda: agenda(b).get("Asamblea de junio") == "cancelled")
    shown = calendar(group)["Asamblea de junio"]
    assert str(shown["STATUS"]) == "CANCELLED"
    assert int(shown["SEQUENCE"]) > first_sequence

    # A leaves; what it still addresses to the group is not announced (A is no member now)
    leaving = f"{a.base_url}/api/v1/associations/alpha/following"
    left = httpx.delete(leaving, params={"account": group}, headers=a.auth(), timeout=10)
    assert left.status_code == 204, left.text
    members = f"{c.base_url}/@assembly"
    wait_for(
        "A gone from the group's members",
        lambda: "1 member association" in httpx.get(members, timeout=5).text,
    )
    # A's own node no longer lets it address the group
    body["texts"] = {"title": {"es": "Después de irse"}, "body": {"es": "Todas"}}
    refused = httpx.post(
        f"{a.base_url}/api/v1/associations/alpha/events", json=body, headers=a.auth(), timeout=10
    )
    assert refused.status_code == 422, refused.text

    # a non-member (a bovine actor) addresses an event to the group's inbox directly
    profile = httpx.get(group, headers={"Accept": AP_JSON}, timeout=5).json()
    intruder = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{outsider.base_url}/events/intruder",
        "type": "Event",
        "attributedTo": outsider.actor_id,
        "name": "Intrusa",
        "content": "<p>Nadie me invitó</p>",
        "startTime": "2030-06-22T18:00:00-03:00",
        "endTime": "2030-06-22T20:00:00-03:00",
        "to": [group, "https://www.w3.org/ns/activitystreams#Public"],
        "audience": group,
    }
    create = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{outsider.base_url}/activities/intruder-create",
        "type": "Create",
        "actor": outsider.actor_id,
        "to": intruder["to"],
        "object": intruder,
    }
    status = outsider.run(outsider.post(profile["inbox"], create))
    assert status < 500, status
    wait_for(
        "C turning the non-member's post down",
        lambda: "event=group_post_from_non_member group=assembly" in c.log(),
    )

    # a member's later item is the positive that comes after; then the absences are asserted
    post_event(b, "beta", "Asamblea de julio", 25, group)
    wait_for(
        "B's later event in C's group agenda", lambda: "Asamblea de julio" in agenda(c, group=group)
    )
    for shown_on in (agenda(c, group=group), agenda(b), calendar(group)):
        assert "Intrusa" not in shown_on
    # ... and the group's Announces no longer reach A, which left
    assert "Asamblea de julio" not in agenda(a)
