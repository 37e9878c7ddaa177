"""The outbox and follow collections as peers read them."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.config import Settings
from migrantnet.content.associations import create_association
from migrantnet.content.notes import publish_note
from migrantnet.db import Database
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, Follow, FollowState
from migrantnet.uris import Uris

AP = {"Accept": "application/activity+json"}


async def test_outbox_pages_embed_whole_creates_newest_first(
    app_client: httpx.AsyncClient,
    session: AsyncSession,
    uris: Uris,
    settings: Settings,
    db: Database,
) -> None:
    fed = Federation(settings, db)
    actor = await create_association(session, uris, slug="red", name="Red")
    ids = [
        (
            await publish_note(
                session, uris, ActivityPubNotifier(fed), actor, text={"es": f"Nota {i}"}
            )
        ).ap_id
        for i in range(25)
    ]
    await publish_note(
        session,
        uris,
        ActivityPubNotifier(fed),
        actor,
        text={"es": "Solo seguidores"},
        visibility="followers",
        followers_confirmed=True,
    )
    await session.commit()
    await fed.aclose()

    outbox = (await app_client.get("/@red/outbox", headers=AP)).json()
    assert outbox["type"] == "OrderedCollection"
    assert outbox["totalItems"] == 25  # the followers-only note is not listed
    first = (await app_client.get(outbox["first"], headers=AP)).json()
    assert [item["type"] for item in first["orderedItems"]] == ["Create"] * 20
    assert [item["object"]["id"] for item in first["orderedItems"]] == ids[::-1][:20]
    assert first["orderedItems"][0]["object"]["content"] == "<p>Nota 24</p>"
    second = (await app_client.get(first["next"], headers=AP)).json()
    assert [item["object"]["id"] for item in second["orderedItems"]] == ids[::-1][20:]
    assert "next" not in second


async def test_follow_collections_show_counts_and_members_only_when_allowed(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    actor = await create_association(session, uris, slug="red", name="Red")
    for n in range(3):
        peer = Actor(
            ap_id=f"https://peer.example/users/{n}",
            type="Person",
            local=False,
            username=str(n),
            domain="peer.example",
            inbox_url=f"https://peer.example/users/{n}/inbox",
        )
        session.add(peer)
        await session.flush()
        state = FollowState.ACCEPTED if n < 2 else FollowState.PENDING
        session.add(
            Follow(
                ap_id=f"https://peer.example/f/{n}",
                follower_id=peer.id,
                followed_id=actor.id,
                state=state,
            )
        )
    await session.commit()

    hidden = (await app_client.get("/@red/followers", headers=AP)).json()
    assert hidden["totalItems"] == 2
    assert "orderedItems" not in hidden
    actor.show_follows = True
    await session.commit()
    shown = (await app_client.get("/@red/followers", headers=AP)).json()
    assert sorted(shown["orderedItems"]) == [
        "https://peer.example/users/0",
        "https://peer.example/users/1",
    ]
    assert (await app_client.get("/@red/following", headers=AP)).json()["totalItems"] == 0
    assert (await app_client.get("/@nobody/followers", headers=AP)).status_code == 404
