"""Search on SQLite (FTS5) and PostgreSQL (tsvector + GIN): local and remote public content,
in every language it was written in, paged; hostile queries answered, never a 500; a handle
typed in the box leads to the account."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from browser_forms import HTML
from federation_peer import PeerServer, RemoteActor, deliver
from sqlalchemy import select

from migrantnet.config import Settings
from migrantnet.content.notes import publish_note
from migrantnet.db import Database
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, ContentObject
from migrantnet.uris import Uris
from migrantnet.web.api.search import API_MAX_QUERY

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def publish(
    settings: Settings,
    db: Database,
    uris: Uris,
    association: Actor,
    texts: list[dict[str, str]],
    visibility: str = "public",
) -> list[str]:
    fed = Federation(settings, db)
    ids = []
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        assert actor is not None
        # Followers-only posts need followers approved by hand (no stranger gets them).
        actor.manually_approves_followers = visibility == "followers"
        for text in texts:
            note = await publish_note(
                session, uris, ActivityPubNotifier(fed), actor, text=text, visibility=visibility
            )
            ids.append(note.ap_id)
        await session.commit()
    await fed.aclose()
    return ids


def found(page: httpx.Response) -> str:
    assert page.status_code == 200, page.text
    start = page.text.find('id="results-title"')
    return page.text[start:] if start >= 0 else ""


async def test_search_finds_public_content_local_and_remote(
    app_client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    uris: Uris,
    association: Actor,
    make_remote_actor: Callable[..., RemoteActor],
) -> None:
    (note,) = await publish(
        settings,
        db,
        uris,
        association,
        [{"en": "Assembly of **migrants** on Sunday", "fr": "Assemblée des migrants dimanche"}],
    )
    await publish(settings, db, uris, association, [{"en": "Secret rehearsal"}], "followers")
    alice = make_remote_actor("alice")
    remote = alice.note({"en": "<p>Solidarity kitchen in Palermo</p>"}, to=[PUBLIC])
    remote["inReplyTo"] = note
    await deliver(db, app_client, alice, alice.activity("Create", remote))

    hits = found(await app_client.get("/search", params={"q": "migrants sunday"}, headers=HTML))
    assert "Assembly of migrants on Sunday" in hits
    french = found(
        await app_client.get("/search", params={"q": "assemblée", "lang": "fr"}, headers=HTML)
    )
    assert "Assemblée des migrants dimanche" in french  # shown in the language searched in
    kitchen = found(await app_client.get("/search", params={"q": "palermo"}, headers=HTML))
    assert "Solidarity kitchen in Palermo" in kitchen  # a peer's, kept here
    assert "Nothing found" in found(
        await app_client.get("/search", params={"q": "rehearsal"}, headers=HTML)
    )  # followers-only: never found
    prefix = found(await app_client.get("/search", params={"q": "solidar"}, headers=HTML))
    assert "Palermo" in prefix  # the last word is a prefix

    api = (await app_client.get("/api/v1/search", params={"q": "palermo"})).json()
    assert [hit["local"] for hit in api["items"]] == [False]
    assert api["items"][0]["id"] == remote["id"] and api["next"] is None

    async with db.session() as session:
        row = await session.scalar(select(ContentObject).where(ContentObject.ap_id == note))
        assert row is not None
        row.deleted_at = row.published_at  # through the ORM: its index rows go too
        await session.commit()
    assert "Nothing found" in found(
        await app_client.get("/search", params={"q": "migrants"}, headers=HTML)
    )


async def test_stemming_in_the_readers_language_on_postgresql(
    app_client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    uris: Uris,
    association: Actor,
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("stemming is PostgreSQL's; FTS5 matches words and prefixes")
    await publish(settings, db, uris, association, [{"fr": "Les travailleuses réclament"}])
    hits = found(
        await app_client.get("/search", params={"q": "travailleuse", "lang": "fr"}, headers=HTML)
    )
    assert "Les travailleuses réclament" in hits


async def test_results_come_in_pages(
    app_client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    uris: Uris,
    association: Actor,
) -> None:
    await publish(
        settings, db, uris, association, [{"en": f"Harvest report {n}"} for n in range(25)]
    )
    first = (await app_client.get("/api/v1/search", params={"q": "harvest"})).json()
    assert len(first["items"]) == 20 and first["next"]
    second = (await app_client.get(first["next"])).json()
    assert len(second["items"]) == 5 and second["next"] is None
    assert not {hit["id"] for hit in first["items"]} & {hit["id"] for hit in second["items"]}
    page = await app_client.get("/search", params={"q": "harvest"}, headers=HTML)
    assert 'rel="next"' in page.text
    too_far = await app_client.get("/api/v1/search", params={"q": "harvest", "page": 11})
    assert too_far.status_code == 422


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        '"unbalanced',
        "AND OR NOT",
        "*",
        "NEAR(a b",
        "body:secret",
        "^start",
        "a -b +c ~d",
        "'; DROP TABLE objects; --",
        "\x00\x01",
        "مهاجرين",
        "x" * 10_240,
        "word " * 2_048,
        "word " * 1_000,
    ],
)
async def test_hostile_queries_are_answered(
    app_client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    uris: Uris,
    association: Actor,
    query: str,
) -> None:
    await publish(settings, db, uris, association, [{"en": "A quiet note about body and word"}])
    page = await app_client.get("/search", params={"q": query}, headers=HTML)
    assert page.status_code == 200
    api = await app_client.get("/api/v1/search", params={"q": query})
    if len(query) > API_MAX_QUERY:  # the API's bound keeps a query inside a URL
        assert api.status_code == 422
        assert api.json()["error"].startswith("query.q:")
        return
    assert api.status_code == 200
    assert isinstance(api.json()["items"], list)


async def test_a_handle_leads_to_the_account(
    app_client: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    make_peer_server: Callable[[], PeerServer],
) -> None:
    server = make_peer_server()
    profile = server.url("/@bob")
    server.serve(
        "/.well-known/webfinger",
        {
            "subject": f"acct:bob@{server.domain}",
            "links": [{"rel": "http://webfinger.net/rel/profile-page", "href": profile}],
        },
        "application/jrd+json",
    )
    handle = f"@bob@{server.domain}"
    visitor = await app_client.get("/search", params={"q": handle}, headers=HTML)
    assert visitor.status_code == 200
    assert "This is an account on another server." in visitor.text
    assert f'href="{profile}"' in visitor.text
    signed_in = await admin.get("/search", params={"q": f" {handle} "}, headers=HTML)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == f"/authorize_interaction?uri={handle}"
    preview = await admin.get(signed_in.headers["location"], headers=HTML)
    assert "See it and follow" in preview.text
