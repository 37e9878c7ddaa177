"""A peer's co-signature waits for the declaration owner's approval; people may not co-sign
unless the owner allows them; a trusted signer needs no approval."""

from __future__ import annotations

import httpx
from federation_peer import RemoteActor, deliver, one, rows
from sqlalchemy import select

from migrantnet.content.declarations import DeclarationInput, publish_declaration
from migrantnet.content.publishing import NoFederation
from migrantnet.content.texts import TextsInput
from migrantnet.db import Database
from migrantnet.federation.cosign import approve_cosignature
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
