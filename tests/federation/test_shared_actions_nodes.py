"""Shared actions between two real nodes: an event that an association of node A publishes
naming co-organisers on node B reaches each of them by a way it chose, following A's
association or being a member of a group the event was posted to, and is then in its
calendar and feeds on B; a co-organiser that chose neither gets nothing in its feeds, even
when the event is in B's agenda because another association of B follows the author."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import feedparser
import httpx
import icalendar
import pytest
from test_two_nodes import following, wait_for

from nodes import Node

pytestmark = pytest.mark.federation

DECEMBER = {"from": "2030-12-01", "to": "2030-12-31"}


def agenda_titles(node: Node) -> set[str]:
    response = httpx.get(f"{node.base_url}/api/v1/agenda", params=DECEMBER, timeout=5)
    assert response.status_code == 200, response.text
    return {next(iter(item["name"].values())) for item in response.json()["events"]}


def feed_titles(node: Node, slug: str) -> set[str]:
    titles: list[set[str]] = []
    for suffix in ("atom", "rss"):
        response = httpx.get(f"{node.base_url}/@{slug}/feed.{suffix}", timeout=5)
        assert response.status_code == 200
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, parsed.bozo_exception
        titles.append({entry.title for entry in parsed.entries})
    assert titles[0] == titles[1]
    return titles[0]


def calendar(node: Node, slug: str) -> dict[str, Any]:
    response = httpx.get(f"{node.base_url}/@{slug}/agenda.ics", timeout=5)
    assert response.status_code == 200
    return {
        str(event["SUMMARY"]): event
        for event in icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    }


def event(title: str, organizers: list[str], group: str | None = None) -> dict[str, Any]:
    return {
        "texts": {"title": {"es": title}, "body": {"es": title}},
        "starts": "2030-12-18T10:00:00",
        "ends": "2030-12-18T18:00:00",
        "timezone": "America/Argentina/Buenos_Aires",
        "place": {"name": "Plaza de Mayo", "locality": "Buenos Aires", "country": "AR"},
        "organizers": organizers,
        "group": group,
    }


def test_co_organisers_on_another_node_get_the_event_by_follow_or_by_group(
    make_node: Callable[..., Node],
) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")

    # commands one at a time (the command runner is not shared between threads), then the
    # two processes start side by side
    a.cli("groups", "create", "assembly", "--name", "Asamblea", "--admin-email", a.admin_email)
    b.cli("associations", "create", "delta", "--name", "Delta")
    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(a.start), pool.submit(b.start)]:
            done.result()
    a.auth()
    b.auth()
    group = f"{a.base_url}/@assembly"
    beta, delta = f"{b.base_url}/@beta", f"{b.base_url}/@delta"

    # alpha joins its node's group through the API; beta follows alpha; delta joins the group
    joined = httpx.post(
        f"{a.base_url}/api/v1/groups/assembly/members",
        json={"association": "alpha"},
        headers=a.auth(),
        timeout=10,
    )
    assert joined.status_code == 200 and joined.json()["state"] == "accepted", joined.text
    b.cli("follow", "beta", f"@alpha@{a.domain}")
    b.cli("follow", "delta", f"@assembly@{a.domain}")
    wait_for("alpha's Accept", lambda: following(b, "beta")[0]["state"] == "accepted")
    wait_for("the group's Accept", lambda: following(b, "delta")[0]["state"] == "accepted")

    url = f"{a.base_url}/api/v1/associations/alpha/events"
    for body in (
        event("18D con beta", [beta]),
        event("18D en la asamblea", [delta], group),
        event("18D que delta no eligió", [delta]),
    ):
        created = httpx.post(url, json=body, headers=a.auth(), timeout=10)
        assert created.status_code == 201, created.text

    every = {"18D con beta", "18D en la asamblea", "18D que delta no eligió"}
    wait_for("the three events on B", lambda: agenda_titles(b) == every, timeout=30)
    # beta follows alpha: what names it is in its feeds and calendar, with the right time
    assert feed_titles(b, "beta") == {"18D con beta"}
    beta_calendar = calendar(b, "beta")
    assert set(beta_calendar) == {"18D con beta"}
    starts = beta_calendar["18D con beta"].decoded("DTSTART")
    assert starts.utcoffset().total_seconds() == -3 * 3600 and starts.hour == 10
    # delta is in the group: the group's Announce brings it what it co-organises there; the
    # event that only names it, from an association it does not follow, stays out of its feeds
    # (the group's Announce can come after alpha's own Create, which put it on B's agenda)
    wait_for("the group's Announce on B", lambda: feed_titles(b, "delta") == {"18D en la asamblea"})
    assert set(calendar(b, "delta")) == {"18D en la asamblea"}
    # on A, each co-organiser of A would have them too: the publisher has all three
    assert feed_titles(a, "alpha") == every
