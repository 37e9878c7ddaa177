"""Every content type published through the API of one node reaches a follower on another:
Create, Update and Delete, each shown there as it changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from test_two_nodes import AP, follow, network, wait_for

from nodes import Node

pytestmark = pytest.mark.federation

TEXTS = {"title": {"fr": "Titre", "ar": "عنوان"}, "body": {"fr": "Texte **fort**", "ar": "نص"}}

BODIES: dict[str, dict[str, Any]] = {
    "notes": {"text": {"fr": "Une note", "ar": "ملاحظة"}},
    "declarations": {"texts": TEXTS, "adopted_on": "2026-06-20", "adopted_at_place": "Tunis"},
    "struggles": {"texts": TEXTS, "status": "ongoing", "countries": ["TN"], "topics": ["asylum"]},
    "events": {
        "texts": TEXTS,
        "starts": "2027-12-18T15:00:00",
        "ends": "2027-12-18T18:00:00",
        "timezone": "Africa/Tunis",
        "place": {"name": "Place Mohamed Ali", "locality": "Tunis", "country": "TN"},
    },
    "resources": {"texts": TEXTS, "kind": "guide", "languages": ["fr", "ar"]},
    "practices": {"texts": TEXTS, "outcome": "victory"},
}
KINDS = {
    "notes": "note",
    "declarations": "declaration",
    "struggles": "struggle",
    "events": "event",
    "resources": "resource",
    "practices": "practice",
}


def by_id(node: Node, slug: str) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in network(node, slug)}


def test_each_type_is_created_updated_and_deleted_on_a_follower(
    make_node: Callable[..., Node],
) -> None:
    a = make_node("a", "alpha")
    b = make_node("b", "beta")
    token = a.cli("tokens", "create", "--email", "admin@a.example", "--name", "test").stdout.strip()
    a.start()
    b.start()
    follow(b, "beta", a, "alpha")
    api = httpx.Client(
        base_url=f"{a.base_url}/api/v1/associations/alpha",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )

    created: dict[str, dict[str, Any]] = {}
    for path, body in BODIES.items():
        response = api.post(f"/{path}", json=body)
        assert response.status_code == 201, response.text
        created[path] = response.json()
    ids = {path: obj["id"] for path, obj in created.items()}

    received = wait_for(
        "every type on B",
        lambda: (seen := by_id(b, "beta")) and set(ids.values()) <= set(seen) and seen,
    )
    for path, object_id in ids.items():
        item = received[object_id]
        assert item["kind"] == KINDS[path], path
        assert set(item["content"]) == {"fr", "ar"}, path
    event = received[ids["events"]]
    assert event["event"]["starts"].startswith("2027-12-18T14:00:00")  # Tunis is UTC+1
    assert event["event"]["timezone"] == "Africa/Tunis"
    assert event["event"]["place"] == "Place Mohamed Ali"

    # Update: change the French text of each; B shows the change.
    for path, body in BODIES.items():
        changed = dict(body)
        if "text" in changed:
            changed["text"] = {"fr": "Une note corrigée", "ar": "ملاحظة"}
        else:
            changed["texts"] = {**TEXTS, "body": {"fr": "Texte corrigé", "ar": "نص"}}
        response = api.put(f"/{path}/{created[path]['public_id']}", json=changed)
        assert response.status_code == 200, response.text

    def all_updated() -> bool:
        seen = by_id(b, "beta")
        return all(ids[p] in seen and "corrig" in seen[ids[p]]["content"]["fr"] for p in ids)

    wait_for("every update on B", all_updated)

    # Delete: the object pages answer 410 and B no longer shows them.
    for path, obj in created.items():
        assert api.delete(f"/{path}/{obj['public_id']}").status_code == 204
        assert httpx.get(obj["id"], headers=AP, timeout=5).status_code == 410
    wait_for("every delete on B", lambda: not set(ids.values()) & set(by_id(b, "beta")))
    assert "inbox_processed type=Delete state=done" in b.log()
