"""Property test (hypothesis) of the inbox with signed requests (issue 9: fuzzing in CI with
a fixed budget): whatever a known peer signs and posts, the answer is 202 or the peer's error
(4xx with a reason), never a 5xx and never a hang; every 202 leaves an inbox row, and applying
the stored rows always ends each in a final state, a failure with its reason.

Activities of every type the inbox handles (and unknown ones) are built around a real peer's
actor, with fields dropped or given values of any JSON type, odd unicode, long lists, deep
nesting, and literals JSON parsers disagree on (`1e400`, 30-digit integers) written into the
raw body before it is signed with the peer's real RSA key. The peer is a real loopback server
(its key fetched once, then known); every URL in the data is the peer's or ours, so nothing
ever goes to DNS. The budget is fixed: `max_examples`, a deadline per example, and the same
examples on every run (`derandomize`, as the parser's property tests): CI stays reproducible.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from federation_peer import INBOX, PUBLIC, RemoteActor, rows
from hypothesis import HealthCheck, given
from hypothesis import settings as budget
from hypothesis import strategies as st

from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.federation.inbox import activity_key
from migrantnet.federation.inbox_processing import process_activity
from migrantnet.federation.payload import decode_json
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, InboxActivity, InboxState
from suite_settings import suite_settings

SLOWEST_SECONDS = 5.0  # one request on a loaded machine; a freeze would be far longer
BUDGET = budget(
    max_examples=100,
    deadline=timedelta(seconds=10),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)
FINAL = {InboxState.DONE, InboxState.IGNORED, InboxState.FAILED}
TYPES = [
    "Create",
    "Update",
    "Delete",
    "Announce",
    "Follow",
    "Undo",
    "Like",
    "Flag",
    "Move",
    "Accept",
    "Reject",
    "Block",
    "Add",
    "Remove",
    "EmojiReact",
    "Tombstone",
    "QuestionAnswer",
]
RAW = "\u0000raw\u0000"  # a marker string replaced in the serialized body by a raw literal
RAW_LITERALS = [
    b"1e400",
    b"-1e400",
    b"123456789012345678901234567890",
    b"1" * 5000,
    b"-0.0",
    b"[" * 3000 + b"]" * 3000,
    b"[" + b",".join([b'"x"'] * 30_000) + b"]",
    b'"\\ud800"',  # a lone surrogate
    b'"\\u0000"',
]
ODD_TEXT = st.text(max_size=30) | st.sampled_from(
    ["\u202etxet", "ﷺ" * 50, "𝕏" * 40, "\ufeff", "a\u0301" * 20, "\ud7ff", "e\u0000x", RAW]
)


KEYS = st.text(max_size=12) | st.sampled_from(["id", "type", "href", "name", "url", "\u202e"])


class Peer:
    """The one remote actor of a test, its namespace's URLs, and our association's."""

    def __init__(self, actor: RemoteActor, association: Actor) -> None:
        self.actor = actor
        self.association = association
        self.urls = [
            actor.actor_id,
            actor.followers,
            actor.new_id("notes"),
            actor.server.url("/elsewhere/users/carol"),
            association.ap_id,
            f"{association.ap_id}/followers",
            PUBLIC,
        ]


def scalars(peer: Peer) -> st.SearchStrategy[Any]:
    return (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**80), max_value=2**80)
        | st.floats(allow_nan=False, allow_infinity=False)
        | ODD_TEXT
        | st.sampled_from(peer.urls)
        | st.sampled_from(["2025-03-01T10:00:00Z", "2025-02-30T25:61:00Z", "Note", "Person"])
    )


def values(peer: Peer) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars(peer),
        lambda children: (
            st.lists(children, max_size=5)
            | st.dictionaries(
                ODD_TEXT | st.sampled_from(["id", "type", "href"]), children, max_size=5
            )
        ),
        max_leaves=12,
    )


def mostly(value: Any, anything: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The seed's value four times in five, so most examples get past the first check."""
    return st.integers(0, 4).flatmap(lambda n: anything if n == 0 else st.just(value))


def mutated(seed: dict[str, Any], anything: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`seed` with each field kept or replaced by any value, at most one dropped, maybe one
    field more (a raw literal's marker among the likely values)."""
    extra = anything | st.just(RAW)
    return st.fixed_dictionaries(
        {name: mostly(value, anything) for name, value in seed.items()},
        optional={"extra": extra, "content": extra, "sensitive": extra},
    ).flatmap(
        lambda doc: st.sets(st.sampled_from(sorted(doc)), max_size=1).map(
            lambda dropped: {k: v for k, v in doc.items() if k not in dropped}
        )
    )


def objects(peer: Peer, depth: int = 2) -> st.SearchStrategy[Any]:
    anything = values(peer)
    note = peer.actor.note({"fr": "Réunion samedi", "ar": "اجتماع"}, cc=[peer.association.ap_id])
    note["tag"] = [{"type": "Hashtag", "name": "#droits"}]
    choices = st.sampled_from(peer.urls) | mutated(note, anything) | anything
    if depth > 0:
        choices = choices | activities(peer, depth - 1)
    return choices


def activities(peer: Peer, depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    def build(kind: str, obj: Any) -> st.SearchStrategy[dict[str, Any]]:
        seed = peer.actor.activity(kind, obj, to=[PUBLIC], cc=[peer.association.ap_id])
        seed["target"] = peer.association.ap_id
        return mutated(seed, values(peer))

    kinds = st.sampled_from(TYPES) | ODD_TEXT
    return st.tuples(kinds, objects(peer, depth)).flatmap(lambda pair: build(*pair))


def raw_body(doc: dict[str, Any], literal: bytes) -> bytes:
    """The document as JSON, every marker string replaced by the raw literal."""
    body = json.dumps(doc).encode()
    return body.replace(json.dumps(RAW).encode(), literal)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return suite_settings(
        tmp_path,
        database_url,
        inbox_actor_per_minute=100_000,  # the budget's examples all come from one actor
        inbox_domain_per_minute=100_000,
    )


def assert_answered(response: httpx.Response, started: float) -> None:
    assert response.status_code < 500, response.text
    assert time.perf_counter() - started < SLOWEST_SECONDS
    assert response.status_code in (202, 200) or 400 <= response.status_code < 500
    if response.status_code >= 400:
        assert response.text.strip(), "a refusal without a reason"


@BUDGET
@given(data=st.data())
async def test_any_signed_activity_is_answered_stored_and_settled(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    remote_actor: RemoteActor,
    data: st.DataObject,
) -> None:
    peer = Peer(remote_actor, association)
    doc = data.draw(activities(peer), label="activity")
    literal = data.draw(st.sampled_from(RAW_LITERALS), label="raw literal")
    body = raw_body(doc, literal)
    started = time.perf_counter()
    response = await remote_actor.signed_post(app_client, INBOX, body)
    assert_answered(response, started)
    if response.status_code == 202:
        self_delete = doc.get("type") == "Delete" and doc.get("object") == doc.get("actor")
        key = activity_key(decode_json(body), body)
        found = await rows(db, InboxActivity, InboxActivity.ap_id == key)
        assert found or self_delete, f"a 202 left no inbox row for {key}"
    for row in await rows(db, InboxActivity, InboxActivity.state == InboxState.RECEIVED):
        await process_activity(fed, row.id)  # what the worker's sweep does with leftovers
    for row in await rows(db, InboxActivity):
        assert row.state in FINAL, (row.ap_id, row.state)
        if row.state == InboxState.FAILED:
            assert row.error, f"{row.ap_id} failed without a reason"
