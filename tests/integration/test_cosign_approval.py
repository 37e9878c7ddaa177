"""A peer's co-signature waits for the declaration owner's approval; people may not co-sign
unless the owner allows them; a trusted signer needs no approval."""

from __future__ import annotations

import httpx
from browser_forms import HTML, submit
from federation_peer import RemoteActor, deliver, one, rows
from sqlalchemy import select

from migrantnet.content.declarations import DeclarationInput, publish_declaration
from migrantnet.content.publishing import NoFederation
from migrantnet.content.texts import TextsInput
from migrantnet.db import Database
from migrantnet.federation.cosigning import approve_cosignature
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, ContentObject, Cosignature, CosignState, OutboxActivity
from migrantnet.uris import Uris

AP_JSON = "application/activity+json"


async def declaration_of(db: Database, uris: Uris, author: Actor) -> ContentObject:
    async with db.session() as session:
        actor = await session.get(Actor, author.id)
        assert actor is not None
        declaration = await publish_declaration(
            session,
            uris,
            NoFederation(),
            actor,
            DeclarationInput(texts=TextsInput(title={"en": "Papers for all"}, body={"en": "Now."})),
        )
        await session.commit()
        return declaration


async def signatories(client: httpx.AsyncClient, declaration: ContentObject) -> list[str]:
    path = declaration.ap_id.removeprefix(str(client.base_url).rstrip("/"))
    answer = await client.get(
        f"{path}/signatories", headers={"Accept": "application/activity+json"}
    )
    return list(answer.json()["orderedItems"])


async def test_a_peers_signature_waits_for_approval_and_a_person_is_refused(
    app_client: httpx.AsyncClient,
    db: Database,
    uris: Uris,
    fed: Federation,
    association: Actor,
    make_remote_actor,  # type: ignore[no-untyped-def]
) -> None:
    declaration = await declaration_of(db, uris, association)
    group: RemoteActor = make_remote_actor("collectif")
    group.actor_type = "Group"
    group.server.serve(group.path, group.document)
    person: RemoteActor = make_remote_actor("rita")

    await deliver(db, app_client, group, group.activity("Join", declaration.ap_id))
    row = await one(db, Cosignature)
    assert row.state == CosignState.PENDING
    assert await signatories(app_client, declaration) == []  # not shown yet
    assert await rows(db, OutboxActivity, OutboxActivity.type == "Accept") == []

    # A person's Join is refused with a Reject and leaves nothing.
    await deliver(db, app_client, person, person.activity("Join", declaration.ap_id))
    reject = await one(db, OutboxActivity, OutboxActivity.type == "Reject")
    assert reject.payload["object"]["actor"] == person.actor_id
    assert len(await rows(db, Cosignature)) == 1

    async with db.session() as session, session.begin():
        author = await session.get(Actor, association.id)
        assert author is not None
        await approve_cosignature(session, fed, author, declaration.ap_id, group.actor_id)
    assert (await one(db, Cosignature)).state == CosignState.ACCEPTED
    assert await signatories(app_client, declaration) == [group.actor_id]
    accept = await one(db, OutboxActivity, OutboxActivity.type == "Accept")
    assert accept.payload["object"]["actor"] == group.actor_id

    # Once people are allowed and the person's host is trusted, their signature is shown at once.
    async with db.session() as session, session.begin():
        author = await session.get(Actor, association.id)
        assert author is not None
        author.cosign_people = True
        author.cosign_trusted = [person.domain]
    await deliver(db, app_client, person, person.activity("Join", declaration.ap_id))
    async with db.session() as session:
        states = list(await session.scalars(select(Cosignature.state)))
    assert states == [CosignState.ACCEPTED, CosignState.ACCEPTED]
    assert sorted(await signatories(app_client, declaration)) == sorted(
        [group.actor_id, person.actor_id]
    )


async def test_the_owners_admins_approve_and_reject_pending_signatures_on_the_web(
    admin: httpx.AsyncClient,
    app_client: httpx.AsyncClient,
    db: Database,
    uris: Uris,
    association: Actor,
    make_remote_actor,  # type: ignore[no-untyped-def]
) -> None:
    declaration = await declaration_of(db, uris, association)
    groups: list[RemoteActor] = [make_remote_actor(name) for name in ("collectif", "strangers")]
    for group in groups:
        group.actor_type = "Group"
        group.server.serve(group.path, group.document)
        await deliver(db, app_client, group, group.activity("Join", declaration.ap_id))
    friends, strangers = groups

    dashboard = await admin.get("/admin/tunis_migrants", headers=HTML)
    assert 'href="/admin/tunis_migrants/signatures"' in dashboard.text
    page = await admin.get("/admin/tunis_migrants/signatures", headers=HTML)
    assert page.status_code == 200
    assert f"@collectif@{friends.domain}" in page.text and "Papers for all" in page.text

    # Without this browser's form token nothing is decided.
    forged = await admin.post(
        "/admin/tunis_migrants/signatures/approve",
        data={"declaration": declaration.ap_id, "signer": friends.actor_id},
        headers=HTML,
    )
    assert forged.status_code == 403
    assert {row.state for row in await rows(db, Cosignature)} == {CosignState.PENDING}

    for decision, group in (("approve", friends), ("reject", strangers)):
        answer = await submit(
            admin,
            "/admin/tunis_migrants/signatures",
            f"/admin/tunis_migrants/signatures/{decision}",
            {"declaration": declaration.ap_id, "signer": group.actor_id},
        )
        assert answer.status_code == 303
    accepted = await one(db, Cosignature)  # the refused one is gone
    assert accepted.state == CosignState.ACCEPTED
    assert await signatories(app_client, declaration) == [friends.actor_id]
    accept = await one(db, OutboxActivity, OutboxActivity.type == "Accept")
    assert accept.payload["object"]["actor"] == friends.actor_id
    reject = await one(db, OutboxActivity, OutboxActivity.type == "Reject")
    assert reject.payload["object"]["actor"] == strangers.actor_id
    assert reject.payload["object"]["object"] == declaration.ap_id

    done = await admin.get("/admin/tunis_migrants/signatures?done=rejected", headers=HTML)
    assert "No signature is waiting." in done.text and "Refused" in done.text
    # A second click on a decided signature says so instead of failing.
    again = await submit(
        admin,
        "/admin/tunis_migrants/cosign",  # a page with a form: the token is the session's
        "/admin/tunis_migrants/signatures/reject",
        {"declaration": declaration.ap_id, "signer": strangers.actor_id},
    )
    assert again.headers["location"].endswith("done=gone")
