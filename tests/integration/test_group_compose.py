"""Posting to a group from the browser's compose form: a select of the groups the association
joined (ours and other nodes'), checked and addressed by the same service as the API's
`group` (`to`/`cc`/`audience`), and the group's Announce to its members."""

from __future__ import annotations

from typing import Any

import httpx
from browser_forms import HTML, csrf_of
from federation_peer import PUBLIC, RemoteActor, deliver, one, rows

from migrantnet.content.groups import create_group
from migrantnet.content.users import get_user_by_email
from migrantnet.db import Database
from migrantnet.federation.follows import follow_remote
from migrantnet.federation.service import Federation
from migrantnet.models import (
    Actor,
    ContentObject,
    Delivery,
    FollowState,
    InboxState,
    OutboxActivity,
)
from migrantnet.models.lifecycle import advance
from migrantnet.uris import Uris

NEW = "/admin/tunis_migrants/new"
EVENT = {
    "languages": "es",
    "title.es": "Jornada 18D",
    "body.es": "Acción global por los derechos de los migrantes.",
    "primary_language": "es",
    "starts": "2030-12-18T10:00",
    "ends": "2030-12-18T18:00",
    "timezone": "America/Argentina/Buenos_Aires",
    "place.locality": "Buenos Aires",
    "place.country": "AR",
    "visibility": "public",
    "action": "publish",
}


async def post_form(client: httpx.AsyncClient, page: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_of((await client.get(page, headers=HTML)).text)
    return await client.post(
        page, data={**data, "csrf_token": token}, files={"file": ("", b"")}, headers=HTML
    )


async def local_group(db: Database, uris: Uris, slug: str, name: str) -> Actor:
    async with db.session() as session:
        admin = await get_user_by_email(session, "admin@node-a.test")
        group = await create_group(session, uris, slug=slug, name=name, admin=admin)
        await session.commit()
        return group


async def join(db: Database, fed: Federation, association: Actor, group_id: str) -> None:
    """The association joins (a remote group answers Accept: recorded here as it would be)."""
    async with db.session() as session:
        member = await session.get(Actor, association.id)
        assert member is not None
        follow = await follow_remote(session, fed, member, group_id)
        if follow.state == FollowState.PENDING:
            advance(follow, FollowState.ACCEPTED)
        await session.commit()


async def test_the_form_lists_joined_groups_and_posts_an_event_to_one_as_the_api_does(
    editor: httpx.AsyncClient,
    app_client: httpx.AsyncClient,
    db: Database,
    fed: Federation,
    uris: Uris,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    joined = await local_group(db, uris, "coordinacion", "Coordinación Migrante")
    other = await local_group(db, uris, "otra", "Asamblea sin nosotros")
    remote: RemoteActor = make_remote_actor("asamblea", own_server=True)
    remote.actor_type = "Group"
    bob = make_remote_actor("bob", own_server=True)
    follow = bob.activity("Follow", joined.ap_id)
    assert (await deliver(db, app_client, bob, follow, "/@coordinacion/inbox")).state == (
        InboxState.DONE
    )
    await join(db, fed, association, joined.ap_id)
    await join(db, fed, association, remote.actor_id)

    form = await editor.get(f"{NEW}/event", headers=HTML)
    assert form.status_code == 200
    assert 'name="group"' in form.text and "Post to a group" in form.text
    assert f'value="{joined.ap_id}"' in form.text
    assert f'value="{remote.actor_id}"' in form.text
    assert f'value="{other.ap_id}"' not in form.text  # not joined: not offered

    # a group it did not join, sent by hand, is refused beside the field, nothing published
    refused = await post_form(editor, f"{NEW}/event", {**EVENT, "group": other.ap_id})
    assert refused.status_code == 422
    assert 'id="e-group"' in refused.text and "is not a member of this group" in refused.text
    assert 'value="Jornada 18D"' in refused.text
    assert await rows(db, ContentObject) == []

    published = await post_form(editor, f"{NEW}/event", {**EVENT, "group": joined.ap_id})
    assert published.status_code == 303, published.text
    create = await one(db, OutboxActivity, OutboxActivity.type == "Create")
    assert create.payload["audience"] == joined.ap_id
    assert create.payload["object"]["audience"] == joined.ap_id
    assert joined.ap_id in create.payload["object"]["cc"]
    assert PUBLIC in create.payload["object"]["to"]
    # the group announces it at once to its members (bob's server)
    [announce] = await rows(
        db, OutboxActivity, OutboxActivity.actor_id == joined.id, OutboxActivity.type == "Announce"
    )
    assert announce.payload["object"]["id"] == create.ap_id
    inboxes = {d.inbox_url for d in await rows(db, Delivery, Delivery.activity_id == announce.id)}
    assert inboxes == {bob.server.url("/inbox")}
    agenda = await app_client.get(
        "/api/v1/agenda", params={"from": "2030-12-01", "to": "2030-12-31", "group": joined.ap_id}
    )
    assert [e["origin"]["via_group"] for e in agenda.json()["events"]] == [joined.ap_id]

    # a note to the remote group goes to the group's inbox, addressed to it
    note = {"languages": "es", "body.es": "Nos vemos el 18", "action": "publish"}
    sent = await post_form(editor, f"{NEW}/note", {**note, "group": remote.actor_id})
    assert sent.status_code == 303, sent.text
    [_, to_remote] = await rows(db, OutboxActivity, OutboxActivity.type == "Create")
    assert to_remote.payload["audience"] == remote.actor_id
    assert remote.actor_id in to_remote.payload["object"]["cc"]
    targets = {d.inbox_url for d in await rows(db, Delivery, Delivery.activity_id == to_remote.id)}
    assert targets & {remote.inbox, remote.server.url("/inbox")}

    # editing keeps the group it was posted to and offers no other
    public_id = published.headers["location"].rsplit("id=", 1)[-1]
    edit = await editor.get(f"/admin/tunis_migrants/content/{public_id}/edit", headers=HTML)
    assert edit.status_code == 200 and 'name="group"' not in edit.text


async def test_an_association_in_no_group_is_offered_no_group(editor: httpx.AsyncClient) -> None:
    form = await editor.get(f"{NEW}/note", headers=HTML)
    assert form.status_code == 200
    assert 'name="group"' not in form.text and 'name="body.' in form.text
