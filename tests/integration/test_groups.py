"""Groups (FEP-1b12) in one process: a group of this node served as a `Group`, joined by
remote and local associations, relaying its members' posts as signed Announces, its agenda,
and its moderators removing a member and hiding an item; and a remote group followed by one
of ours, whose Announces bring events into our agenda "via" it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest
from browser_forms import HTML, submit
from cli_node import INIT, run
from federation_peer import (
    PUBLIC,
    PeerServer,
    RemoteActor,
    count,
    deliver,
    one,
    pooled_key_pair,
    rows,
)

from migrantnet.content.errors import Forbidden
from migrantnet.content.groups import create_group, group_moderator
from migrantnet.content.tokens import create_token
from migrantnet.content.users import create_user, get_user_by_email
from migrantnet.db import Database
from migrantnet.federation.delivery import follower_inboxes
from migrantnet.federation.follows import decide_follow_request, follow_remote
from migrantnet.federation.service import Federation
from migrantnet.models import (
    Actor,
    ContentObject,
    Delivery,
    Follow,
    FollowState,
    GroupItem,
    GroupThread,
    InboxState,
    Interaction,
    ModerationAction,
    OutboxActivity,
)
from migrantnet.models.lifecycle import advance
from migrantnet.uris import Uris

CORPUS = Path(
    os.environ.get("MIGRANTNET_FEDI_CORPUS")
    or Path(__file__).resolve().parents[3] / "shared" / "fedi-corpus"
)
GROUP = "coordination"
RANGE = {"from": "2030-05-01", "to": "2030-07-31"}


async def make_group(db: Database, uris: Uris, *, approve: bool = False) -> Actor:
    async with db.session() as session:
        admin = await get_user_by_email(session, "admin@node-a.test")
        group = await create_group(
            session,
            uris,
            slug=GROUP,
            name="Coordinación Migrante",
            admin=admin,
            approve_members=approve,
        )
        await session.commit()
        return group


def event_doc(
    peer: RemoteActor, title: str, group: str | None, *, day: str = "2030-06-01"
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": peer.new_id("events"),
        "type": "Event",
        "attributedTo": peer.actor_id,
        "name": title,
        "content": f"<p>{title}</p>",
        "startTime": f"{day}T18:00:00+02:00",
        "endTime": f"{day}T20:00:00+02:00",
        "timezone": "Europe/Rome",
        "published": "2030-01-01T10:00:00Z",
        "to": [PUBLIC],
        "cc": [peer.followers, *([group] if group else [])],
    }
    if group:
        doc["audience"] = group
    return doc


async def joins(db: Database, client: httpx.AsyncClient, peer: RemoteActor, group: Actor) -> None:
    follow = peer.activity("Follow", group.ap_id)
    assert (await deliver(db, client, peer, follow, f"/@{GROUP}/inbox")).state == InboxState.DONE


async def posts(
    db: Database, client: httpx.AsyncClient, peer: RemoteActor, doc: dict[str, Any], kind: str
) -> InboxState:
    activity = peer.activity(kind, doc, to=doc["to"], cc=doc["cc"])
    if "audience" in doc:
        activity["audience"] = doc["audience"]
    return InboxState((await deliver(db, client, peer, activity, "/inbox")).state)


async def announces(db: Database, group: Actor) -> list[OutboxActivity]:
    return await rows(
        db, OutboxActivity, OutboxActivity.actor_id == group.id, OutboxActivity.type == "Announce"
    )


async def agenda_titles(client: httpx.AsyncClient, **params: str) -> dict[str, str | None]:
    response = await client.get("/api/v1/agenda", params={**RANGE, **params})
    assert response.status_code == 200, response.text
    return {
        event["name"].get("und") or next(iter(event["name"].values())): event["origin"]["via_group"]
        for event in response.json()["events"]
    }


async def test_a_group_is_served_as_a_group_actor_with_webfinger_and_a_page(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    uris: Uris,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    group = await make_group(db, uris)

    doc = await app_client.get(f"/@{GROUP}", headers={"Accept": "application/activity+json"})
    actor = doc.json()
    assert actor["type"] == "Group"
    assert actor["inbox"] == uris.inbox(GROUP)
    assert actor["followers"] == uris.followers(GROUP)
    assert actor["outbox"] == uris.outbox(GROUP)
    jrd = await app_client.get(
        "/.well-known/webfinger", params={"resource": f"acct:{GROUP}@{uris.host}"}
    )
    assert [link["href"] for link in jrd.json()["links"] if link["rel"] == "self"] == [group.ap_id]
    page = await app_client.get(f"/@{GROUP}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Group" in page.text and "0 member associations" in page.text
    assert "No upcoming event shared in this group." in page.text
    # its admin is the user named; someone without a role on it moderates nothing
    async with db.session() as session:
        admin = await get_user_by_email(session, "admin@node-a.test")
        assert (await group_moderator(session, admin, group)).user is not None
        stranger = await create_user(session, email="x@node-a.test", password="a long password 1")
        with pytest.raises(Forbidden):
            await group_moderator(session, stranger, group)
        # a group that approves its members holds a Follow until a moderator decides
        local = await session.get(Actor, group.id)
        assert local is not None
        local.manually_approves_followers = True
        await session.commit()
    bob = make_remote_actor("bob")
    await joins(db, app_client, bob, group)
    assert (await one(db, Follow)).state == FollowState.PENDING
    await posts(db, app_client, bob, event_doc(bob, "Too early", group.ap_id), "Create")
    assert await announces(db, group) == []
    page = await app_client.get(f"/@{GROUP}", headers={"Accept": "text/html"})
    assert "Moderators approve new members" in page.text
    async with db.session() as session:
        local = await session.get(Actor, group.id)
        assert local is not None
        await decide_follow_request(session, fed, local, bob.actor_id, accept=True)
        await session.commit()
    assert (await one(db, Follow)).state == FollowState.ACCEPTED
    [accept] = await rows(db, OutboxActivity, OutboxActivity.type == "Accept")
    assert accept.payload["object"]["actor"] == bob.actor_id


async def test_members_posts_are_announced_to_every_member_and_non_members_are_not(
    app_client: httpx.AsyncClient,
    db: Database,
    uris: Uris,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    group = await make_group(db, uris)
    bob = make_remote_actor("bob", own_server=True)
    carol = make_remote_actor("carol", own_server=True)
    mallory = make_remote_actor("mallory", own_server=True)
    await joins(db, app_client, bob, group)
    await joins(db, app_client, carol, group)
    assert await count(db, Follow, Follow.followed_id == group.id) == 2
    accepts = await rows(db, OutboxActivity, OutboxActivity.type == "Accept")
    assert {a.payload["actor"] for a in accepts} == {group.ap_id}

    event = event_doc(bob, "Asamblea de diciembre", group.ap_id)
    assert await posts(db, app_client, bob, event, "Create") == InboxState.DONE

    [announce] = await announces(db, group)
    assert announce.payload["audience"] == group.ap_id
    assert announce.payload["object"]["type"] == "Create"
    assert announce.payload["object"]["object"]["id"] == event["id"]
    assert PUBLIC in announce.payload["to"]
    inboxes = {d.inbox_url for d in await rows(db, Delivery, Delivery.activity_id == announce.id)}
    assert inboxes == {bob.server.url("/inbox"), carol.server.url("/inbox")}
    item = await one(db, GroupItem)
    assert (item.object_ap_id, item.announce_ap_id) == (event["id"], announce.ap_id)
    # in the group's agenda, via the group, and on its page with its members
    assert await agenda_titles(app_client, group=group.ap_id) == {
        "Asamblea de diciembre": group.ap_id
    }
    page = await app_client.get(f"/@{GROUP}", headers={"Accept": "text/html"})
    assert "Asamblea de diciembre" in page.text and "2 member associations" in page.text
    # the group's outbox lists what it announced
    outbox = (await app_client.get(f"/@{GROUP}/outbox", params={"page": "true"})).json()
    assert [item["id"] for item in outbox["orderedItems"]] == [announce.ap_id]

    # an edit is announced too; a non-member's post to the group is stored, not announced
    event["name"] = "Asamblea de diciembre (sala 2)"
    assert await posts(db, app_client, bob, event, "Update") == InboxState.DONE
    spam = event_doc(mallory, "Not a member", group.ap_id)
    await posts(db, app_client, mallory, spam, "Create")
    kinds = [a.payload["object"]["type"] for a in await announces(db, group)]
    assert kinds == ["Create", "Update"]
    assert "Not a member" not in await agenda_titles(app_client)

    # bob leaves (Undo Follow): his next post is not announced, carol stays a member
    [follow] = await rows(db, Follow, Follow.follower_id == item.member_id)
    undo = bob.activity("Undo", {"id": follow.ap_id, "type": "Follow", "actor": bob.actor_id})
    await deliver(db, app_client, bob, undo, f"/@{GROUP}/inbox")
    await posts(db, app_client, bob, event_doc(bob, "After leaving", group.ap_id), "Create")
    assert len(await announces(db, group)) == 2
    async with db.session() as session:
        assert await follower_inboxes(session, group) == [carol.server.url("/inbox")]


async def test_moderators_remove_a_member_and_hide_an_item_from_the_groups_page(
    admin: httpx.AsyncClient,
    db: Database,
    uris: Uris,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    app_client = admin  # signed in as the group's admin; signed deliveries need no session
    group = await make_group(db, uris)
    bob = make_remote_actor("bob", own_server=True)
    carol = make_remote_actor("carol", own_server=True)
    await joins(db, app_client, bob, group)
    await joins(db, app_client, carol, group)
    event = event_doc(carol, "Spam event", group.ap_id)
    await posts(db, app_client, carol, event, "Create")
    assert "Spam event" in await agenda_titles(app_client, group=group.ap_id)

    page = f"/admin/{GROUP}/group"
    listed = await admin.get(page, headers=HTML)
    assert "Spam event" in listed.text and "@carol@" in listed.text
    hidden = await submit(admin, page, f"{page}/hide", {"object": event["id"]})
    assert hidden.status_code == 303
    removed = await submit(admin, page, f"{page}/remove", {"actor": carol.actor_id})
    assert removed.status_code == 303
    # a second click (or another moderator) finds her gone: told so, not an error page
    again = await submit(admin, page, f"{page}/remove", {"actor": carol.actor_id})
    assert again.headers["location"] == f"{page}?done=gone"
    told = await admin.get(again.headers["location"], headers=HTML)
    assert "already decided, or it is gone" in told.text
    after = await admin.get(f"{page}?done=removed", headers=HTML)
    assert "Hidden" in after.text and "@carol@" not in after.text.split('id="items"')[0]
    trail = await rows(db, ModerationAction)
    assert {(a.action, a.by) for a in trail} == {
        ("group_hide_item", "admin@node-a.test"),
        ("group_remove_member", "admin@node-a.test"),
    }

    # hidden: off the group's agenda and page, the members told by Undo{Announce}
    assert (await one(db, GroupItem)).hidden
    assert await agenda_titles(app_client, group=group.ap_id) == {}
    assert await agenda_titles(app_client) == {}
    page = await app_client.get(f"/@{GROUP}", headers={"Accept": "text/html"})
    assert "Spam event" not in page.text
    [undo] = await rows(db, OutboxActivity, OutboxActivity.type == "Undo")
    [announce] = await announces(db, group)
    assert undo.payload["object"]["id"] == announce.ap_id
    # removed: carol is sent a Reject of her Follow, and receives nothing more
    [reject] = await rows(db, OutboxActivity, OutboxActivity.type == "Reject")
    assert reject.payload["object"]["actor"] == carol.actor_id
    reject_inboxes = {
        d.inbox_url for d in await rows(db, Delivery, Delivery.activity_id == reject.id)
    }
    assert reject_inboxes == {carol.inbox}
    async with db.session() as session:
        assert await follower_inboxes(session, group) == [bob.server.url("/inbox")]
    # neither her edit of the hidden item nor a new post is announced
    event["name"] = "Spam again"
    await posts(db, app_client, carol, event, "Update")
    await posts(db, app_client, carol, event_doc(carol, "More", group.ap_id), "Create")
    assert len(await announces(db, group)) == 1
    # asking again, she waits for the moderators, although the group lets anyone in
    await joins(db, app_client, carol, group)
    assert {f.state for f in await rows(db, Follow, Follow.followed_id == group.id)} == {
        FollowState.ACCEPTED,
        FollowState.PENDING,
    }


async def test_a_groups_feeds_hold_what_it_shared_and_not_what_it_hid(
    admin: httpx.AsyncClient,
    db: Database,
    uris: Uris,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    group = await make_group(db, uris)
    bob = make_remote_actor("bob", own_server=True)
    carol = make_remote_actor("carol", own_server=True)
    dave = make_remote_actor("dave", own_server=True)  # never joins
    await joins(db, admin, bob, group)
    await joins(db, admin, carol, group)
    await posts(db, admin, bob, event_doc(bob, "Asamblea de junio", group.ap_id), "Create")
    spam = event_doc(carol, "Spam event", group.ap_id)
    await posts(db, admin, carol, spam, "Create")
    await posts(db, admin, dave, event_doc(dave, "Not a member", group.ap_id), "Create")
    page = f"/admin/{GROUP}/group"
    assert (await submit(admin, page, f"{page}/hide", {"object": spam["id"]})).status_code == 303

    for suffix, media_type in (("atom", "application/atom+xml"), ("rss", "application/rss+xml")):
        response = await admin.get(f"/@{GROUP}/feed.{suffix}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.get("bozo_exception")
        assert [entry.title for entry in feed.entries] == ["Asamblea de junio"]
    events = await admin.get(f"/@{GROUP}/feed.atom", params={"kind": "event"})
    assert [e.title for e in feedparser.parse(events.content).entries] == ["Asamblea de junio"]
    notes = await admin.get(f"/@{GROUP}/feed.atom", params={"kind": "note"})
    assert feedparser.parse(notes.content).entries == []


async def test_a_local_association_joins_a_local_group_and_posts_an_event_to_it(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    uris: Uris,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    group = await make_group(db, uris)
    admin = app_client
    async with db.session() as session:
        user = await get_user_by_email(session, "admin@node-a.test")
        token = await create_token(session, user, "tests")
        await session.commit()
    admin.headers["Authorization"] = f"Bearer {token}"
    body = {
        "texts": {"title": {"es": "Jornada 18D"}, "body": {"es": "Acción global"}},
        "starts": "2030-06-18T10:00:00",
        "ends": "2030-06-18T18:00:00",
        "timezone": "America/Argentina/Buenos_Aires",
        "place": {"name": "Plaza de Mayo", "locality": "Buenos Aires", "country": "AR"},
        "group": group.ap_id,
    }
    refused = await admin.post("/api/v1/associations/tunis_migrants/events", json=body)
    assert refused.status_code == 422
    assert "not a member of this group" in refused.text
    bob = make_remote_actor("bob", own_server=True)
    await joins(db, admin, bob, group)
    async with db.session() as session:
        local = await session.get(Actor, association.id)
        assert local is not None
        follow = await follow_remote(session, fed, local, f"@{GROUP}@{uris.host}")
        assert follow.state == FollowState.ACCEPTED
        await session.commit()

    created = await admin.post("/api/v1/associations/tunis_migrants/events", json=body)
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    create = await one(db, OutboxActivity, OutboxActivity.type == "Create")
    assert create.payload["audience"] == group.ap_id
    assert create.payload["object"]["audience"] == group.ap_id
    assert group.ap_id in create.payload["object"]["cc"]
    # the group relays it at once to its remote member (no HTTP to itself)
    [announce] = await announces(db, group)
    assert announce.payload["object"]["id"] == create.ap_id
    inboxes = {d.inbox_url for d in await rows(db, Delivery, Delivery.activity_id == announce.id)}
    assert inboxes == {bob.server.url("/inbox")}
    assert await agenda_titles(admin, group=group.ap_id) == {"Jornada 18D": group.ap_id}

    # deleting it: the group relays the Delete
    deleted = await admin.delete(
        f"/api/v1/associations/tunis_migrants/events/{event_id.rsplit('/', 1)[-1]}"
    )
    assert deleted.status_code == 204, deleted.text
    kinds = [a.payload["object"]["type"] for a in await announces(db, group)]
    assert kinds == ["Create", "Delete"]


async def test_a_remote_group_we_follow_brings_its_members_events_into_our_agenda(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    """Lemmy's shape (FEP-1b12): Announce{Create{...}} without @context, audience a string."""
    group = make_remote_actor("assembly", own_server=True)
    group.actor_type = "Group"
    author = make_remote_actor("dana", own_server=True)
    event = event_doc(author, "Marcha regional", group.actor_id)
    author.server.serve(event["id"], event)
    create = {"id": author.new_id(), "type": "Create", "actor": author.actor_id, "object": event}
    announce = {
        "id": group.new_id(),
        "type": "Announce",
        "actor": group.actor_id,
        "to": [PUBLIC],
        "cc": [group.followers],
        "audience": group.actor_id,
        "object": create,
    }
    # from a group none of ours follows: nothing is fetched or kept
    unsolicited = await deliver(db, app_client, group, {**announce, "id": group.new_id()}, "/inbox")
    assert unsolicited.state == InboxState.IGNORED
    assert author.server.gets(event["id"]) == 0
    async with db.session() as session:
        local = await session.get(Actor, association.id)
        assert local is not None
        follow = await follow_remote(session, fed, local, group.actor_id)
        advance(follow, FollowState.ACCEPTED)
        await session.commit()
    row = await deliver(db, app_client, group, announce, "/inbox")
    assert row.state == InboxState.DONE
    assert author.server.gets(event["id"]) == 1  # taken from its origin, not from the group
    assert await agenda_titles(app_client) == {"Marcha regional": group.actor_id}
    assert await agenda_titles(app_client, group=group.actor_id) == {
        "Marcha regional": group.actor_id
    }
    assert await agenda_titles(app_client, group="https://elsewhere.example/g") == {}
    html = await app_client.get("/agenda", params=RANGE)
    assert "via the group" in html.text

    # the author's edit, relayed by the group, is fetched again
    event["name"] = "Marcha regional (nuevo horario)"
    update = {**create, "id": author.new_id(), "type": "Update"}
    await deliver(
        db, app_client, group, {**announce, "id": group.new_id(), "object": update}, "/inbox"
    )
    assert "Marcha regional (nuevo horario)" in await agenda_titles(app_client)
    assert await count(db, Interaction, Interaction.type == "Announce") == 1

    # the group's Undo of its Announce takes it out of the group's agenda
    undo = group.activity("Undo", {"id": announce["id"], "type": "Announce"})
    await deliver(db, app_client, group, undo, "/inbox")
    assert await agenda_titles(app_client, group=group.actor_id) == {}

    # a relayed Delete is applied once the origin says the object is gone
    delete = {
        "id": author.new_id(),
        "type": "Delete",
        "actor": author.actor_id,
        "object": event["id"],
    }
    wrapped = {**announce, "id": group.new_id(), "object": delete}
    await deliver(db, app_client, group, wrapped, "/inbox")
    assert (await one(db, ContentObject, ContentObject.ap_id == event["id"])).deleted_at is None
    author.server.serve(event["id"], lambda: None)
    await deliver(db, app_client, group, {**wrapped, "id": group.new_id()}, "/inbox")
    assert (await one(db, ContentObject, ContentObject.ap_id == event["id"])).deleted_at is not None


def test_the_command_line_creates_a_group_joined_and_left_by_a_local_association(
    tmp_path: Path, database_url: str
) -> None:
    assert run(tmp_path, database_url, *INIT).exit_code == 0
    created = run(
        tmp_path,
        database_url,
        "groups",
        "create",
        GROUP,
        "--name",
        "Coordinación",
        "--admin-email",
        "admin@node.example",
    )
    assert created.exit_code == 0, created.output
    assert f"@{GROUP}@node.example" in created.output
    joined = run(tmp_path, database_url, "follow", "tunis_migrants", f"@{GROUP}@node.example")
    assert joined.exit_code == 0, joined.output
    assert "accepted" in joined.output
    members = run(tmp_path, database_url, "groups", "members", GROUP)
    assert "@tunis_migrants@node.example" in members.output
    removed = run(
        tmp_path, database_url, "groups", "remove-member", GROUP, "@tunis_migrants@node.example"
    )
    assert removed.exit_code == 0, removed.output
    again = run(tmp_path, database_url, "follow", "tunis_migrants", f"@{GROUP}@node.example")
    assert "pending" in again.output  # a removed member waits for the moderators


@dataclass
class CorpusGroup(RemoteActor):
    """A corpus group document served by a peer at its own path (its host rewritten to the
    peer's), with a key of ours in place of its own so it can sign what it sends."""

    doc: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return urlsplit(self.doc["id"]).path

    @property
    def key_id(self) -> str:
        return str(self.doc["publicKey"]["id"])

    def document(self) -> dict[str, Any]:
        return self.doc


def corpus_doc(name: str, server: PeerServer) -> dict[str, Any]:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"fedi-corpus not found at {CORPUS}; set MIGRANTNET_FEDI_CORPUS")
    text = path.read_text(encoding="utf-8")
    origin = urlsplit(json.loads(text)["id"]).netloc
    for scheme in ("https", "http"):
        text = text.replace(f"{scheme}://{origin}", server.base_url)
    return dict(json.loads(text))


@pytest.mark.parametrize("name", ["lemmy/group-community.json", "mobilizon/group.json"])
async def test_an_association_follows_a_corpus_group_and_reads_what_it_relays(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    make_peer_server: Any,
    name: str,
) -> None:
    """A Lemmy community or a Mobilizon group, as their servers send them: followed, its
    Accept (Lemmy's shape) taken, and its Announce{Create{Page}} (Lemmy's) read."""
    server = make_peer_server()
    private_pem, public_pem = pooled_key_pair(0)
    doc = corpus_doc(name, server)
    doc["publicKey"]["publicKeyPem"] = public_pem
    group = CorpusGroup(server, "group", private_pem, public_pem, doc=doc)
    async with db.session() as session:
        local = await session.get(Actor, association.id)
        assert local is not None
        follow = await follow_remote(session, fed, local, group.actor_id)
        await session.commit()
    stored = await one(db, Actor, Actor.ap_id == group.actor_id)
    assert stored.type == "Group"
    [sent] = await rows(db, Delivery)
    assert sent.inbox_url == group.doc["inbox"]  # a Follow goes to its own inbox

    accept = corpus_doc("lemmy/accept-follow.json", server)
    accept.update(id=group.new_id(), actor=group.actor_id)
    accept["object"].update(id=follow.ap_id, actor=association.ap_id, object=group.actor_id)
    await deliver(db, app_client, group, accept)
    assert (await one(db, Follow)).state == FollowState.ACCEPTED

    author_key = pooled_key_pair(1)
    author = RemoteActor(server, "lemmy_beta", *author_key)
    announce = corpus_doc("lemmy/announce-create-page.json", server)
    create = announce["object"]
    page = create["object"]
    page.update(
        id=server.url("/post/7"),
        attributedTo=author.actor_id,
        to=[group.actor_id, PUBLIC],
        audience=group.actor_id,
    )
    server.serve(page["id"], page)
    create.update(actor=author.actor_id, id=author.new_id())
    announce.update(id=group.new_id(), actor=group.actor_id)
    assert (await deliver(db, app_client, group, announce, "/inbox")).state == InboxState.DONE
    kept = await one(db, ContentObject, ContentObject.ap_id == page["id"])
    assert "post 4" in kept.name_map.values()
    shared = await one(db, Interaction, Interaction.object_ap_id == page["id"])
    assert shared.actor_id == stored.id

    # the relayed titled page is a thread of that group here; the group locks it (Lemmy's
    # Lock, sent by the group), then unlocks it; nobody else can, not even its author
    thread = await one(db, GroupThread, GroupThread.root_ap_id == page["id"])
    assert thread.group_id == stored.id and not thread.locked
    lock = corpus_doc("lemmy/lock-page.json", server)
    lock.update(id=author.new_id(), actor=author.actor_id, object=page["id"])
    assert (await deliver(db, app_client, author, lock, "/inbox")).state == InboxState.IGNORED
    assert not (await one(db, GroupThread)).locked
    lock.update(id=group.new_id(), actor=group.actor_id)
    assert (await deliver(db, app_client, group, lock, "/inbox")).state == InboxState.DONE
    assert (await one(db, GroupThread)).locked
    stray = {**lock, "id": group.new_id(), "object": server.url("/post/404")}
    assert (await deliver(db, app_client, group, stray, "/inbox")).state == InboxState.IGNORED
    undo = group.activity("Undo", {k: v for k, v in lock.items() if k != "@context"})
    by_author = author.activity("Undo", {**lock, "actor": author.actor_id})
    assert (await deliver(db, app_client, author, by_author, "/inbox")).state == InboxState.IGNORED
    assert (await one(db, GroupThread)).locked
    assert (await deliver(db, app_client, group, undo, "/inbox")).state == InboxState.DONE
    assert not (await one(db, GroupThread)).locked

    # Lemmy's moderators lock with their own Lock, which the community announces
    moderator = RemoteActor(server, "lemmy_mod", *pooled_key_pair(2))
    by_mod = corpus_doc("lemmy/lock-page.json", server)
    by_mod.update(id=moderator.new_id(), actor=moderator.actor_id, object=page["id"])
    by_mod.pop("@context", None)
    relayed = group.activity("Announce", by_mod)
    assert (await deliver(db, app_client, group, relayed, "/inbox")).state == InboxState.DONE
    assert (await one(db, GroupThread)).locked
    unlock = moderator.activity("Undo", by_mod)
    unlock.pop("@context")
    relayed_undo = group.activity("Announce", unlock)
    assert (await deliver(db, app_client, group, relayed_undo, "/inbox")).state == InboxState.DONE
    assert not (await one(db, GroupThread)).locked
    # the same Announce from anyone but the thread's group changes nothing
    forged = author.activity("Announce", {**by_mod, "id": moderator.new_id()})
    assert (await deliver(db, app_client, author, forged, "/inbox")).state == InboxState.IGNORED
    assert not (await one(db, GroupThread)).locked
