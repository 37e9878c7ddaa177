"""Writing replies: a note answering a post of ours or of another server, through the content
service, the compose form, the reply-by-address page, the JSON API and the command line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from browser_forms import HTML, csrf_of
from cli_node import INIT, runner
from federation_peer import RemoteActor, after_a_commit_elsewhere, closed_port_url
from sqlalchemy import select

from migrantnet.cli import app as cli_app
from migrantnet.config import Settings
from migrantnet.content.associations import create_association
from migrantnet.content.declarations import DECLARATION, DeclarationInput
from migrantnet.content.errors import InvalidInput
from migrantnet.content.notes import edit_note, publish_note
from migrantnet.content.objects import publish_kind
from migrantnet.content.replies import thread
from migrantnet.content.texts import TextsInput
from migrantnet.content.tokens import create_token
from migrantnet.content.users import get_user_by_email
from migrantnet.db import Database
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.reply_lookup import find_reply_target
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, ContentObject, Delivery, ReplyState, Visibility
from migrantnet.uris import Uris

AP = {"Accept": "application/activity+json"}
NEW_NOTE = "/admin/tunis_migrants/new/note"
API_NOTES = "/api/v1/associations/tunis_migrants/notes"
MakeRemoteActor = Callable[..., RemoteActor]


async def declaration(
    db: Database, fed: Federation, uris: Uris, *, visibility: str = Visibility.PUBLIC
) -> str:
    """A declaration of `tunis_migrants`, the post our replies answer; its id."""
    async with db.session() as session:
        actor = await session.scalar(select(Actor).where(Actor.slug == "tunis_migrants"))
        assert actor is not None
        data = DeclarationInput(
            texts=TextsInput(title={"en": "For the right to stay"}, body={"en": "Papers for all."}),
            visibility=visibility,
        )
        obj = await publish_kind(
            DECLARATION,
            session,
            uris,
            ActivityPubNotifier(fed),
            actor,
            data,
            followers_confirmed=True,
        )
        await session.commit()
        return obj.ap_id


def peer_post(peer: RemoteActor, text: str = "<p>Who comes on Sunday?</p>", **kw: Any) -> str:
    """A public note of another server, served where its id says; its id."""
    note = {"@context": "https://www.w3.org/ns/activitystreams", **peer.note({"en": text}, **kw)}
    peer.server.serve(note["id"], note)
    return str(note["id"])


async def deliveries_to(db: Database, inbox: str) -> int:
    async with db.session() as session:
        rows = await session.scalars(select(Delivery).where(Delivery.inbox_url == inbox))
        return len(list(rows))


# -- the content service ---------------------------------------------------------------------


async def test_a_note_answers_our_declaration_and_shows_under_it(
    db: Database, fed: Federation, uris: Uris, association: Actor, app_client: httpx.AsyncClient
) -> None:
    parent = await declaration(db, fed, uris)
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        assert actor is not None
        reply = await publish_note(
            session,
            uris,
            ActivityPubNotifier(fed),
            actor,
            text={"en": "We sign it too."},
            in_reply_to=parent,
        )
        await session.commit()
        assert reply.in_reply_to == parent
        assert [obj.ap_id for obj, _ in await thread(session, parent)] == [reply.ap_id]

    doc = (await app_client.get(reply.ap_id, headers=AP)).json()
    assert doc["inReplyTo"] == parent
    assert association.ap_id in doc["cc"]
    mention = {"type": "Mention", "href": association.ap_id, "name": f"@tunis_migrants@{uris.host}"}
    assert mention in doc["tag"]
    page = (await app_client.get(parent, headers=HTML)).text
    assert "We sign it too." in page and "Replies (1)" in page
    own = (await app_client.get(reply.ap_id, headers=HTML)).text
    assert "In reply to" in own and f'href="{parent}"' in own


@pytest.mark.parametrize("case", ["unknown", "followers", "deleted"])
async def test_a_note_cannot_answer_what_is_not_an_answerable_post(
    db: Database, fed: Federation, uris: Uris, association: Actor, case: str
) -> None:
    if case == "unknown":
        parent, message = uris.object("tunis_migrants", "nothing-here"), "is not a post this node"
    else:
        visibility = Visibility.FOLLOWERS if case == "followers" else Visibility.PUBLIC
        parent = await declaration(db, fed, uris, visibility=visibility)
        message = "only a public or unlisted post" if case == "followers" else "was deleted"
    async with db.session() as session:
        if case == "deleted":
            obj = await session.scalar(select(ContentObject).where(ContentObject.ap_id == parent))
            assert obj is not None
            obj.deleted_at = obj.published_at
            await session.commit()
        actor = await session.get(Actor, association.id)
        assert actor is not None
        with pytest.raises(InvalidInput) as raised:
            await publish_note(
                session,
                uris,
                ActivityPubNotifier(fed),
                actor,
                text={"en": "Hello"},
                in_reply_to=parent,
                followers_confirmed=True,
            )
        assert raised.value.field == "in_reply_to" and message in str(raised.value)


async def test_an_edit_keeps_the_post_a_reply_answers(
    db: Database, fed: Federation, uris: Uris, association: Actor
) -> None:
    parent = await declaration(db, fed, uris)
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        assert actor is not None
        notifier = ActivityPubNotifier(fed)
        reply = await publish_note(
            session, uris, notifier, actor, text={"en": "First"}, in_reply_to=parent
        )
        await edit_note(session, notifier, actor, reply, text={"en": "Second #papers"})
        await session.commit()
        assert reply.in_reply_to == parent
        assert reply.extra["answered"]["actor"] == association.ap_id


async def test_a_reply_to_another_servers_post_is_fetched_addressed_and_delivered(
    db: Database, fed: Federation, uris: Uris, association: Actor, remote_actor: RemoteActor
) -> None:
    parent = peer_post(remote_actor)
    async with db.session() as session:
        target = await find_reply_target(session, fed, parent)
        assert target.author.ap_id == remote_actor.actor_id
        actor = await session.get(Actor, association.id)
        assert actor is not None
        reply = await publish_note(
            session,
            uris,
            ActivityPubNotifier(fed),
            actor,
            text={"en": "We come."},
            in_reply_to=target.obj.ap_id,
        )
        await session.commit()
        stored = await session.scalar(select(ContentObject).where(ContentObject.ap_id == parent))
        assert stored is not None and not stored.local
        assert reply.extra["answered"] == {
            "actor": remote_actor.actor_id,
            "handle": f"@alice@{remote_actor.domain}",
        }
    # no follower here: the only inbox is the answered author's server's
    assert await deliveries_to(db, remote_actor.server.url("/inbox")) == 1


async def test_another_local_associations_reply_is_in_the_threads_owners_hands(
    db: Database, fed: Federation, uris: Uris, association: Actor
) -> None:
    """The association whose declaration it is decides, as for a peer's reply: it holds
    replies, so its neighbour's waits; its own reply under its own post does not."""
    parent = await declaration(db, fed, uris)
    async with db.session() as session:
        owner = await session.get(Actor, association.id)
        assert owner is not None
        owner.hold_replies = True
        neighbour = await create_association(session, uris, slug="roma", name="Roma Solidale")
        notifier = ActivityPubNotifier(fed)
        theirs = await publish_note(
            session, uris, notifier, neighbour, text={"en": "Us too"}, in_reply_to=parent
        )
        own = await publish_note(
            session, uris, notifier, owner, text={"en": "Thanks"}, in_reply_to=parent
        )
        await session.commit()
        assert (theirs.thread_owner_id, theirs.reply_state) == (owner.id, ReplyState.HELD)
        assert (own.thread_owner_id, own.reply_state) == (None, ReplyState.SHOWN)
        assert [obj.ap_id for obj, _ in await thread(session, parent)] == [own.ap_id]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("down", "could not read"),
        ("followers", "only a public or unlisted post"),
        ("elsewhere", "is not a post of its own server"),
        ("not a url", "give the address of a post"),
    ],
)
async def test_a_peers_post_that_cannot_be_answered_is_refused_with_why(
    db: Database,
    fed: Federation,
    association: Actor,
    make_remote_actor: MakeRemoteActor,
    kind: str,
    message: str,
) -> None:
    peer = make_remote_actor("bob")
    if kind == "down":
        address = closed_port_url("/notes/1")
    elif kind == "followers":
        address = peer_post(peer, to=[peer.followers])
    elif kind == "elsewhere":
        other = make_remote_actor("carol", own_server=True)
        note = peer.note({"en": "Not mine"})
        note["attributedTo"] = other.actor_id
        address = str(note["id"])
        peer.server.serve(address, note)
    else:
        address = "peer.example/notes/1"
    async with db.session() as session:
        with pytest.raises(InvalidInput) as raised:
            await find_reply_target(session, fed, address)
    assert raised.value.field == "in_reply_to" and message in str(raised.value)


# -- the compose form and the reply-by-address page -------------------------------------------


async def test_the_reply_button_leads_to_the_note_form_with_the_post_filled_in(
    db: Database,
    fed: Federation,
    uris: Uris,
    association: Actor,
    editor: httpx.AsyncClient,
    app_client: httpx.AsyncClient,
) -> None:
    parent = await declaration(db, fed, uris)
    page = (await editor.get(parent, headers=HTML)).text
    href = f"{NEW_NOTE}?in_reply_to={quote(parent, safe='')}"
    assert f'href="{href}"' in page and ">Reply</a>" in page
    assert ">Reply</a>" not in (await app_client.get(parent, headers=HTML)).text  # anonymous

    form = await editor.get(href, headers=HTML)
    assert form.status_code == 200
    assert f'name="in_reply_to" type="text" value="{parent}"' in form.text
    assert "For the right to stay" in form.text  # the answered post, shown above the form
    done = await editor.post(
        NEW_NOTE,
        data={
            "csrf_token": csrf_of(form.text),
            "languages": "en",
            "body.en": "We sign it too.",
            "in_reply_to": parent,
            "action": "publish",
        },
        files={"file": ("", b"")},
        headers=HTML,
    )
    assert done.status_code == 303, done.text
    async with db.session() as session:
        reply = await session.scalar(
            select(ContentObject).where(ContentObject.in_reply_to == parent)
        )
        assert reply is not None and reply.local
    assert "We sign it too." in (await app_client.get(parent, headers=HTML)).text
    # Its edit form shows the post it answers, and saving keeps it.
    edit = f"/admin/tunis_migrants/content/{Uris.public_id_of(reply.ap_id)}/edit"
    edit_form = await editor.get(edit, headers=HTML)
    assert f'name="in_reply_to" type="text" value="{parent}"' in edit_form.text
    saved = await editor.post(
        edit,
        data={
            "csrf_token": csrf_of(edit_form.text),
            "languages": "en",
            "body.en": "We sign it too, all of us.",
            "in_reply_to": parent,
            "visibility": "public",
            "action": "publish",
        },
        files={"file": ("", b"")},
        headers=HTML,
    )
    assert saved.status_code == 303, saved.text


async def test_a_wrong_address_comes_back_beside_the_field_with_the_text_kept(
    db: Database, association: Actor, editor: httpx.AsyncClient
) -> None:
    form = await editor.get(NEW_NOTE, headers=HTML)
    address = closed_port_url("/notes/1")
    response = await editor.post(
        NEW_NOTE,
        data={
            "csrf_token": csrf_of(form.text),
            "languages": "en",
            "body.en": "Our <b>answer</b>",
            "in_reply_to": address,
            "action": "publish",
        },
        files={"file": ("", b"")},
        headers=HTML,
    )
    assert response.status_code == 422
    assert 'id="e-in_reply_to"' in response.text and "could not read" in response.text
    assert "Our &lt;b&gt;answer&lt;/b&gt;" in response.text
    assert f'value="{address}"' in response.text
    async with db.session() as session:
        assert list(await session.scalars(select(ContentObject))) == []


async def test_a_post_of_another_server_is_looked_up_previewed_then_answered(
    db: Database, association: Actor, editor: httpx.AsyncClient, remote_actor: RemoteActor
) -> None:
    parent = peer_post(remote_actor, "<p>Who comes on Sunday?</p><script>alert(1)</script>")
    page = await editor.get("/admin/tunis_migrants/reply", headers=HTML)
    token = csrf_of(page.text)
    wrong = await editor.post(
        "/admin/tunis_migrants/reply",
        data={"csrf_token": token, "url": closed_port_url("/x")},
        headers=HTML,
    )
    assert wrong.status_code == 422 and 'id="e-url"' in wrong.text

    found = await editor.post(
        "/admin/tunis_migrants/reply", data={"csrf_token": token, "url": parent}, headers=HTML
    )
    assert found.status_code == 200
    assert "Who comes on Sunday?" in found.text and "<script>" not in found.text
    assert f"@alice@{remote_actor.domain}" in found.text
    assert "Reply as Tunis Migrants" in found.text
    assert f'name="in_reply_to" value="{parent}"' in found.text
    form = await editor.get(f"{NEW_NOTE}?in_reply_to={quote(parent, safe='')}", headers=HTML)
    assert "Who comes on Sunday?" in form.text


async def test_another_servers_interact_button_leads_to_the_reply_lookup(
    association: Actor, editor: httpx.AsyncClient, remote_actor: RemoteActor
) -> None:
    parent = peer_post(remote_actor)
    page = await editor.get(f"/authorize_interaction?uri={quote(parent, safe='')}", headers=HTML)
    assert page.status_code == 200
    form = page.text.split('action="/admin/tunis_migrants/reply"', 1)[1].split("</form>", 1)[0]
    assert f'name="url" value="{parent}"' in form and "See it and reply" in form
    found = await editor.post(
        "/admin/tunis_migrants/reply",
        data={"csrf_token": csrf_of(page.text), "url": parent},
        headers=HTML,
    )
    assert found.status_code == 200 and "Who comes on Sunday?" in found.text


# -- the JSON API -----------------------------------------------------------------------------


@pytest.fixture
async def api(
    settings: Settings, db: Database, association: Actor, editor: httpx.AsyncClient
) -> httpx.AsyncClient:
    async with db.session() as session:
        user = await get_user_by_email(session, "admin@node-a.test")
        assert user is not None
        token = await create_token(session, user, "tests")
        await session.commit()
    editor.headers["Authorization"] = f"Bearer {token}"
    return editor


async def test_the_api_answers_a_post_with_the_same_rules_as_the_form(
    db: Database, fed: Federation, uris: Uris, api: httpx.AsyncClient, remote_actor: RemoteActor
) -> None:
    ours = await declaration(db, fed, uris)
    made = await api.post(API_NOTES, json={"text": {"en": "Yes"}, "in_reply_to": ours})
    assert made.status_code == 201, made.text
    assert made.json()["in_reply_to"] == ours

    theirs = peer_post(remote_actor)
    remote = await api.post(API_NOTES, json={"text": {"en": "We come"}, "in_reply_to": theirs})
    assert remote.status_code == 201 and remote.json()["in_reply_to"] == theirs

    wrong = await api.post(
        API_NOTES, json={"text": {"en": "No"}, "in_reply_to": closed_port_url("/x")}
    )
    assert wrong.status_code == 422 and "in_reply_to" in wrong.text

    moved = await api.put(
        f"{API_NOTES}/{made.json()['public_id']}",
        json={"text": {"en": "Yes!"}, "in_reply_to": theirs},
    )
    assert moved.status_code == 422 and "same post" in moved.text
    kept = await api.put(f"{API_NOTES}/{made.json()['public_id']}", json={"text": {"en": "Yes!"}})
    assert kept.status_code == 200 and kept.json()["in_reply_to"] == ours


# -- the command line -------------------------------------------------------------------------


def test_post_in_reply_to_from_the_command_line(
    tmp_path: Path, database_url: str, remote_actor: RemoteActor
) -> None:
    env = {
        "MIGRANTNET_DATA_DIR": str(tmp_path),
        "MIGRANTNET_DATABASE_URL": database_url,
        "MIGRANTNET_ALLOW_PRIVATE_ADDRESSES": "true",  # the peer is on loopback
    }
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        assert runner.invoke(cli_app, INIT, env=env).exit_code == 0
        theirs = peer_post(remote_actor)
        args = ["post", "tunis_migrants", "We come.", "--in-reply-to", theirs]
        done = runner.invoke(cli_app, args, env=env)
        wrong = runner.invoke(cli_app, [*args[:3], "--in-reply-to", closed_port_url("/x")], env=env)
    finally:  # the CLI points logging at its captured stderr; give the next tests theirs back
        root.handlers[:] = handlers
        root.setLevel(level)
    assert done.exit_code == 0, done.output
    assert (
        done.output.strip().splitlines()[-1].startswith("https://node.example/@tunis_migrants/")
    ), done.output
    assert wrong.exit_code == 2 and "in_reply_to: could not read" in wrong.output


async def test_a_reply_is_published_while_other_writes_commit_during_the_fetch(
    settings: Settings,
    db: Database,
    association: Actor,
    editor: httpx.AsyncClient,
    remote_actor: RemoteActor,
) -> None:
    """The answered post is fetched while the node goes on writing. The form once fetched it
    inside its savepoint, a transaction that had read: on SQLite it could not write after
    another connection's commit, and the editor got a 503."""
    note = {
        "@context": "https://www.w3.org/ns/activitystreams",
        **remote_actor.note({"en": "<p>Who comes on Sunday?</p>"}),
    }
    remote_actor.server.serve(note["id"], after_a_commit_elsewhere(settings.database_url, note))
    form = await editor.get(NEW_NOTE, headers=HTML)
    done = await editor.post(
        NEW_NOTE,
        data={
            "csrf_token": csrf_of(form.text),
            "languages": "en",
            "body.en": "We come.",
            "in_reply_to": note["id"],
            "action": "publish",
        },
        files={"file": ("", b"")},
        headers=HTML,
    )

    assert done.status_code == 303, done.text[:300]
    async with db.session() as session:
        reply = await session.scalar(
            select(ContentObject).where(ContentObject.in_reply_to == note["id"])
        )
    assert reply is not None and reply.local
