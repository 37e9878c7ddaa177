"""Replies from the fediverse: delivered to the inbox as peers send them (signed), shown under
the object they answer, nested, sanitised, and listed in the object's `replies` collection."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
from federation_peer import PUBLIC, RemoteActor, deliver
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.config import Settings
from migrantnet.content.notes import publish_note
from migrantnet.db import Database
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, Block, BlockKind, ContentObject, InboxState
from migrantnet.uris import Uris

AP = {"Accept": "application/activity+json"}
HTML = {"Accept": "text/html"}
MakeRemoteActor = Callable[..., RemoteActor]


async def our_note(settings: Settings, db: Database, uris: Uris, association: Actor) -> str:
    fed = Federation(settings, db)
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        assert actor is not None
        note = await publish_note(
            session, uris, ActivityPubNotifier(fed), actor, text={"en": "We meet on Sunday."}
        )
        await session.commit()
    await fed.aclose()
    return note.ap_id


def reply(
    peer: RemoteActor,
    parent: str,
    html: str,
    *,
    to: list[str] | None = None,
    cc: list[str] | None = None,
) -> dict[str, Any]:
    """A Create{Note} answering `parent`, public and CCing its author unless told."""
    author = parent.split("/objects/")[0]
    note = peer.note({"en": html}, to=[PUBLIC] if to is None else to, cc=cc or [author])
    note["inReplyTo"] = parent
    return peer.activity("Create", note)


def path_of(ap_id: str) -> str:
    return ap_id.removeprefix("http://node-a.test")


async def test_replies_show_threaded_and_inert(
    app_client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    uris: Uris,
    association: Actor,
    make_remote_actor: MakeRemoteActor,
) -> None:
    root = await our_note(settings, db, uris, association)
    alice, bob = make_remote_actor("alice"), make_remote_actor("bob", own_server=True)
    first = reply(alice, root, "<p>I will <b>come</b>.</p><script>alert(1)</script>")
    await deliver(db, app_client, alice, first)
    # Bob answers Alice: not addressed to us, not a reply to ours, from nobody we follow.
    answer = bob.note({"en": '<p onclick="steal()">Me too</p>'}, to=[PUBLIC])
    answer["inReplyTo"] = first["object"]["id"]
    answer = bob.activity("Create", answer)
    stored = await deliver(db, app_client, bob, answer)
    assert stored.state == InboxState.DONE  # kept: it belongs under our note
    hidden = reply(alice, root, "<p>Just for you</p>", to=[alice.followers])
    await deliver(db, app_client, alice, hidden)

    page = await app_client.get(path_of(root), headers=HTML)
    assert page.status_code == 200
    thread = page.text[page.text.index('id="replies"') :]
    assert "Replies (2)" in thread
    nested = re.search(
        r'<ol class="replies">\s*<li id="reply-\d+">.*?I will <b>come</b>.*?'
        r'<ol class="replies">\s*<li id="reply-\d+">.*?Me too',
        thread,
        re.S,
    )
    assert nested is not None, thread  # Bob's answer nests under Alice's reply
    assert "<script" not in thread and "alert(1)" not in thread
    assert "onclick" not in thread and "steal" not in thread
    assert "Just for you" not in page.text  # followers-only: never shown
    assert f"@alice@{alice.domain}" in thread and f"@bob@{bob.domain}" in thread


async def test_the_replies_collection_is_paged_and_public(
    app_client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    uris: Uris,
    association: Actor,
    make_remote_actor: MakeRemoteActor,
) -> None:
    root = await our_note(settings, db, uris, association)
    alice = make_remote_actor("alice")
    sent = []
    for number in range(23):
        activity = reply(alice, root, f"<p>Reply {number}</p>")
        activity["object"]["published"] = f"2025-03-01T10:{number:02d}:00Z"
        await deliver(db, app_client, alice, activity)
        sent.append(activity["object"]["id"])
    await deliver(
        db, app_client, alice, reply(alice, root, "<p>dm</p>", to=[root.split("/objects/")[0]])
    )

    obj = (await app_client.get(path_of(root), headers=AP)).json()
    assert obj["replies"]["id"] == f"{root}/replies"
    collection = await app_client.get(path_of(obj["replies"]["id"]), headers=AP)
    assert collection.status_code == 200
    assert collection.headers["content-type"].startswith("application/activity+json")
    doc = collection.json()
    assert doc["type"] == "OrderedCollection" and doc["totalItems"] == 23
    first = (await app_client.get(path_of(doc["first"]), headers=AP)).json()
    assert first["type"] == "OrderedCollectionPage" and first["partOf"] == doc["id"]
    assert first["orderedItems"] == sent[:20]
    second = (await app_client.get(path_of(first["next"]), headers=AP)).json()
    assert second["orderedItems"] == sent[20:]
    assert "next" not in second

    # A browser asking for the collection is sent to the thread on the page.
    browser = await app_client.get(path_of(doc["id"]), headers=HTML)
    assert browser.status_code == 303 and browser.headers["location"].endswith("#replies")
    bad = await app_client.get(path_of(doc["id"]) + "?page=true&after=x';--", headers=AP)
    assert bad.status_code == 422
    missing = await app_client.get("/@tunis_migrants/objects/nothing/replies", headers=AP)
    assert missing.status_code == 404


async def test_blocked_and_deleted_replies_are_not_shown(
    app_client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    uris: Uris,
    association: Actor,
    make_remote_actor: MakeRemoteActor,
    session: AsyncSession,
) -> None:
    root = await our_note(settings, db, uris, association)
    alice, mallory = make_remote_actor("alice"), make_remote_actor("mallory", own_server=True)
    await deliver(db, app_client, alice, reply(alice, root, "<p>Kind words</p>"))
    await deliver(db, app_client, mallory, reply(mallory, root, "<p>Abuse</p>"))
    page = await app_client.get(path_of(root), headers=HTML)
    assert "Abuse" in page.text and "Kind words" in page.text

    session.add(
        Block(kind=BlockKind.DOMAIN, target=mallory.domain, domain=mallory.domain, reason="abuse")
    )
    await session.execute(
        update(ContentObject)
        .where(ContentObject.content_map["en"].as_string() == "<p>Kind words</p>")
        .values(deleted_at=ContentObject.published_at)
    )
    await session.commit()
    page = await app_client.get(path_of(root), headers=HTML)
    assert "Abuse" not in page.text and "Kind words" not in page.text
    assert "No replies yet." in page.text
    doc = (await app_client.get(path_of(f"{root}/replies"), headers=AP)).json()
    assert doc["totalItems"] == 0
