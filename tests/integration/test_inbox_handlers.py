"""Each activity type the inbox applies, delivered signed by a real peer, checked in the
database: follows both ways, objects, interactions, blocks, reports, moves, the unknown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from federation_peer import (
    ASSOCIATION_SLUG,
    PUBLIC,
    RemoteActor,
    count,
    deliver,
    one,
    rows,
)
from sqlalchemy import update

from migrantnet.db import Database
from migrantnet.federation.delivery import follower_inboxes
from migrantnet.federation.follows import follow_remote
from migrantnet.federation.handlers import HANDLERS, Inbound
from migrantnet.federation.service import Federation
from migrantnet.models import (
    Actor,
    ActorBlock,
    ContentObject,
    Delivery,
    Follow,
    FollowState,
    InboxActivity,
    InboxState,
    Interaction,
    OutboxActivity,
    Report,
)
from migrantnet.models.lifecycle import advance
from migrantnet.uris import Uris

MakeRemoteActor = Callable[..., RemoteActor]


async def peer_row(db: Database, peer: RemoteActor) -> Actor:
    return await one(db, Actor, Actor.ap_id == peer.actor_id)


async def follows_us(
    db: Database, client: httpx.AsyncClient, peer: RemoteActor, association: Actor
) -> dict[str, Any]:
    """The peer follows the association (accepted at once); returns the Follow sent."""
    follow = peer.activity("Follow", association.ap_id)
    assert (await deliver(db, client, peer, follow)).state == InboxState.DONE
    return follow


async def we_follow(
    db: Database, fed: Federation, association: Actor, peer: RemoteActor, *, accepted: bool
) -> Follow:
    """The association follows the peer through the real service (actor fetched over HTTP)."""
    async with db.session() as session:
        local = await session.get(Actor, association.id)
        assert local is not None
        follow = await follow_remote(session, fed, local, peer.actor_id)
        if accepted:
            advance(follow, FollowState.ACCEPTED)  # the Accept round trip is tested on its own
        await session.commit()
        return follow


def our_object(uris: Uris) -> str:
    return uris.object(ASSOCIATION_SLUG, "d2c6a1f0")


# -- Follow, Undo, Accept, Reject ---------------------------------------------------------


async def test_follow_of_a_manually_approving_association_stays_pending(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    async with db.session() as session:
        await session.execute(
            update(Actor).where(Actor.id == association.id).values(manually_approves_followers=True)
        )
        await session.commit()

    row = await deliver(
        db, app_client, remote_actor, remote_actor.activity("Follow", association.ap_id)
    )

    assert row.state == InboxState.DONE
    follow = await one(db, Follow)
    assert follow.state == FollowState.PENDING
    assert await count(db, OutboxActivity) == 0
    assert await count(db, Delivery) == 0


async def test_follow_of_an_association_that_moved_away_is_rejected(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    async with db.session() as session:
        await session.execute(
            update(Actor)
            .where(Actor.id == association.id)
            .values(moved_to="https://new-node.example/@tunis_migrants")
        )
        await session.commit()

    follow_activity = remote_actor.activity("Follow", association.ap_id)
    row = await deliver(db, app_client, remote_actor, follow_activity)

    assert row.state == InboxState.DONE
    follow = await one(db, Follow)
    assert follow.state == FollowState.REJECTED
    answer = await one(db, OutboxActivity)
    assert (answer.type, answer.payload["object"]["id"]) == ("Reject", follow_activity["id"])


async def test_undo_follow_with_the_embedded_follow(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    follow = await follows_us(db, app_client, remote_actor, association)
    embedded = {key: value for key, value in follow.items() if key != "@context"}

    row = await deliver(db, app_client, remote_actor, remote_actor.activity("Undo", embedded))

    assert row.state == InboxState.DONE
    assert (await one(db, Follow)).state == FollowState.UNDONE


async def test_undo_follow_without_inner_actor_gancio_style(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    await follows_us(db, app_client, remote_actor, association)
    inner = {"type": "Follow", "object": association.ap_id}  # no id, no actor

    row = await deliver(db, app_client, remote_actor, remote_actor.activity("Undo", inner))

    assert row.state == InboxState.DONE
    assert (await one(db, Follow)).state == FollowState.UNDONE


async def test_accept_of_our_follow(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    ours = await we_follow(db, fed, association, remote_actor, accepted=False)
    assert ours.state == FollowState.PENDING
    sent = await one(db, OutboxActivity, OutboxActivity.type == "Follow")
    assert (await one(db, Delivery)).inbox_url == remote_actor.inbox

    accept = remote_actor.activity(
        "Accept", {k: v for k, v in sent.payload.items() if k != "@context"}
    )
    row = await deliver(db, app_client, remote_actor, accept)

    assert row.state == InboxState.DONE
    follow = await one(db, Follow)
    assert (follow.ap_id, follow.state) == (ours.ap_id, FollowState.ACCEPTED)


async def test_reject_of_our_follow(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    ours = await we_follow(db, fed, association, remote_actor, accepted=False)

    row = await deliver(db, app_client, remote_actor, remote_actor.activity("Reject", ours.ap_id))

    assert row.state == InboxState.DONE
    assert (await one(db, Follow)).state == FollowState.REJECTED


# -- Create, Update, Delete ---------------------------------------------------------------


async def test_create_note_from_a_followed_actor_is_stored_sanitised(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    await we_follow(db, fed, association, remote_actor, accepted=True)
    note = remote_actor.note(
        {
            "fr": "<p>Réunion <b>samedi</b><script>alert('pwned')</script></p>",
            "ar": "<p>اجتماع يوم السبت</p>",
        },
        cc=[remote_actor.followers],
    )

    row = await deliver(db, app_client, remote_actor, remote_actor.activity("Create", note))

    assert row.state == InboxState.DONE
    stored = await one(db, ContentObject, ContentObject.ap_id == note["id"])
    assert stored.local is False
    assert stored.actor_id == (await peer_row(db, remote_actor)).id
    assert stored.type == "Note"
    assert stored.visibility == "public"
    assert set(stored.content_map) == {"fr", "ar"}
    assert "<script" not in stored.content_map["fr"]
    assert "pwned" not in stored.content_map["fr"]
    assert "<b>samedi</b>" in stored.content_map["fr"]
    assert "اجتماع" in stored.content_map["ar"]


async def test_create_from_a_stranger_not_addressed_to_us_is_ignored(
    app_client: httpx.AsyncClient, db: Database, association: Actor, remote_actor: RemoteActor
) -> None:
    note = remote_actor.note({"en": "<p>to the world, not to you</p>"}, to=[PUBLIC])

    row = await deliver(db, app_client, remote_actor, remote_actor.activity("Create", note))

    assert row.state == InboxState.IGNORED
    assert await count(db, ContentObject) == 0


async def test_update_note_changes_its_content(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    await we_follow(db, fed, association, remote_actor, accepted=True)
    note = remote_actor.note({"en": "<p>first draft</p>"})
    await deliver(db, app_client, remote_actor, remote_actor.activity("Create", note))

    edited = {**note, "contentMap": {"en": "<p>final text</p>"}}
    edited["updated"] = "2025-03-01T11:00:00Z"
    row = await deliver(db, app_client, remote_actor, remote_actor.activity("Update", edited))

    assert row.state == InboxState.DONE
    stored = await one(db, ContentObject)
    assert "final text" in stored.content_map["en"]
    assert "first draft" not in stored.content_map["en"]
    assert stored.updated_at is not None


async def test_delete_blanks_the_object_and_a_late_create_is_not_stored(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    await we_follow(db, fed, association, remote_actor, accepted=True)
    note = remote_actor.note({"en": "<p>soon gone</p>"})
    await deliver(db, app_client, remote_actor, remote_actor.activity("Create", note))

    tombstone = {"id": note["id"], "type": "Tombstone"}
    row = await deliver(db, app_client, remote_actor, remote_actor.activity("Delete", tombstone))

    assert row.state == InboxState.DONE
    stored = await one(db, ContentObject)
    assert stored.deleted_at is not None
    assert stored.content_map == {}

    late = await deliver(db, app_client, remote_actor, remote_actor.activity("Create", note))
    assert late.state == InboxState.IGNORED
    stored = await one(db, ContentObject)
    assert stored.deleted_at is not None
    assert stored.content_map == {}


async def test_delete_of_the_actor_itself_removes_its_follows(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    await follows_us(db, app_client, remote_actor, association)
    await we_follow(db, fed, association, remote_actor, accepted=True)
    assert await count(db, Follow) == 2

    delete = remote_actor.activity("Delete", remote_actor.actor_id, to=[PUBLIC])
    row = await deliver(db, app_client, remote_actor, delete)

    assert row.state == InboxState.DONE
    assert (await peer_row(db, remote_actor)).deleted_at is not None
    assert await count(db, Follow) == 0


# -- Like, Announce, Block, Flag, Move -----------------------------------------------------


async def test_like_and_announce_of_our_object_are_counted_and_undone(
    app_client: httpx.AsyncClient,
    db: Database,
    uris: Uris,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    target = our_object(uris)
    like = remote_actor.activity("Like", target)
    announce = remote_actor.activity("Announce", target, to=[PUBLIC])
    for activity in (like, announce):
        assert (await deliver(db, app_client, remote_actor, activity)).state == InboxState.DONE

    stored = await rows(db, Interaction)
    assert {(i.type, i.ap_id, i.object_ap_id) for i in stored} == {
        ("Like", like["id"], target),
        ("Announce", announce["id"], target),
    }
    assert {i.actor_id for i in stored} == {(await peer_row(db, remote_actor)).id}

    for activity in (like, announce):
        inner = {k: v for k, v in activity.items() if k != "@context"}
        undo = await deliver(db, app_client, remote_actor, remote_actor.activity("Undo", inner))
        assert undo.state == InboxState.DONE
    assert await count(db, Interaction) == 0


async def test_block_records_it_and_ends_follows(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    await follows_us(db, app_client, remote_actor, association)
    await we_follow(db, fed, association, remote_actor, accepted=True)
    async with db.session() as session:
        assert await follower_inboxes(session, association) == [remote_actor.server.url("/inbox")]

    block = remote_actor.activity("Block", association.ap_id)
    row = await deliver(db, app_client, remote_actor, block)

    assert row.state == InboxState.DONE
    blocker = await peer_row(db, remote_actor)
    recorded = await one(db, ActorBlock)
    assert (recorded.ap_id, recorded.actor_id, recorded.target_id) == (
        block["id"],
        blocker.id,
        association.id,
    )
    assert {f.state for f in await rows(db, Follow)} == {FollowState.UNDONE}
    async with db.session() as session:
        assert await follower_inboxes(session, association) == []


async def test_block_leaves_a_refused_follow_refused(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    """Rejected -> undone is not a move the lifecycle allows: the Block ends live follows only."""
    follow = await we_follow(db, fed, association, remote_actor, accepted=False)
    async with db.session() as session, session.begin():
        row = await session.get(Follow, follow.id)
        assert row is not None
        advance(row, FollowState.REJECTED)

    block = remote_actor.activity("Block", association.ap_id)
    done = await deliver(db, app_client, remote_actor, block)

    assert done.state == InboxState.DONE
    assert [f.state for f in await rows(db, Follow)] == [FollowState.REJECTED]


async def test_flag_is_kept_as_a_report(
    app_client: httpx.AsyncClient,
    db: Database,
    uris: Uris,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    flag = remote_actor.activity(
        "Flag", [association.ap_id, our_object(uris)], content="Spam links in every post"
    )

    row = await deliver(db, app_client, remote_actor, flag)

    assert row.state == InboxState.DONE
    report = await one(db, Report)
    assert report.ap_id == flag["id"]
    assert report.reporter_id == (await peer_row(db, remote_actor)).id
    assert report.target_ap_ids == [association.ap_id, our_object(uris)]
    assert report.content == "Spam links in every post"
    assert report.resolved is False


async def test_confirmed_move_follows_the_new_account(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    remote_actor: RemoteActor,
    make_remote_actor: MakeRemoteActor,
) -> None:
    await we_follow(db, fed, association, remote_actor, accepted=True)
    new_account = make_remote_actor("alice2", also_known_as=[remote_actor.actor_id])

    move = remote_actor.activity("Move", remote_actor.actor_id, target=new_account.actor_id)
    row = await deliver(db, app_client, remote_actor, move)

    assert row.state == InboxState.DONE
    assert (await peer_row(db, remote_actor)).moved_to == new_account.actor_id
    target = await peer_row(db, new_account)
    new_follow = await one(db, Follow, Follow.followed_id == target.id)
    assert (new_follow.follower_id, new_follow.state) == (association.id, FollowState.PENDING)
    queued = await one(db, Delivery, Delivery.inbox_url == new_account.inbox)
    sent = await one(db, OutboxActivity, OutboxActivity.id == queued.activity_id)
    assert sent.type == "Follow"
    assert (sent.payload["id"], sent.payload["object"]) == (new_follow.ap_id, target.ap_id)
    # and the old account is no longer followed, told with an Undo (as Mastodon does)
    old = await peer_row(db, remote_actor)
    old_follow = await one(db, Follow, Follow.followed_id == old.id)
    assert old_follow.state == FollowState.UNDONE
    undo = await one(db, OutboxActivity, OutboxActivity.type == "Undo")
    assert undo.payload["object"]["object"] == old.ap_id
    await one(db, Delivery, Delivery.activity_id == undo.id, Delivery.inbox_url == old.inbox_url)


async def test_unconfirmed_move_is_ignored(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    remote_actor: RemoteActor,
    make_remote_actor: MakeRemoteActor,
) -> None:
    await we_follow(db, fed, association, remote_actor, accepted=True)
    squatter = make_remote_actor("squatter")  # its alsoKnownAs does not name the old account

    move = remote_actor.activity("Move", remote_actor.actor_id, target=squatter.actor_id)
    row = await deliver(db, app_client, remote_actor, move)

    assert row.state == InboxState.IGNORED
    assert (await peer_row(db, remote_actor)).moved_to is None
    assert await count(db, Follow) == 1
    assert await count(db, Delivery, Delivery.inbox_url == squatter.inbox) == 0


# -- the unknown and the broken ------------------------------------------------------------


async def test_unknown_type_is_stored_and_ignored(
    app_client: httpx.AsyncClient,
    db: Database,
    uris: Uris,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    react = remote_actor.activity("EmojiReact", our_object(uris), content="🔥", to=[PUBLIC])

    row = await deliver(db, app_client, remote_actor, react)

    assert (row.type, row.state, row.error) == ("EmojiReact", InboxState.IGNORED, None)
    assert row.payload["content"] == "🔥"
    assert await count(db, Interaction) == 0


async def test_a_crashing_handler_is_kept_as_failed(
    app_client: httpx.AsyncClient,
    db: Database,
    uris: Uris,
    association: Actor,
    remote_actor: RemoteActor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def crash(inbound: Inbound) -> InboxState:
        inbound.session.add(
            Interaction(
                ap_id=inbound.activity.ap_id,
                type="Like",
                actor_id=inbound.sender.id,
                object_ap_id=our_object(uris),
            )
        )
        await inbound.session.flush()
        raise RuntimeError("handler exploded")

    monkeypatch.setitem(HANDLERS, "Like", crash)

    row = await deliver(
        db, app_client, remote_actor, remote_actor.activity("Like", our_object(uris))
    )

    assert row.state == InboxState.FAILED
    assert row.error == "RuntimeError: handler exploded"
    assert row.processed_at is not None
    assert await count(db, Interaction) == 0  # what it wrote before crashing is rolled back
    assert await count(db, InboxActivity) == 1
