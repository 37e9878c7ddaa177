"""A group's `Lock` / `Undo{Lock}` of a thread: what we send has Lemmy's shape and reads back
as the lock of that thread's first message."""

from __future__ import annotations

from migrantnet.federation.context import PUBLIC
from migrantnet.federation.normalize import first_id
from migrantnet.federation.parse import parse_activity
from migrantnet.federation.serialize.activities import lock_activity

GROUP = "https://a.example/@assembly"
FOLLOWERS = GROUP + "/followers"
ROOT = "https://b.example/@beta/objects/77"


def test_a_lock_names_the_threads_first_message_and_the_group_as_audience() -> None:
    doc = lock_activity(
        "https://a.example/activities/1", GROUP, FOLLOWERS, ROOT, locked=True, undo_id="unused"
    )
    assert doc["type"] == "Lock" and doc["actor"] == GROUP
    assert doc["object"] == ROOT  # a bare id, as Lemmy sends it
    assert doc["audience"] == GROUP and doc["to"] == [PUBLIC] and doc["cc"] == [FOLLOWERS]
    parsed = parse_activity(doc)
    assert (parsed.type, parsed.actor, parsed.object_id) == ("Lock", GROUP, ROOT)


def test_an_unlock_is_an_undo_of_a_lock_of_the_same_message() -> None:
    doc = lock_activity(
        "https://a.example/activities/2",
        GROUP,
        None,
        ROOT,
        locked=False,
        undo_id="https://a.example/activities/2/undo",
    )
    assert doc["type"] == "Undo" and doc["id"] == "https://a.example/activities/2/undo"
    assert doc["cc"] == [] and doc["audience"] == GROUP
    parsed = parse_activity(doc)
    assert parsed.type == "Undo" and parsed.object is not None
    inner = parsed.object
    assert "@context" not in inner
    assert inner["type"] == "Lock" and inner["id"] == "https://a.example/activities/2"
    assert first_id(inner["actor"]) == GROUP and first_id(inner["object"]) == ROOT
