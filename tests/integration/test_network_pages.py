"""The network and settings pages: follow after a preview, follow requests, settings, co-sign."""

from __future__ import annotations

import html
import io

import httpx
from browser_forms import HTML, csrf_of, sign_in, submit
from federation_peer import INBOX, RemoteActor, after_a_commit_elsewhere, closed_port_url, one
from PIL import Image
from sqlalchemy import select

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.models import Actor, Delivery, Follow, FollowState, OutboxActivity

ADMIN = "admin@node-a.test"
PASSWORD = "correct horse battery"
NETWORK = "/admin/tunis_migrants/network"


async def test_follow_after_seeing_what_it_is(
    admin: httpx.AsyncClient, db: Database, remote_actor: RemoteActor, association: Actor
) -> None:
    remote_actor.extra_fields["summary"] = "<p>An <b>assembly</b> of migrants</p>"
    preview = await submit(admin, NETWORK, f"{NETWORK}/lookup", {"handle": remote_actor.actor_id})
    assert preview.status_code == 200, preview.text
    assert "Alice" in preview.text and "a person's account" in preview.text
    assert "An assembly of migrants" in preview.text  # as text: no markup from the peer
    async with db.session() as session:
        assert list(await session.scalars(select(Follow))) == []  # nothing sent yet

    token = csrf_of(preview.text)
    followed = await admin.post(
        f"{NETWORK}/follow",
        data={"handle": remote_actor.actor_id, "csrf_token": token},
        headers=HTML,
    )
    assert followed.status_code == 303
    follow = await one(db, Follow, Follow.follower_id == association.id)
    assert follow.state == FollowState.PENDING
    await one(db, Delivery, Delivery.inbox_url == remote_actor.inbox)
    assert (await one(db, OutboxActivity, OutboxActivity.type == "Follow")).type == "Follow"
    page = await admin.get(followed.headers["location"], headers=HTML)
    assert "Follow request sent" in page.text and "waiting for their answer" in page.text

    unfollowed = await submit(
        admin, NETWORK, f"{NETWORK}/unfollow", {"actor": remote_actor.actor_id}
    )
    assert unfollowed.status_code == 303
    async with db.session() as session:
        assert (await session.get(Follow, follow.id)).state == FollowState.UNDONE  # type: ignore[union-attr]


async def test_an_unreachable_handle_is_a_message_not_an_error_page(
    admin: httpx.AsyncClient,
) -> None:
    response = await submit(admin, NETWORK, f"{NETWORK}/lookup", {"handle": closed_port_url()})
    assert response.status_code == 422
    assert 'id="e-handle"' in response.text and "could not fetch" in response.text
    bad = await submit(admin, NETWORK, f"{NETWORK}/lookup", {"handle": "not a handle"})
    assert bad.status_code == 422 and "is not a handle like @name@host" in bad.text
    # In the reader's language, the other server's failure too (not our English detail).
    french = await submit(
        admin, f"{NETWORK}?lang=fr", f"{NETWORK}/lookup?lang=fr", {"handle": closed_port_url()}
    )
    assert french.status_code == 422
    error = html.unescape(french.text.split('id="e-handle">')[1].split("</p>")[0])
    assert error.startswith("impossible de lire le compte http://127.0.0.1:")
    assert error.endswith(": l'autre serveur est injoignable"), error


async def test_follow_requests_are_approved_rejected_and_followers_removed(
    admin: httpx.AsyncClient,
    db: Database,
    association: Actor,
    make_remote_actor,  # type: ignore[no-untyped-def]
) -> None:
    settings_page = "/admin/tunis_migrants/settings"
    saved = await submit(
        admin, settings_page, settings_page, {"name": "Tunis Migrants", "approve_followers": "1"}
    )
    assert saved.status_code == 303
    bob, carol = make_remote_actor("bob"), make_remote_actor("carol")
    for peer in (bob, carol):
        response = await peer.signed_post(admin, INBOX, peer.activity("Follow", association.ap_id))
        assert response.status_code == 202
    page = await admin.get(NETWORK, headers=HTML)
    assert "Follow requests" in page.text and "Bob" in page.text and "Carol" in page.text
    approve = await submit(
        admin, NETWORK, f"{NETWORK}/requests", {"actor": bob.actor_id, "decision": "approve"}
    )
    assert approve.headers["location"].endswith("done=approved")
    reject = await submit(
        admin, NETWORK, f"{NETWORK}/requests", {"actor": carol.actor_id, "decision": "reject"}
    )
    assert reject.headers["location"].endswith("done=rejected")
    states = {row.ap_id: row.state for row in await _follows_to(db, association)}
    assert sorted(states.values()) == [FollowState.ACCEPTED, FollowState.REJECTED]
    removed = await submit(admin, NETWORK, f"{NETWORK}/followers/remove", {"actor": bob.actor_id})
    assert removed.headers["location"].endswith("done=removed")
    assert {row.state for row in await _follows_to(db, association)} == {FollowState.REJECTED}
    # a second click, or another admin: nothing left to decide, said so, nothing sent twice
    for path, fields in (
        ("followers/remove", {"actor": bob.actor_id}),
        ("requests", {"actor": carol.actor_id, "decision": "approve"}),
    ):
        again = await submit(admin, NETWORK, f"{NETWORK}/{path}", fields)
        assert again.headers["location"] == f"{NETWORK}?done=gone"
    told = await admin.get(f"{NETWORK}?done=gone", headers=HTML)
    assert "already decided, or it is gone" in told.text
    async with db.session() as session:
        answers = list(await session.scalars(select(OutboxActivity.type)))
    assert answers.count("Reject") == 2 and "Accept" in answers


async def _follows_to(db: Database, association: Actor) -> list[Follow]:
    async with db.session() as session:
        return list(
            await session.scalars(select(Follow).where(Follow.followed_id == association.id))
        )


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "orange").save(buffer, "PNG")
    return buffer.getvalue()


async def test_settings_change_the_actor_document_and_give_it_an_icon(
    admin: httpx.AsyncClient, db: Database, association: Actor
) -> None:
    page = "/admin/tunis_migrants/settings"
    token = csrf_of((await admin.get(page, headers=HTML)).text)
    wrong = await admin.post(
        page,
        data={"csrf_token": token, "name": "", "timezone": "Nowhere/Land"},
        files={"avatar": ("", b"")},
        headers=HTML,
    )
    assert wrong.status_code == 422 and 'id="e-timezone"' in wrong.text
    no_country = await admin.post(
        page,
        data={"csrf_token": token, "name": "Migrants", "country": "XX"},
        files={"avatar": ("", b"")},
        headers=HTML,
    )
    assert no_country.status_code == 422 and 'id="e-country"' in no_country.text
    saved = await admin.post(
        page,
        data={
            "csrf_token": token,
            "name": "Migrants de Tunis",
            "summary": "We *defend* rights.",
            "timezone": "Africa/Tunis",
            "federate_as_note": "1",
            "country": "tn",
            "topics": "Asylum, labour rights",
        },
        files={"avatar": ("logo.png", _png(), "image/png")},
        headers=HTML,
    )
    assert saved.status_code == 303, saved.text
    doc = (
        await admin.get("/@tunis_migrants", headers={"Accept": "application/activity+json"})
    ).json()
    assert doc["name"] == "Migrants de Tunis" and "<em>defend</em>" in doc["summary"]
    assert doc["attachment"] == [{"type": "PropertyValue", "name": "Country", "value": "Tunisia"}]
    assert [tag["name"] for tag in doc["tag"]] == ["#asylum", "#labour_rights"]
    assert doc["icon"]["type"] == "Image" and doc["icon"]["url"].startswith(
        "http://node-a.test/media/"
    )
    assert (
        await admin.get(doc["icon"]["url"].removeprefix("http://node-a.test"))
    ).status_code == 200
    event_form = await admin.get("/admin/tunis_migrants/new/event", headers=HTML)
    assert 'name="timezone" type="text" value="Africa/Tunis"' in event_form.text


async def test_authorize_interaction_needs_sign_in_and_offers_the_associations(
    settings: Settings, db: Database, association: Actor
) -> None:
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=settings.base_url
        )
        first = await client.get("/authorize_interaction?uri=acct:bob@peer.example", headers=HTML)
        assert first.status_code == 303
        assert first.headers["location"].startswith("/login?next=/authorize_interaction")
        await sign_in(client, ADMIN, PASSWORD)
        page = await client.get("/authorize_interaction?uri=acct:bob@peer.example", headers=HTML)
        assert page.status_code == 200
        assert 'name="handle" value="@bob@peer.example"' in page.text
        assert 'action="/admin/tunis_migrants/network/lookup"' in page.text


async def test_cosign_a_declaration_by_pasting_its_address_and_withdraw(
    admin: httpx.AsyncClient, db: Database, association: Actor, uris
) -> None:  # type: ignore[no-untyped-def]
    from migrantnet.content.associations import create_association
    from migrantnet.models import Cosignature

    async with db.session() as session, session.begin():
        await create_association(session, uris, slug="beta", name="Beta")
    published = await submit(
        admin,
        "/admin/tunis_migrants/new/declaration",
        "/admin/tunis_migrants/new/declaration",
        {"languages": "en", "title.en": "Papers for all", "body.en": "Text", "file": ""},
    )
    assert published.status_code == 303
    async with db.session() as session:
        from migrantnet.models import ContentObject

        declaration = (await session.scalars(select(ContentObject))).one()
    page = "/admin/beta/cosign"
    own = await submit(
        admin,
        "/admin/tunis_migrants/cosign",
        "/admin/tunis_migrants/cosign",
        {"url": declaration.ap_id},
    )
    assert own.status_code == 422 and "already sign it" in own.text
    nothing = await submit(admin, page, page, {"url": "https://node-a.test/@beta/objects/nope"})
    assert nothing.status_code == 422 and 'id="e-url"' in nothing.text
    signed = await submit(admin, page, page, {"url": declaration.ap_id})
    assert signed.headers["location"] == "/admin/beta/cosign?done=signed"
    listed = await admin.get(signed.headers["location"], headers=HTML)
    assert "Papers for all" in listed.text and "Withdraw our signature" in listed.text
    async with db.session() as session:
        assert len(list(await session.scalars(select(Cosignature)))) == 1
    withdrawn = await submit(admin, page, f"{page}/withdraw", {"url": declaration.ap_id})
    assert withdrawn.headers["location"] == "/admin/beta/cosign?done=withdrawn"
    async with db.session() as session:
        assert list(await session.scalars(select(Cosignature))) == []


async def test_turning_approval_of_followers_off_needs_a_confirmation(
    admin: httpx.AsyncClient, db: Database, association: Actor
) -> None:
    page = "/admin/tunis_migrants/settings"
    opened = await admin.get(page, headers=HTML)
    assert "Anyone who asks to follow is accepted now" in opened.text  # auto-accept, said
    assert 'name="confirm_open_followers"' not in opened.text
    base = {"name": "Tunis Migrants"}
    assert (await submit(admin, page, page, {**base, "approve_followers": "1"})).status_code == 303
    held = await admin.get(page, headers=HTML)
    assert "Anyone who asks to follow is accepted now" not in held.text
    assert 'name="confirm_open_followers"' in held.text

    refused = await submit(admin, page, page, base)  # unticked, not confirmed
    assert refused.status_code == 422
    assert 'id="e-approve_followers"' in refused.text and "an informer too" in refused.text
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        assert actor is not None and actor.manually_approves_followers

    confirmed = await submit(admin, page, page, {**base, "confirm_open_followers": "1"})
    assert confirmed.status_code == 303
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        assert actor is not None and not actor.manually_approves_followers


async def test_a_peers_declaration_is_cosigned_while_other_writes_commit_during_the_fetch(
    admin: httpx.AsyncClient, settings: Settings, db: Database, remote_actor: RemoteActor
) -> None:
    """The declaration is fetched while the node goes on writing. The form once fetched it
    inside its savepoint: on SQLite that transaction, having read, could not write after
    another connection's commit, and the admin got a 503."""
    from migrantnet.models import Cosignature

    declaration = {
        "@context": "https://www.w3.org/ns/activitystreams",
        **remote_actor.note({"en": "<p>Papers for all</p>"}),
    }
    remote_actor.server.serve(
        declaration["id"], after_a_commit_elsewhere(settings.database_url, declaration)
    )
    page = "/admin/tunis_migrants/cosign"
    signed = await submit(admin, page, page, {"url": declaration["id"]})

    assert signed.status_code == 303, signed.text[:300]
    assert signed.headers["location"] == f"{page}?done=signed"
    async with db.session() as session:
        assert len(list(await session.scalars(select(Cosignature)))) == 1
