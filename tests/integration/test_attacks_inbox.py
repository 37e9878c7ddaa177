"""Attacks through the inbox, as reproduced from outside (issue 9, items 1, 3 and 8): a
Create with 20,000 tags, the node made to deliver to itself, `1e400` in a signed body.
Real peers over HTTP, real keys, a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from federation_peer import INBOX, PUBLIC, RemoteActor, count, deliver, one

from migrantnet.content.notes import publish_note
from migrantnet.db import Database
from migrantnet.federation.parse.objects import MAX_ATTACHMENTS, MAX_TAGS
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.service import Federation
from migrantnet.models import (
    Actor,
    ContentObject,
    Delivery,
    InboxActivity,
    InboxState,
    OutboxActivity,
)
from migrantnet.uris import Uris

MakeRemoteActor = Callable[..., RemoteActor]


def hashtags(n: int) -> list[dict[str, str]]:
    return [{"type": "Hashtag", "name": f"#t{i}"} for i in range(n)]


# -- 1: one signed activity must not freeze the server ----------------------------------------


async def test_a_create_with_20000_tags_is_stored_with_the_first_ones_only(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    note = remote_actor.note({"fr": "Beaucoup de tags"}, cc=[association.ap_id])
    note["tag"] = hashtags(20_000)
    note["attachment"] = [
        {"type": "Document", "url": f"https://p.example/{i}"} for i in range(4_000)
    ]
    create = remote_actor.activity("Create", note, to=[PUBLIC])
    assert len(json.dumps(create)) < 1_048_576  # within the inbox's cap: it is parsed
    row = await deliver(db, app_client, remote_actor, create)
    assert row.state == InboxState.DONE, row.error
    stored = await one(db, ContentObject, ContentObject.ap_id == note["id"])
    assert len(stored.tags) == MAX_TAGS
    assert stored.tags[0]["name"] == "#t0"
    assert len(stored.attachments) == MAX_ATTACHMENTS


async def test_repeated_tags_are_kept_once_in_order(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    note = remote_actor.note({"fr": "Doublons"}, cc=[association.ap_id])
    note["tag"] = hashtags(3) * 500
    await deliver(db, app_client, remote_actor, remote_actor.activity("Create", note))
    stored = await one(db, ContentObject, ContentObject.ap_id == note["id"])
    assert [tag["name"] for tag in stored.tags] == ["#t0", "#t1", "#t2"]


# -- 3: the node never delivers to itself, however its domain is spelled -----------------------


SELF_SPELLINGS = [
    "http://NODE-A.TEST/inbox",
    "http://node-a.test:80/inbox",
    "http://node-a.test./@tunis_migrants/inbox",
    "https://Node-A.Test/inbox",
    "http://user@node-a.test/inbox",
]


@pytest.mark.parametrize("inbox", SELF_SPELLINGS)
async def test_a_follower_whose_inbox_is_ours_gets_no_delivery(
    app_client: httpx.AsyncClient,
    db: Database,
    association: Actor,
    make_remote_actor: MakeRemoteActor,
    inbox: str,
) -> None:
    peer = make_remote_actor("mallory")
    peer.extra_fields.update({"inbox": inbox, "endpoints": {"sharedInbox": inbox}})
    row = await deliver(db, app_client, peer, peer.activity("Follow", association.ap_id))
    assert row.state == InboxState.DONE, row.error
    assert await count(db, OutboxActivity, OutboxActivity.type == "Accept") == 1
    assert await count(db, Delivery) == 0  # the Accept would have gone to ourselves


async def test_an_activity_signed_as_one_of_ours_is_refused_and_changes_nothing(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    uris: Uris,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    """What a delivery to ourselves looked like: our own Update, signed with our own key."""
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        assert actor is not None
        obj = await publish_note(
            session, uris, ActivityPubNotifier(fed), actor, text={"fr": "**Original**"}
        )
        await session.commit()
        ap_id, source = obj.ap_id, dict(obj.extra)
    update = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{association.ap_id}#updates/forged",
        "type": "Update",
        "actor": association.ap_id,
        "object": {
            "id": ap_id,
            "type": "Note",
            "attributedTo": association.ap_id,
            "content": "<p>Overwritten</p>",
            "to": [PUBLIC],
        },
    }
    response = await remote_actor.signed_post(
        app_client,
        INBOX,
        update,
        key=association.private_key_pem,
        key_id=association.public_key_id,
    )
    assert response.status_code == 403, response.text
    assert await count(db, InboxActivity) == 0
    stored = await one(db, ContentObject, ContentObject.ap_id == ap_id)
    assert stored.local and stored.extra == source
    assert "Original" in next(iter(stored.content_map.values()))


# -- 8: numbers out of range are refused at the border ---------------------------------------


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1E+999"])
async def test_an_infinite_number_in_a_signed_body_is_400_not_500(
    app_client: httpx.AsyncClient,
    db: Database,
    association: Actor,
    remote_actor: RemoteActor,
    number: str,
) -> None:
    follow: dict[str, Any] = remote_actor.activity("Follow", association.ap_id)
    body = json.dumps({**follow, "weight": "NUMBER"}).replace('"NUMBER"', number).encode()
    response = await remote_actor.signed_post(app_client, INBOX, body)
    assert response.status_code == 400, response.text
    assert "out of range" in response.json()["error"]
    assert await count(db, InboxActivity) == 0


# -- found by the inbox fuzzing (test_inbox_fuzzing.py) --------------------------------------


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "a\\ud83d"])
async def test_a_lone_surrogate_in_a_signed_body_is_400_not_500(
    app_client: httpx.AsyncClient,
    db: Database,
    association: Actor,
    remote_actor: RemoteActor,
    escape: str,
) -> None:
    """`"\\ud800"` is valid JSON but no storable text: it once reached the database (a 500)."""
    note = remote_actor.note({"fr": "MARK"}, cc=[association.ap_id])
    create = remote_actor.activity("Create", note)
    body = json.dumps(create).replace("MARK", escape).encode()
    response = await remote_actor.signed_post(app_client, INBOX, body)
    assert response.status_code == 400, response.text
    assert "lone surrogate" in response.json()["error"]
    assert await count(db, InboxActivity) == 0
    # the same activity, with its text fixed, is accepted: the check refuses only the bad one
    fixed = await remote_actor.signed_post(app_client, INBOX, create)
    assert fixed.status_code == 202, fixed.text
