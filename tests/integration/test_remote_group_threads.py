"""The threads of a group elsewhere (Lemmy's shape: `Announce{Create{Page}}`) as this node
shows them: a page of them newest activity first, paged; one nested with links to its
originals; readable by anyone only when a member association shows its follows, else by its
people; answered from the page as a note to the group, which relays it; a locked one takes
no reply; a blocked group has no page. Reached from the directory and the network page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from browser_forms import HTML, form_token, signed_in, submit
from federation_peer import PUBLIC, RemoteActor, deliver, one, pooled_key_pair, rows
from test_groups import CorpusGroup, corpus_doc

from migrantnet.config import Settings
from migrantnet.content.associations import update_association
from migrantnet.content.group_thread_listing import THREADS_PAGE
from migrantnet.content.users import create_user, grant_role
from migrantnet.db import Database
from migrantnet.federation.follows import follow_remote
from migrantnet.federation.service import Federation
from migrantnet.models import (
    Actor,
    Block,
    BlockKind,
    ContentObject,
    Delivery,
    FollowState,
    GroupThread,
    OutboxActivity,
    Role,
)
from migrantnet.models.lifecycle import advance


def page_doc(author: RemoteActor, group: RemoteActor, title: str, day: int) -> dict[str, Any]:
    """A Lemmy post in a community: a titled `Page`, the community as `audience`."""
    ap_id = author.new_id("post")
    return {
        "id": ap_id,
        "type": "Page",
        "attributedTo": author.actor_id,
        "name": title,
        "content": f"<p>{title}: ideas</p>",
        "url": ap_id + "/html",
        "published": f"2030-01-{day:02d}T10:00:00Z",
        "to": [group.actor_id, PUBLIC],
        "cc": [],
        "audience": group.actor_id,
    }


def note_doc(author: RemoteActor, group: RemoteActor, parent: str, text: str) -> dict[str, Any]:
    return {
        "id": author.new_id("comment"),
        "type": "Note",
        "attributedTo": author.actor_id,
        "content": f"<p>{text}</p>",
        "inReplyTo": parent,
        "published": "2030-02-01T10:00:00Z",
        "to": [PUBLIC],
        "cc": [group.actor_id],
        "audience": group.actor_id,
    }


async def relayed(
    db: Database, client: httpx.AsyncClient, group: RemoteActor, author: RemoteActor, doc: Any
) -> None:
    """The author's object, served at its origin, announced by the group."""
    author.server.serve(doc["id"], doc)
    create = {"id": author.new_id(), "type": "Create", "actor": author.actor_id, "object": doc}
    announce = group.activity("Announce", create, to=[PUBLIC], cc=[group.followers])
    assert (await deliver(db, client, group, announce, "/inbox")).state == "done"


async def joined(db: Database, fed: Federation, association: Actor, group: RemoteActor) -> None:
    async with db.session() as session:
        local = await session.get(Actor, association.id)
        assert local is not None
        follow = await follow_remote(session, fed, local, group.actor_id)
        advance(follow, FollowState.ACCEPTED)
        await session.commit()


async def show_follows(db: Database, association: Actor, shown: bool) -> None:
    async with db.session() as session:
        local = await session.get(Actor, association.id)
        assert local is not None
        await update_association(session, local, show_follows=shown)
        await session.commit()


@pytest.fixture
def lemmy(make_remote_actor: Any) -> tuple[RemoteActor, RemoteActor]:
    group = make_remote_actor("assembly", own_server=True)
    group.actor_type = "Group"
    group.extra_fields = {"url": group.server.url("/c/assembly")}
    return group, make_remote_actor("dana", own_server=True)


async def test_a_remote_groups_threads_listed_nested_answered_locked_and_shown_by_rule(
    admin: httpx.AsyncClient,
    app_client: httpx.AsyncClient,
    settings: Settings,
    db: Database,
    fed: Federation,
    association: Actor,
    lemmy: tuple[RemoteActor, RemoteActor],
) -> None:
    group, dana = lemmy
    await joined(db, fed, association, group)
    older = page_doc(dana, group, "Caravana 2031", 1)
    newer = page_doc(dana, group, "Asamblea de enero", 2)
    for doc in (older, newer):
        await relayed(db, app_client, group, dana, doc)
    first = note_doc(dana, group, older["id"], "Me sumo")
    await relayed(db, app_client, group, dana, first)
    second = note_doc(dana, group, first["id"], "Y yo también")
    await relayed(db, app_client, group, dana, second)
    handle = f"assembly@{group.domain}"
    listing = f"/groups/{handle}/threads"

    # tunis_migrants does not show its follows: the page is its people's, a 404 for others
    assert (await app_client.get(listing, headers=HTML)).status_code == 404
    page = await admin.get(listing, headers=HTML)
    assert page.status_code == 200, page.text
    text = page.text
    thread = await one(db, GroupThread, GroupThread.root_ap_id == older["id"])
    thread_url = f"{listing}/{thread.id}"
    # the reply made the older thread the newest activity
    assert text.index("Caravana 2031") < text.index("Asamblea de enero")
    assert f'<h2><a href="{thread_url}"' in text and "2 replies" in text
    assert f"@{handle}" in text and f'href="{group.server.url("/c/assembly")}"' in text
    assert (await app_client.get(thread_url, headers=HTML)).status_code == 404
    # a moderator of tunis_migrants reads them, a person of another association does not
    async with db.session() as session, session.begin():
        reader = await create_user(session, email="m@node-a.test", password="a long password 1")
        local = await session.get(Actor, association.id)
        assert local is not None
        await grant_role(session, reader, local, Role.MODERATOR)
        await create_user(session, email="s@node-a.test", password="a long password 1")
    async with signed_in(settings, "m@node-a.test", "a long password 1") as moderator:
        shown = await moderator.get(thread_url, headers=HTML)
        assert shown.status_code == 200 and "Caravana 2031" in shown.text
        assert 'name="text"' not in shown.text  # reading is not publishing
    async with signed_in(settings, "s@node-a.test", "a long password 1") as stranger:
        assert (await stranger.get(listing, headers=HTML)).status_code == 404

    await show_follows(db, association, True)
    anonymous = (await app_client.get(thread_url, headers=HTML)).text
    assert "Caravana 2031" in anonymous and 'name="text"' not in anonymous
    assert (
        "Editors of member associations sign in"
        in (await app_client.get(listing, headers=HTML)).text
    )
    assert f'href="{older["url"]}" rel="noopener">See the discussion on its server' in anonymous
    first_row = await one(db, ContentObject, ContentObject.ap_id == first["id"])
    item = anonymous.split(f'id="reply-{first_row.id}"', 1)[1]
    assert item.index("Me sumo") < item.index("Y yo también") < item.index("</li>")

    # reached from the directory (a member association shows its follows) and the network page
    directory = (await app_client.get("/directory", headers=HTML)).text
    assert f'href="{listing}"' in directory
    network = (await admin.get("/admin/tunis_migrants/network", headers=HTML)).text
    assert f'href="{listing}"' in network

    # the admin answers dana's reply: a note to the group, with its inReplyTo, sent to it
    answering = f"{thread_url}?reply_to={first_row.id}"
    form = (await admin.get(answering, headers=HTML)).text
    assert f'name="in_reply_to" value="{first["id"]}"' in form
    assert "Sent to the group, which relays it to its members." in form
    sent = await submit(
        admin,
        answering,
        f"{thread_url}/reply",
        {"association": "tunis_migrants", "text": "Desde aquí, sí", "in_reply_to": first["id"]},
    )
    assert sent.status_code == 303, sent.text
    mine = await one(
        db, ContentObject, ContentObject.in_reply_to == first["id"], ContentObject.local
    )
    assert sent.headers["location"] == f"{thread_url}#reply-{mine.id}"
    [create] = await rows(db, OutboxActivity, OutboxActivity.type == "Create")
    note = create.payload["object"]
    assert note["inReplyTo"] == first["id"] and note["audience"] == group.actor_id
    assert group.actor_id in [*note["to"], *note["cc"]]
    inboxes = {d.inbox_url for d in await rows(db, Delivery, Delivery.activity_id == create.id)}
    assert group.server.url("/inbox") in inboxes or group.inbox in inboxes
    assert "Desde aquí, sí" in (await app_client.get(thread_url, headers=HTML)).text

    # a person with no role in a member association may not answer
    async with signed_in(settings, "s@node-a.test", "a long password 1") as stranger:
        shown = (await stranger.get(thread_url, headers=HTML)).text
        assert 'name="text"' not in shown
        token = await form_token(stranger, "/account")
        refused = await stranger.post(
            f"{thread_url}/reply",
            data={"association": "tunis_migrants", "text": "x", "csrf_token": token},
            headers=HTML,
        )
        assert refused.status_code == 403

    # the group locks the thread: marked, no form, a reply refused with the form's error
    lock = group.activity("Lock", older["id"], audience=group.actor_id)
    assert (await deliver(db, app_client, group, lock, "/inbox")).state == "done"
    locked = (await admin.get(thread_url, headers=HTML)).text
    assert "This discussion is locked: no new reply." in locked and 'name="text"' not in locked
    assert '<span class="badge">Locked</span>' in (await admin.get(listing, headers=HTML)).text
    refused = await submit(
        admin, "/account", f"{thread_url}/reply", {"association": "tunis_migrants", "text": "x"}
    )
    assert refused.status_code == 422 and "closed to new replies" in refused.text

    # a blocked group has no pages, whoever asks
    async with db.session() as session, session.begin():
        session.add(Block(kind=BlockKind.ACCOUNT, target=group.actor_id, domain=group.domain))
    assert (await admin.get(listing, headers=HTML)).status_code == 404
    assert (await admin.get(thread_url, headers=HTML)).status_code == 404


async def test_a_remote_groups_threads_are_paged_by_newest_activity(
    admin: httpx.AsyncClient,
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    lemmy: tuple[RemoteActor, RemoteActor],
) -> None:
    group, dana = lemmy
    await joined(db, fed, association, group)
    titles = [f"Hilo {n:02d}" for n in range(THREADS_PAGE + 2)]
    for day, title in enumerate(titles, start=1):
        await relayed(db, app_client, group, dana, page_doc(dana, group, title, day))
    listing = f"/groups/assembly@{group.domain}/threads"
    first = (await admin.get(listing, headers=HTML)).text
    shown = [t for t in titles if f">{t}</a>" in first]
    assert shown == titles[2:]  # the newest twenty
    assert first.index(titles[-1]) < first.index(titles[2])
    older = first.split('class="more"><a href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert older.startswith(listing + "?before=")
    second = (await admin.get(older, headers=HTML)).text
    assert [t for t in titles if f">{t}</a>" in second] == titles[:2]
    assert 'rel="next"' not in second
    for wrong in ("x", "99999999999999999999-1", "1-0"):
        refused = await admin.get(listing, params={"before": wrong}, headers=HTML)
        assert refused.status_code == 422, refused.text
    # a thread id of another group is not found under this one
    assert (await admin.get(f"{listing}/999999", headers=HTML)).status_code == 404
    assert (await admin.get("/groups/nobody@nowhere.example/threads")).status_code == 404


async def test_a_lemmy_community_from_the_corpus_shows_its_relayed_post_as_a_thread(
    admin: httpx.AsyncClient,
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    make_peer_server: Any,
) -> None:
    """`lemmy/group-community.json` followed, its `announce-create-page.json` relayed."""
    server = make_peer_server()
    private_pem, public_pem = pooled_key_pair(0)
    doc = corpus_doc("lemmy/group-community.json", server)
    doc["publicKey"]["publicKeyPem"] = public_pem
    group = CorpusGroup(server, "group", private_pem, public_pem, doc=doc)
    async with db.session() as session:
        local = await session.get(Actor, association.id)
        assert local is not None
        advance(await follow_remote(session, fed, local, group.actor_id), FollowState.ACCEPTED)
        await session.commit()
    author = RemoteActor(server, "lemmy_beta", *pooled_key_pair(1))
    announce = corpus_doc("lemmy/announce-create-page.json", server)
    page = announce["object"]["object"]
    page.update(
        id=server.url("/post/7"),
        attributedTo=author.actor_id,
        to=[group.actor_id, PUBLIC],
        audience=group.actor_id,
    )
    server.serve(page["id"], page)
    announce["object"].update(actor=author.actor_id, id=author.new_id())
    announce.update(id=group.new_id(), actor=group.actor_id)
    assert (await deliver(db, app_client, group, announce, "/inbox")).state == "done"

    listing = f"/groups/tenforward@{server.domain}/threads"
    text = (await admin.get(listing, headers=HTML)).text
    thread = await one(db, GroupThread, GroupThread.root_ap_id == page["id"])
    assert "Ten Forward" in text and f"@tenforward@{server.domain}" in text
    assert f'href="{listing}/{thread.id}"' in text and "post 4" in text
    shown = (await admin.get(f"{listing}/{thread.id}", headers=HTML)).text
    assert "post 4" in shown and f'href="{page.get("url") or page["id"]}"' in shown
