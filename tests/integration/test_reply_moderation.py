"""An association holds peers' replies for approval, hides one, shows it again: from the web
and the command line, each decision in the audit trail, nothing held or hidden shown anywhere
(thread, `replies` collection, counts, search)."""

from __future__ import annotations

from pathlib import Path

import httpx
from browser_forms import HTML, signed_in, submit
from cli_node import INIT, run
from federation_peer import RemoteActor, deliver, one, rows
from sqlalchemy import select, update
from test_accounts_cli import db_run
from test_replies import AP, MakeRemoteActor, our_note, path_of, reply

from migrantnet.config import Settings
from migrantnet.content.moderation import CLI_MODERATOR
from migrantnet.content.reply_moderation import decide_reply, replies_of
from migrantnet.content.users import create_user, grant_role
from migrantnet.db import Database
from migrantnet.models import (
    Actor,
    ContentObject,
    Follow,
    FollowState,
    ModerationAction,
    ReplyState,
    Role,
)
from migrantnet.uris import Uris


async def hold_replies(db: Database, association: Actor) -> None:
    async with db.session() as session, session.begin():
        await session.execute(
            update(Actor).where(Actor.id == association.id).values(hold_replies=True)
        )


async def stored(db: Database, ap_id: str) -> ContentObject:
    return await one(db, ContentObject, ContentObject.ap_id == ap_id)


async def test_held_replies_wait_then_show_and_nest_under_the_owner(
    app_client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    uris: Uris,
    association: Actor,
    make_remote_actor: MakeRemoteActor,
) -> None:
    root = await our_note(settings, db, uris, association)
    await hold_replies(db, association)
    alice, friend = make_remote_actor("alice"), make_remote_actor("friend", own_server=True)
    async with db.session() as session, session.begin():  # the association follows `friend`
        followed = Actor(
            ap_id=friend.actor_id,
            type="Person",
            username="friend",
            domain=friend.domain,
            inbox_url=friend.inbox,
            public_key_id=friend.key_id,
            public_key_pem=friend.public_pem,
        )
        session.add(followed)
        await session.flush()
        session.add(
            Follow(
                ap_id=f"{uris.base_url}/follows/1",
                follower_id=association.id,
                followed_id=followed.id,
                state=FollowState.ACCEPTED,
            )
        )
    first = reply(alice, root, "<p>Where exactly?</p>")
    await deliver(db, app_client, alice, first)
    # A reply to the held reply is in the same thread: held too.
    answer = reply(friend, first["object"]["id"], "<p>At the library.</p>")
    nested = reply(alice, answer["object"]["id"], "<p>Thanks!</p>")
    await deliver(db, app_client, friend, answer)
    await deliver(db, app_client, alice, nested)

    held = await stored(db, first["object"]["id"])
    assert (held.reply_state, held.thread_owner_id) == (ReplyState.HELD, association.id)
    trusted = await stored(db, answer["object"]["id"])
    assert trusted.reply_state == ReplyState.SHOWN  # an account we follow: shown at once
    assert (await stored(db, nested["object"]["id"])).reply_state == ReplyState.HELD

    page = await app_client.get(path_of(root), headers=HTML)
    assert "Where exactly?" not in page.text and "At the library." not in page.text
    assert "No replies yet." in page.text  # the shown one hangs under a held one
    collection = (await app_client.get(path_of(f"{root}/replies"), headers=AP)).json()
    assert collection["totalItems"] == 0

    async with db.session() as session, session.begin():
        owner = await session.get(Actor, association.id)
        assert owner is not None
        queue = [obj.ap_id for obj, _actor in await replies_of(session, owner, ReplyState.HELD)]
        assert queue == [first["object"]["id"], nested["object"]["id"]]  # oldest first
        await decide_reply(session, CLI_MODERATOR, owner, first["object"]["id"], ReplyState.SHOWN)

    page = await app_client.get(path_of(root), headers=HTML)
    thread = page.text[page.text.index('id="replies"') :]
    assert "Where exactly?" in thread and "At the library." in thread
    assert "Thanks!" not in thread  # still waiting
    assert "Replies (2)" in thread
    trail = await one(db, ModerationAction)
    assert (trail.action, trail.target, trail.by) == (
        "reply_approved",
        first["object"]["id"],
        "command line",
    )


async def test_moderators_hide_and_show_replies_on_the_web_and_search_follows(
    admin: httpx.AsyncClient,
    app_client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    uris: Uris,
    association: Actor,
    make_remote_actor: MakeRemoteActor,
) -> None:
    root = await our_note(settings, db, uris, association)
    alice: RemoteActor = make_remote_actor("alice")
    shown = reply(alice, root, "<p>Solidarity zanzibarite</p>")
    await deliver(db, app_client, alice, shown)
    reply_id = shown["object"]["id"]

    dashboard = await admin.get("/admin/tunis_migrants", headers=HTML)
    assert 'href="/admin/tunis_migrants/replies"' in dashboard.text
    queue = await admin.get("/admin/tunis_migrants/replies", headers=HTML)
    assert queue.status_code == 200
    assert "No reply is waiting." in queue.text and "Solidarity zanzibarite" in queue.text
    found = await app_client.get("/search?q=zanzibarite", headers=HTML)
    assert "Solidarity zanzibarite" in found.text

    forged = await admin.post(
        "/admin/tunis_migrants/replies/hide", data={"reply": reply_id}, headers=HTML
    )
    assert forged.status_code == 403  # no form token: nothing decided
    assert (await stored(db, reply_id)).reply_state == ReplyState.SHOWN

    hidden = await submit(
        admin,
        "/admin/tunis_migrants/replies",
        "/admin/tunis_migrants/replies/hide",
        {"reply": reply_id},
    )
    assert hidden.status_code == 303 and hidden.headers["location"].endswith("done=hide")
    assert (await stored(db, reply_id)).reply_state == ReplyState.HIDDEN
    page = await app_client.get(path_of(root), headers=HTML)
    assert "Solidarity zanzibarite" not in page.text
    found = await app_client.get("/search?q=zanzibarite", headers=HTML)
    assert "Solidarity zanzibarite" not in found.text
    # A peer's Update of a hidden reply does not bring it back.
    shown["object"]["content"] = "<p>Solidarity zanzibarite, edited</p>"
    await deliver(db, app_client, alice, alice.activity("Update", shown["object"]))
    assert (await stored(db, reply_id)).reply_state == ReplyState.HIDDEN

    listed = await admin.get("/admin/tunis_migrants/replies", headers=HTML)
    assert "Hidden replies" in listed.text
    again = await submit(
        admin,
        "/admin/tunis_migrants/replies",
        "/admin/tunis_migrants/replies/show",
        {"reply": reply_id},
    )
    assert again.headers["location"].endswith("done=show")
    assert (await stored(db, reply_id)).reply_state == ReplyState.SHOWN
    # Approving a reply that is not held says it was decided, instead of failing.
    twice = await submit(
        admin,
        "/admin/tunis_migrants/replies",
        "/admin/tunis_migrants/replies/approve",
        {"reply": "https://elsewhere.example/notes/1"},
    )
    assert twice.headers["location"].endswith("done=gone")
    actions = [row.action for row in await rows(db, ModerationAction)]
    assert sorted(actions) == ["reply_hidden", "reply_shown"]
    assert all(row.by == "admin@node-a.test" for row in await rows(db, ModerationAction))


async def test_the_settings_hold_replies_and_an_editor_cannot_moderate(
    admin: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    association: Actor,
) -> None:
    saved = await submit(
        admin,
        "/admin/tunis_migrants/settings",
        "/admin/tunis_migrants/settings",
        {"name": "Tunis Migrants", "approve_followers": "on", "hold_replies": "on"},
    )
    assert saved.status_code == 303, saved.text
    async with db.session() as session:
        holds = await session.scalar(select(Actor.hold_replies).where(Actor.id == association.id))
    assert holds is True

    async with db.session() as session, session.begin():
        user = await create_user(session, email="editor@node-a.test", password="long password 1")
        owner = await session.get(Actor, association.id)
        assert owner is not None
        await grant_role(session, user, owner, Role.EDITOR)
    async with signed_in(settings, "editor@node-a.test", "long password 1") as client:
        page = await client.get("/admin/tunis_migrants/replies", headers=HTML)
        assert page.status_code == 403
        dashboard = await client.get("/admin/tunis_migrants", headers=HTML)
        assert "/admin/tunis_migrants/replies" not in dashboard.text


def test_the_command_line_lists_approves_and_hides_replies(
    tmp_path: Path, database_url: str
) -> None:
    assert run(tmp_path, database_url, *INIT).exit_code == 0
    held = run(tmp_path, database_url, "associations", "update", "tunis_migrants", "--hold-replies")
    assert held.exit_code == 0, held.output
    assert (
        run(tmp_path, database_url, "post", "tunis_migrants", "Assembly on Friday").exit_code == 0
    )

    async def a_held_reply(session):  # type: ignore[no-untyped-def]
        ours = await session.scalar(select(Actor).where(Actor.slug == "tunis_migrants"))
        assert ours.hold_replies is True
        note = await session.scalar(select(ContentObject).where(ContentObject.local.is_(True)))
        rita = Actor(
            ap_id="https://social.example/users/rita",
            type="Person",
            username="rita",
            domain="social.example",
            inbox_url="https://social.example/users/rita/inbox",
        )
        session.add(rita)
        await session.flush()
        session.add(
            ContentObject(
                ap_id="https://social.example/notes/1",
                type="Note",
                actor_id=rita.id,
                in_reply_to=note.ap_id,
                content_map={"en": "<p>I will bring chairs.</p>"},
                thread_owner_id=ours.id,
                reply_state=ReplyState.HELD,
            )
        )

    db_run(database_url, a_held_reply)
    listed = run(tmp_path, database_url, "replies", "list", "tunis_migrants")
    assert listed.exit_code == 0, listed.output
    [line] = listed.output.strip().splitlines()
    assert line.startswith("https://social.example/notes/1\t@rita@social.example\t")
    assert line.endswith("I will bring chairs.")
    approved = run(
        tmp_path, database_url, "replies", "approve", "tunis_migrants",
        "https://social.example/notes/1",
    )  # fmt: skip
    assert approved.exit_code == 0, approved.output
    assert run(tmp_path, database_url, "replies", "list", "tunis_migrants").output == ""
    shown = run(tmp_path, database_url, "replies", "list", "tunis_migrants", "--state", "shown")
    assert "https://social.example/notes/1" in shown.output
    hidden = run(
        tmp_path, database_url, "replies", "hide", "tunis_migrants",
        "https://social.example/notes/1",
    )  # fmt: skip
    assert hidden.exit_code == 0, hidden.output
    unknown = run(
        tmp_path, database_url, "replies", "approve", "tunis_migrants",
        "https://social.example/notes/404",
    )  # fmt: skip
    assert unknown.exit_code == 2 and "no reply" in unknown.output

    async def trail(session):  # type: ignore[no-untyped-def]
        return [row.action for row in await session.scalars(select(ModerationAction))]

    assert sorted(db_run(database_url, trail)) == ["reply_approved", "reply_hidden"]
