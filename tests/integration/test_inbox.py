"""The inbox as a peer meets it: signatures, origin checks, duplicates, refusals that leave
no trace, blocked and revived domains. Real keys, a real peer HTTP server, a real database."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from federation_peer import (
    INBOX,
    RemoteActor,
    closed_port_url,
    count,
    deliver,
    one,
    rows,
)

from migrantnet.db import Database
from migrantnet.federation.signatures.digest import digest_header
from migrantnet.models import (
    Actor,
    ActorBlock,
    ContentObject,
    Delivery,
    DeliveryState,
    DomainHealth,
    Follow,
    FollowState,
    InboxActivity,
    InboxState,
    Interaction,
    OutboxActivity,
    Report,
)

MakeRemoteActor = Callable[..., RemoteActor]
# Every table an inbound activity can write to; a refused request must leave them all alone.
TRACKED = (
    InboxActivity,
    Actor,
    Follow,
    Delivery,
    OutboxActivity,
    ContentObject,
    Interaction,
    ActorBlock,
    Report,
)


async def snapshot(db: Database) -> dict[str, int]:
    return {model.__tablename__: await count(db, model) for model in TRACKED}


def follow_of(peer: RemoteActor, association: Actor) -> dict[str, object]:
    return peer.activity("Follow", association.ap_id)


# -- the happy path ----------------------------------------------------------------------


async def test_signed_follow_is_stored_applied_and_answered(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    follow = follow_of(remote_actor, association)
    response = await remote_actor.signed_post(app_client, INBOX, follow)
    assert response.status_code == 202, response.text

    # The background task ran inside the ASGI call: the row is already applied.
    stored = await one(db, InboxActivity)
    assert (stored.ap_id, stored.type, stored.state) == (follow["id"], "Follow", InboxState.DONE)
    assert stored.actor_ap_id == remote_actor.actor_id
    assert stored.payload["object"] == association.ap_id

    follower = await one(db, Actor, Actor.ap_id == remote_actor.actor_id)
    assert follower.public_key_id == remote_actor.key_id
    row = await one(db, Follow)
    assert (row.follower_id, row.followed_id) == (follower.id, association.id)
    assert (row.ap_id, row.state) == (follow["id"], FollowState.ACCEPTED)

    delivery = await one(db, Delivery)
    assert delivery.inbox_url == remote_actor.inbox
    assert delivery.domain == remote_actor.domain
    assert delivery.state == DeliveryState.QUEUED
    accept = await one(db, OutboxActivity, OutboxActivity.id == delivery.activity_id)
    assert accept.type == "Accept"
    assert accept.payload["actor"] == association.ap_id
    assert accept.payload["object"]["id"] == follow["id"]
    assert accept.payload["object"]["actor"] == remote_actor.actor_id
    assert accept.payload["object"]["object"] == association.ap_id


async def test_the_same_activity_twice_is_applied_once(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    follow = follow_of(remote_actor, association)
    first = await remote_actor.signed_post(app_client, INBOX, follow)
    again = await remote_actor.signed_post(app_client, "/inbox", follow)  # a retry, re-signed
    assert (first.status_code, again.status_code) == (202, 202)
    assert await count(db, InboxActivity) == 1
    assert await count(db, Follow) == 1
    assert await count(db, OutboxActivity, OutboxActivity.type == "Accept") == 1
    assert await count(db, Delivery) == 1


async def test_rfc9421_signature_is_accepted(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    follow = follow_of(remote_actor, association)
    response = await remote_actor.signed_post(app_client, "/inbox", follow, rfc9421=True)
    assert response.status_code == 202, response.text
    stored = await one(db, InboxActivity)
    assert (stored.ap_id, stored.state) == (follow["id"], InboxState.DONE)
    assert (await one(db, Follow)).state == FollowState.ACCEPTED


async def test_rotated_key_is_refetched_once(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    await deliver(db, app_client, remote_actor, follow_of(remote_actor, association))
    # One key lookup: the key id, then its owner (the same actor URL here, fetched twice).
    one_lookup = remote_actor.server.gets(remote_actor.actor_id)
    assert one_lookup == 1  # the key id names the actor document: one GET
    old_pem = remote_actor.public_pem

    remote_actor.rotate_key()  # same key id, new key pair; the node still has the old one
    assert remote_actor.public_pem != old_pem
    flag = remote_actor.activity("Flag", [association.ap_id], content="spam")
    response = await remote_actor.signed_post(app_client, INBOX, flag)

    assert response.status_code == 202, response.text
    assert remote_actor.server.gets(remote_actor.actor_id) == 2  # refetched once
    actor = await one(db, Actor, Actor.ap_id == remote_actor.actor_id)
    assert actor.public_key_pem == remote_actor.public_pem
    assert await count(db, InboxActivity) == 2
    assert await count(db, Actor, Actor.local.is_(False)) == 1


# -- refusals: 4xx with a reason, and nothing stored ------------------------------------

Request = Callable[
    [httpx.AsyncClient, RemoteActor, Actor, MakeRemoteActor], Awaitable[httpx.Response]
]


async def _body_changed(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    follow = follow_of(peer, target)
    tampered = json.dumps({**follow, "object": peer.actor_id}).encode()
    return await peer.signed_post(client, INBOX, follow, body_override=tampered)


async def _wrong_digest(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    wrong = "SHA-256=" + base64.b64encode(hashlib.sha256(b"something else").digest()).decode()
    return await peer.signed_post(client, INBOX, follow_of(peer, target), headers={"Digest": wrong})


async def _stale_date(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    return await peer.signed_post(client, INBOX, follow_of(peer, target), date=two_hours_ago)


async def _unknown_key(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    key_id = peer.server.url("/keys/nobody#main-key")  # the peer answers 404
    return await peer.signed_post(client, INBOX, follow_of(peer, target), key_id=key_id)


async def _unreachable_key(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    key_id = closed_port_url("/users/alice") + "#main-key"
    return await peer.signed_post(client, INBOX, follow_of(peer, target), key_id=key_id)


async def _signer_is_not_the_actor(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    mallory = make("mallory", own_server=True)  # a real peer with a valid key of its own
    return await mallory.signed_post(client, INBOX, follow_of(peer, target))


async def _object_on_another_host(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    note = peer.note({"en": "<p>not mine</p>"}, ap_id="http://elsewhere.example/notes/1")
    return await peer.signed_post(client, INBOX, peer.activity("Create", note))


async def _activity_id_on_another_host(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    follow = {**follow_of(peer, target), "id": "http://elsewhere.example/activities/1"}
    return await peer.signed_post(client, INBOX, follow)


async def _unsigned(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    body = json.dumps(follow_of(peer, target)).encode()
    return await client.post(
        INBOX, content=body, headers={"Content-Type": "application/activity+json"}
    )


async def _not_json(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    return await peer.signed_post(client, INBOX, b'{"type": "Follow", ')


async def _json_array(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    return await peer.signed_post(client, INBOX, [follow_of(peer, target)])


async def _text_plain(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    return await peer.signed_post(client, INBOX, follow_of(peer, target), content_type="text/plain")


async def _id_too_long(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    follow = {**follow_of(peer, target), "id": peer.new_id() + "x" * 3000}
    return await peer.signed_post(client, INBOX, follow)


async def _too_large(
    client: httpx.AsyncClient, peer: RemoteActor, target: Actor, make: MakeRemoteActor
) -> httpx.Response:
    follow = {**follow_of(peer, target), "padding": "x" * 1_100_000}
    return await peer.signed_post(client, INBOX, follow)


REFUSALS: dict[str, tuple[Request, int, str]] = {
    "body changed after signing": (_body_changed, 401, "digest"),
    "wrong digest": (_wrong_digest, 401, "digest"),
    "date two hours old": (_stale_date, 401, "expired"),
    "unknown key": (_unknown_key, 401, "key"),
    "unreachable key": (_unreachable_key, 401, "key"),
    "signer is not the actor": (_signer_is_not_the_actor, 401, "signed by"),
    "object on another host": (_object_on_another_host, 403, "not on the actor"),
    "activity id on another host": (_activity_id_on_another_host, 403, "not on the actor"),
    "unsigned": (_unsigned, 401, "not signed"),
    "not json": (_not_json, 400, "json"),
    "json array": (_json_array, 400, "object"),
    "text/plain": (_text_plain, 415, "content type"),
    "id too long": (_id_too_long, 400, "longer than 2048"),
    "over 1 MB": (_too_large, 413, "larger"),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
async def test_refused_request_leaves_no_trace(
    case: str,
    app_client: httpx.AsyncClient,
    db: Database,
    association: Actor,
    remote_actor: RemoteActor,
    make_remote_actor: MakeRemoteActor,
) -> None:
    send, status, reason = REFUSALS[case]
    before = await snapshot(db)

    response = await send(app_client, remote_actor, association, make_remote_actor)

    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert reason in body["error"].lower()
    assert await snapshot(db) == before


async def test_refused_signature_after_a_key_fetch_does_not_keep_the_fetched_actor(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    """Body and Digest both changed: the Digest matches, so the key is fetched, and the
    signature fails; the actor fetched for it must not stay behind."""
    follow = follow_of(remote_actor, association)
    tampered = json.dumps({**follow, "object": remote_actor.actor_id}).encode()
    before = await snapshot(db)

    response = await remote_actor.signed_post(
        app_client,
        INBOX,
        follow,
        body_override=tampered,
        headers={"Digest": digest_header(tampered)},
    )

    assert response.status_code == 401
    assert "does not match" in response.json()["error"]
    assert remote_actor.server.gets(remote_actor.actor_id) >= 1  # the key was fetched ...
    assert await snapshot(db) == before  # ... and forgotten


# -- domains ------------------------------------------------------------------------------


async def test_blocked_domain_is_refused_before_any_key_fetch(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    async with db.session() as session:
        session.add(DomainHealth(domain=remote_actor.domain, blocked=True))
        await session.commit()
    before = await snapshot(db)

    response = await remote_actor.signed_post(
        app_client, INBOX, follow_of(remote_actor, association)
    )

    assert response.status_code == 403
    assert "blocked" in response.json()["error"]
    assert remote_actor.server.gets(remote_actor.actor_id) == 0
    assert remote_actor.server.seen_under(remote_actor.actor_id) == []
    assert await snapshot(db) == before


async def test_signed_request_from_an_unavailable_domain_revives_it(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    later = datetime.now(UTC) + timedelta(days=2)
    async with db.session() as session:
        session.add(
            DomainHealth(
                domain=remote_actor.domain,
                unavailable=True,
                failure_days=["2025-01-01", "2025-01-02", "2025-01-03"],
            )
        )
        note = OutboxActivity(
            ap_id="http://node-a.test/activities/waiting",
            type="Create",
            actor_id=association.id,
            payload={"id": "http://node-a.test/activities/waiting", "type": "Create"},
        )
        session.add(note)
        await session.flush()
        session.add(
            Delivery(
                activity_id=note.id,
                inbox_url=remote_actor.inbox,
                domain=remote_actor.domain,
                next_attempt_at=later,
            )
        )
        await session.commit()
        waiting_id = note.id
    sent_at = datetime.now(UTC)

    await deliver(db, app_client, remote_actor, follow_of(remote_actor, association))

    health = await one(db, DomainHealth)
    assert health.unavailable is False
    assert health.failure_days == []
    assert health.last_success_at is not None and health.last_success_at >= sent_at
    waiting = await one(db, Delivery, Delivery.activity_id == waiting_id)
    assert waiting.state == DeliveryState.QUEUED
    assert waiting.next_attempt_at <= datetime.now(UTC)
    assert len(await rows(db, Delivery)) == 2  # the revived one and the Accept


async def test_nul_characters_and_non_json_constants_never_reach_the_database(
    app_client: httpx.AsyncClient, remote_actor: RemoteActor, db: Database, association: Actor
) -> None:
    """Valid JSON that no database text column holds (NUL), and what is not JSON at all (NaN):
    the first is cleaned and accepted, the second refused with a reason, never a 500."""
    note = remote_actor.note({"fr": "Bonjour\u0000 le monde"}, cc=[association.ap_id])
    note["name"] = "Titre\u0000"
    response = await remote_actor.signed_post(
        app_client, INBOX, remote_actor.activity("Create", note)
    )
    assert response.status_code == 202, response.text
    stored = await one(db, ContentObject, ContentObject.ap_id == note["id"])
    assert "\x00" not in json.dumps(stored.content_map)
    assert "Bonjour le monde" in stored.content_map["fr"]

    activity = remote_actor.activity("Like", association.ap_id)
    body = json.dumps(activity).replace('"Like"', '"Like", "score": NaN').encode()
    refused = await remote_actor.signed_post(app_client, INBOX, body)
    assert refused.status_code == 400
    assert refused.json() == {"error": "body is not valid JSON: NaN is not valid JSON"}
    assert await count(db, InboxActivity, InboxActivity.ap_id == activity["id"]) == 0


async def test_an_actor_with_oversized_fields_is_kept_within_our_columns(
    app_client: httpx.AsyncClient, remote_actor: RemoteActor, db: Database, association: Actor
) -> None:
    """PostgreSQL enforces column lengths (SQLite does not): a peer's huge values must not
    turn its Follow into a 500."""
    remote_actor.extra_fields = {
        "name": "N" * 5000,
        "preferredUsername": "u" * 400,
        "icon": {"type": "Image", "url": "https://img.example/" + "a" * 3000},
    }
    follow = remote_actor.activity("Follow", association.ap_id)
    response = await remote_actor.signed_post(app_client, INBOX, follow)
    assert response.status_code == 202, response.text
    stored = await one(db, Actor, Actor.ap_id == remote_actor.actor_id)
    assert stored.name is not None and len(stored.name) == 2048
    assert stored.username is not None and len(stored.username) == 255
    assert stored.icon_url is None  # a cut URL would be wrong, not short
    assert (await one(db, Follow, Follow.ap_id == follow["id"])).state == FollowState.ACCEPTED
