"""A Mobilizon event whose organiser closed its comments (the corpus event as Mobilizon
writes it then: `repliesModerationOption` "closed", `commentsEnabled` false): the agenda says
"Comments are closed", the note form shows it above the post answered and refuses the reply
beside its field, and the reply-by-address page refuses it too; the same event open takes
the reply."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from browser_forms import HTML, csrf_of
from federation_peer import RemoteActor, deliver, one
from sqlalchemy import select
from test_groups import corpus_doc

from migrantnet.db import Database
from migrantnet.federation.follows import follow_remote
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, ContentObject, FollowState
from migrantnet.models.lifecycle import advance

NEW_NOTE = "/admin/tunis_migrants/new/note"
RANGE = {"from": "2030-12-01", "to": "2030-12-31"}
CLOSED = "comments are closed on this event: it takes no reply"


def mobilizon_event(author: RemoteActor, *, closed: bool, path: str) -> dict[str, Any]:
    """`mobilizon/event.json` on the author's server, in 2030, its comments as asked."""
    doc = corpus_doc("mobilizon/event.json", author.server)
    doc.pop("@context", None)
    ap_id = author.server.url(path)
    doc.update(
        id=ap_id,
        url=ap_id,
        attributedTo=author.actor_id,
        startTime="2030-12-11T19:00:00Z",
        endTime="2030-12-11T21:00:00Z",
    )
    if closed:
        doc.update(repliesModerationOption="closed", commentsEnabled=False)
    assert urlsplit(ap_id).netloc == author.domain
    author.server.serve(ap_id, {"@context": "https://www.w3.org/ns/activitystreams", **doc})
    return doc


async def compose_reply(editor: httpx.AsyncClient, parent: str) -> httpx.Response:
    form = await editor.get(f"{NEW_NOTE}?in_reply_to={quote(parent, safe='')}", headers=HTML)
    return await editor.post(
        NEW_NOTE,
        data={
            "csrf_token": csrf_of(form.text),
            "languages": "en",
            "body.en": "We will come.",
            "in_reply_to": parent,
            "action": "publish",
        },
        files={"file": ("", b"")},
        headers=HTML,
    )


async def test_an_event_with_comments_closed_is_marked_and_takes_no_reply(
    app_client: httpx.AsyncClient,
    editor: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    author = make_remote_actor("devon_caledonian_society", own_server=True)
    async with db.session() as session:
        local = await session.get(Actor, association.id)
        assert local is not None
        advance(await follow_remote(session, fed, local, author.actor_id), FollowState.ACCEPTED)
        await session.commit()
    closed = mobilizon_event(author, closed=True, path="/events/closed")
    opened = mobilizon_event(author, closed=False, path="/events/open")
    for doc in (closed, opened):
        create = author.activity("Create", doc, to=doc["to"], cc=doc.get("cc", []))
        assert (await deliver(db, app_client, author, create, "/inbox")).state == "done"
    kept = await one(db, ContentObject, ContentObject.ap_id == closed["id"])
    assert kept.extra["event"]["comments_enabled"] is False

    agenda = (await app_client.get("/agenda", params=RANGE, headers=HTML)).text
    assert agenda.count('class="agenda-event h-event') == 2
    assert agenda.count("Comments are closed") == 1
    closed_item = agenda.split(f'href="{closed["url"]}"', 1)[1].split("</li>", 1)[0]
    assert "Comments are closed" in closed_item

    form = await editor.get(f"{NEW_NOTE}?in_reply_to={quote(closed['id'], safe='')}", headers=HTML)
    assert "Comments are closed: its author takes no reply." in form.text
    refused = await compose_reply(editor, closed["id"])
    assert refused.status_code == 422
    assert 'id="e-in_reply_to"' in refused.text and CLOSED in refused.text
    lookup = await editor.get("/admin/tunis_migrants/reply", headers=HTML)
    looked = await editor.post(
        "/admin/tunis_migrants/reply",
        data={"csrf_token": csrf_of(lookup.text), "url": closed["id"]},
        headers=HTML,
    )
    assert looked.status_code == 422 and CLOSED in looked.text
    assert 'name="in_reply_to"' not in looked.text  # no button to the note form

    # the same event, open, takes the reply
    assert (
        "Comments are closed"
        not in (
            await editor.get(f"{NEW_NOTE}?in_reply_to={quote(opened['id'], safe='')}", headers=HTML)
        ).text
    )
    done = await compose_reply(editor, opened["id"])
    assert done.status_code == 303, done.text
    async with db.session() as session:
        replies = list(
            await session.scalars(select(ContentObject.in_reply_to).where(ContentObject.local))
        )
    assert replies == [opened["id"]]
