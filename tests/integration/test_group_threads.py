"""Threads in a group of this node (the permanent dialogue): a member association starts one,
members' replies from other servers are announced and nest under what they answer, a
non-member's only when the group allows it, a locked thread refuses new replies and a hidden
one leaves the group's page; every moderator's action is in the trail."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from browser_forms import HTML, form_token, signed_in, submit
from federation_peer import PUBLIC, RemoteActor, deliver, one, rows

from migrantnet.config import Settings
from migrantnet.content.errors import Forbidden, InvalidInput
from migrantnet.content.group_thread_listing import (
    ReplyNode,
    list_threads,
    thread_cursor,
    thread_tree,
)
from migrantnet.content.group_threads import (
    lock_thread,
    reply_in_thread,
    set_open_replies,
    start_thread,
)
from migrantnet.content.groups import create_group
from migrantnet.content.users import create_user, get_user_by_email
from migrantnet.db import Database
from migrantnet.federation.follows import follow_remote
from migrantnet.federation.groups import hide_group_thread
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.service import Federation
from migrantnet.models import (
    Actor,
    ContentObject,
    Delivery,
    GroupThread,
    InboxState,
    ModerationAction,
    OutboxActivity,
)

GROUP = "coordination"


async def group_with_local_member(db: Database, fed: Federation, association: Actor) -> Actor:
    async with db.session() as session:
        admin = await get_user_by_email(session, "admin@node-a.test")
        group = await create_group(
            session, fed.uris, slug=GROUP, name="Coordinación Migrante", admin=admin
        )
        local = await session.get(Actor, association.id)
        assert local is not None
        await follow_remote(session, fed, local, f"@{GROUP}@{fed.uris.host}")
        await session.commit()
        return group


async def start(db: Database, fed: Federation, association: Actor, group: Actor, title: str) -> str:
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        local_group = await session.get(Actor, group.id)
        assert actor is not None and local_group is not None
        thread = await start_thread(
            session,
            fed.uris,
            ActivityPubNotifier(fed),
            actor,
            local_group,
            title=title,
            text="¿Cómo preparamos el 18 de diciembre?",
            language="es",
        )
        await session.commit()
        return thread.root_ap_id


def reply_doc(peer: RemoteActor, parent: str, text: str, group: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": peer.new_id("notes"),
        "type": "Note",
        "attributedTo": peer.actor_id,
        "content": f"<p>{text}</p>",
        "inReplyTo": parent,
        "published": "2030-01-01T10:00:00Z",
        "to": [PUBLIC],
        "cc": [peer.followers, *([group] if group else [])],
    }
    return doc


async def replies_with(
    db: Database, client: httpx.AsyncClient, peer: RemoteActor, doc: dict[str, Any]
) -> InboxState:
    activity = peer.activity("Create", doc, to=doc["to"], cc=doc["cc"])
    return InboxState((await deliver(db, client, peer, activity, "/inbox")).state)


async def announced_objects(db: Database, group: Actor) -> list[str]:
    announces = await rows(
        db, OutboxActivity, OutboxActivity.actor_id == group.id, OutboxActivity.type == "Announce"
    )
    return [a.payload["object"]["object"]["id"] for a in announces]


def texts(nodes: list[ReplyNode]) -> list[Any]:
    """The tree as nested lists: [text, [children...]]."""
    return [[next(iter(n.obj.content_map.values())), texts(n.children)] for n in nodes]


async def test_a_thread_with_members_replies_nested_and_a_non_members_refused(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    group = await group_with_local_member(db, fed, association)
    bob = make_remote_actor("bob", own_server=True)
    mallory = make_remote_actor("mallory", own_server=True)
    follow = bob.activity("Follow", group.ap_id)
    assert (await deliver(db, app_client, bob, follow, f"/@{GROUP}/inbox")).state == "done"

    root = await start(db, fed, association, group, "Preparar el 18D")
    thread = await one(db, GroupThread)
    assert (thread.group_id, thread.root_ap_id, thread.reply_count) == (group.id, root, 0)
    assert await announced_objects(db, group) == [root]
    [create] = await rows(db, OutboxActivity, OutboxActivity.type == "Create")
    assert create.payload["object"]["name"] == "Preparar el 18D"
    assert create.payload["object"]["audience"] == group.ap_id

    # bob, a member, answers the root; then answers himself without naming the group
    first = reply_doc(bob, root, "Propongo una asamblea", group.ap_id)
    assert await replies_with(db, app_client, bob, first) == InboxState.DONE
    second = reply_doc(bob, first["id"], "El sábado a las 10", None)
    assert await replies_with(db, app_client, bob, second) == InboxState.DONE
    assert await announced_objects(db, group) == [root, first["id"], second["id"]]
    # mallory is no member: stored (it answers our thread), never announced nor shown
    spam = reply_doc(mallory, first["id"], "Compre ahora", group.ap_id)
    assert await replies_with(db, app_client, mallory, spam) == InboxState.DONE
    assert spam["id"] not in await announced_objects(db, group)
    assert (await one(db, ContentObject, ContentObject.ap_id == spam["id"])).group_thread_id is None

    # a member association of ours answers bob's second message
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        local_group = await session.get(Actor, group.id)
        here = await session.get(GroupThread, thread.id)
        assert actor is not None and local_group is not None and here is not None
        mine = await reply_in_thread(
            session,
            fed.uris,
            ActivityPubNotifier(fed),
            actor,
            local_group,
            here,
            text="De acuerdo",
            language="es",
            parent_ap_id=second["id"],
        )
        with pytest.raises(InvalidInput):  # a message of another thread, or none
            await reply_in_thread(
                session,
                fed.uris,
                ActivityPubNotifier(fed),
                actor,
                local_group,
                here,
                text="x",
                language="es",
                parent_ap_id=spam["id"],
            )
        await session.commit()
    assert mine.in_reply_to == second["id"]
    assert (await announced_objects(db, group))[-1] == mine.ap_id

    async with db.session() as session:
        local_group = await session.get(Actor, group.id)
        here = await session.get(GroupThread, thread.id)
        assert local_group is not None and here is not None
        tree = await thread_tree(session, local_group, here)
        assert here.reply_count == 3
    assert texts(tree.replies) == [
        [
            "<p>Propongo una asamblea</p>",
            [["<p>El sábado a las 10</p>", [["<p>De acuerdo</p>", []]]]],
        ]
    ]

    # the group opens its threads to non-members: mallory's next reply is announced
    async with db.session() as session:
        local_group = await session.get(Actor, group.id)
        assert local_group is not None
        await set_open_replies(session, None, local_group, open_replies=True)
        await session.commit()
    welcome = reply_doc(mallory, root, "Una pregunta sincera", None)
    await replies_with(db, app_client, mallory, welcome)
    assert (await announced_objects(db, group))[-1] == welcome["id"]


async def test_moderators_lock_and_hide_threads_and_the_trail_says_who(
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    group = await group_with_local_member(db, fed, association)
    bob = make_remote_actor("bob", own_server=True)
    await deliver(db, app_client, bob, bob.activity("Follow", group.ap_id), f"/@{GROUP}/inbox")
    older = await start(db, fed, association, group, "Older thread")
    newer = await start(db, fed, association, group, "Newer thread")
    async with db.session() as session:
        local_group = await session.get(Actor, group.id)
        assert local_group is not None
        listed = await list_threads(session, local_group)
        assert [t.root.ap_id for t in listed] == [newer, older]
        # a reply makes the older one the newest activity; pages are keyset
        await session.rollback()
    await replies_with(db, app_client, bob, reply_doc(bob, older, "Reviving", group.ap_id))
    async with db.session() as session:
        local_group = await session.get(Actor, group.id)
        assert local_group is not None
        listed = await list_threads(session, local_group)
        assert [t.root.ap_id for t in listed] == [older, newer]
        page_two = await list_threads(session, local_group, thread_cursor(listed[0].thread))
        assert [t.root.ap_id for t in page_two] == [newer]

        admin = await get_user_by_email(session, "admin@node-a.test")
        stranger = await create_user(session, email="s@node-a.test", password="a long password 1")
        thread = (await list_threads(session, local_group))[0].thread
        with pytest.raises(Forbidden):
            await lock_thread(session, stranger, local_group, thread, locked=True)
        await lock_thread(session, admin, local_group, thread, locked=True)
        actor = await session.get(Actor, association.id)
        assert actor is not None
        with pytest.raises(InvalidInput):
            await reply_in_thread(
                session,
                fed.uris,
                ActivityPubNotifier(fed),
                actor,
                local_group,
                thread,
                text="too late",
                language="es",
            )
        await session.commit()
    before = await announced_objects(db, group)
    late = reply_doc(bob, older, "After the lock", group.ap_id)
    assert await replies_with(db, app_client, bob, late) == InboxState.DONE
    assert await announced_objects(db, group) == before

    async with db.session() as session:
        local_group = await session.get(Actor, group.id)
        admin = await get_user_by_email(session, "admin@node-a.test")
        thread = await session.get(
            GroupThread, (await one(db, GroupThread, GroupThread.root_ap_id == newer)).id
        )
        assert local_group is not None and thread is not None
        await hide_group_thread(session, fed, local_group, admin, thread)
        await session.commit()
        listed = await list_threads(session, local_group)
        assert [t.root.ap_id for t in listed] == [older]
    [undo] = await rows(db, OutboxActivity, OutboxActivity.type == "Undo")
    assert undo.payload["object"]["object"] == newer
    trail = [(a.action, a.by, a.target) for a in await rows(db, ModerationAction)]
    assert trail == [
        ("group_lock_thread", "admin@node-a.test", older),
        ("group_hide_thread", "admin@node-a.test", newer),
        ("group_hide_item", "admin@node-a.test", newer),
    ]


async def test_pages_list_threads_start_one_reply_nested_and_moderate_with_csrf(
    admin: httpx.AsyncClient,
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    group = await group_with_local_member(db, fed, association)
    bob = make_remote_actor("bob", own_server=True)
    await deliver(db, app_client, bob, bob.activity("Follow", group.ap_id), f"/@{GROUP}/inbox")
    listing = f"/@{GROUP}/threads"
    anonymous = await app_client.get(listing, headers=HTML)
    assert "No discussion yet." in anonymous.text and 'name="title"' not in anonymous.text

    # the admin writes for tunis_migrants, a member: the form starts a thread
    no_token = await admin.post(listing, data={"association": "tunis_migrants"}, headers=HTML)
    assert no_token.status_code == 403
    untitled = await submit(
        admin, listing, listing, {"association": "tunis_migrants", "title": " ", "text": "x"}
    )
    assert untitled.status_code == 422 and "a thread needs a title" in untitled.text
    started = await submit(
        admin,
        listing,
        listing,
        {"association": "tunis_migrants", "title": "Caravana 2031", "text": "Primera idea"},
    )
    assert started.status_code == 303, started.text
    thread_url = started.headers["location"]
    thread = await one(db, GroupThread)
    assert thread_url == f"/@{GROUP}/threads/{thread.id}"

    # bob answers from his server; the admin answers bob's message from the page
    first = reply_doc(bob, thread.root_ap_id, "Me sumo", group.ap_id)
    await replies_with(db, app_client, bob, first)
    bob_reply = await one(db, ContentObject, ContentObject.ap_id == first["id"])
    answering = f"{thread_url}?reply_to={bob_reply.id}"
    form = await admin.get(answering, headers=HTML)
    assert f'name="in_reply_to" value="{first["id"]}"' in form.text
    assert f'href="{answering}#reply-form"' in form.text  # each message's "Reply" link
    sent = await submit(
        admin,
        answering,
        f"{thread_url}/reply",
        {"association": "tunis_migrants", "text": "Gracias", "in_reply_to": first["id"]},
    )
    assert sent.status_code == 303, sent.text
    page = (await app_client.get(thread_url, headers=HTML)).text
    assert '<h1 id="page-title" class="p-name" lang="en" dir="ltr">Caravana 2031</h1>' in page
    # nested lists: the admin's answer is inside bob's reply's item
    bob_item = page.split(f'id="reply-{bob_reply.id}"', 1)[1]
    assert bob_item.index("Me sumo") < bob_item.index("Gracias") < bob_item.index("</li>")
    assert bob_item.count('<ol class="replies">') >= 1
    assert 'name="text"' not in page  # no form for a reader not signed in
    group_page = (await app_client.get(f"/@{GROUP}", headers=HTML)).text
    assert "Caravana 2031" in group_page and "2 replies" in group_page
    assert f'<h3><a href="{thread_url}"' in group_page  # under the page's "Discussions"
    listed = (await app_client.get(listing, headers=HTML)).text
    assert f'<h2><a href="{thread_url}"' in listed  # right under the page's title

    # moderating needs the token and the role; a locked thread shows no reply form
    moderate = f"{thread_url}/moderate"
    locked = await submit(admin, thread_url, moderate, {"action": "lock"})
    assert locked.status_code == 303
    page = (await admin.get(thread_url, headers=HTML)).text
    assert "This discussion is locked: no new reply." in page and 'name="text"' not in page
    refused = await submit(
        admin, thread_url, f"{thread_url}/reply", {"association": "tunis_migrants", "text": "x"}
    )
    assert refused.status_code == 422 and "closed to new replies" in refused.text
    # the members' servers are told, once: Lock{root}, then Undo{Lock} when it is opened again
    again = await submit(admin, thread_url, moderate, {"action": "lock"})
    assert again.status_code == 303
    [lock] = await rows(db, OutboxActivity, OutboxActivity.type == "Lock")
    assert lock.payload["actor"] == group.ap_id and lock.payload["object"] == thread.root_ap_id
    assert {d.inbox_url for d in await rows(db, Delivery, Delivery.activity_id == lock.id)} == {
        bob.server.url("/inbox")  # the shared inbox; our own member reads the database
    }
    assert (await submit(admin, thread_url, moderate, {"action": "unlock"})).status_code == 303
    [unlock] = await rows(db, OutboxActivity, OutboxActivity.type == "Undo")
    assert unlock.payload["object"]["type"] == "Lock"
    assert unlock.payload["object"]["object"] == thread.root_ap_id
    assert 'name="text"' in (await admin.get(thread_url, headers=HTML)).text
    hidden = await submit(admin, thread_url, moderate, {"action": "hide"})
    assert hidden.status_code == 303
    assert (await app_client.get(thread_url, headers=HTML)).status_code == 404
    assert "Caravana 2031" not in (await app_client.get(listing, headers=HTML)).text
    assert "Hidden" in (await admin.get(listing, headers=HTML)).text
    actions = [a.action for a in await rows(db, ModerationAction)]
    assert actions == [
        "group_lock_thread",
        "group_unlock_thread",
        "group_hide_thread",
        "group_hide_item",
    ]


async def test_a_moderator_opens_and_closes_threads_to_non_members_from_the_groups_page(
    admin: httpx.AsyncClient,
    app_client: httpx.AsyncClient,
    settings: Settings,
    db: Database,
    fed: Federation,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    group = await group_with_local_member(db, fed, association)
    root = await start(db, fed, association, group, "Caravana 2031")
    mallory = make_remote_actor("mallory", own_server=True)  # never joins
    page = f"/admin/{GROUP}/group"
    toggle = f"{page}/open-replies"
    shown = (await admin.get(page, headers=HTML)).text
    assert 'name="open_replies" value="on"' in shown
    assert "Only members can reply in the group" in shown
    closed = reply_doc(mallory, root, "Antes", None)
    await replies_with(db, app_client, mallory, closed)
    assert closed["id"] not in await announced_objects(db, group)

    # without the form's token, nothing changes
    assert (await admin.post(toggle, data={"open_replies": "on"}, headers=HTML)).status_code == 403
    opened = await submit(admin, page, toggle, {"open_replies": "on"})
    assert opened.status_code == 303
    assert opened.headers["location"] == f"{page}?done=opened"
    told = (await admin.get(opened.headers["location"], headers=HTML)).text
    assert "Replies from non-members are now accepted" in told
    assert 'name="open_replies" value="off"' in told
    welcome = reply_doc(mallory, root, "Una pregunta", None)
    await replies_with(db, app_client, mallory, welcome)
    assert (await announced_objects(db, group))[-1] == welcome["id"]

    # someone of this node who does not moderate the group is refused, page and form alike
    async with db.session() as session, session.begin():
        await create_user(session, email="s@node-a.test", password="a long password 1")
    async with signed_in(settings, "s@node-a.test", "a long password 1") as stranger:
        assert (await stranger.get(page, headers=HTML)).status_code == 403
        token = await form_token(stranger, "/account")
        refused = await stranger.post(
            toggle, data={"open_replies": "off", "csrf_token": token}, headers=HTML
        )
        assert refused.status_code == 403
    assert (await one(db, Actor, Actor.id == group.id)).open_replies

    closing = await submit(admin, page, toggle, {"open_replies": "off"})
    assert closing.headers["location"] == f"{page}?done=closed"
    assert not (await one(db, Actor, Actor.id == group.id)).open_replies
    late = reply_doc(mallory, root, "Después", None)
    await replies_with(db, app_client, mallory, late)
    assert late["id"] not in await announced_objects(db, group)
    trail = [(a.action, a.by, a.detail) for a in await rows(db, ModerationAction)]
    assert trail == [
        ("group_open_replies", "admin@node-a.test", "on"),
        ("group_open_replies", "admin@node-a.test", "off"),
    ]
