"""The directory of the network (issue #11), with the hidden social graph (issue #12).

The node's rows are made through the services: our associations and a group (with their
country and topics), peers' organisations stored from their actor documents (a Country
field, hashtags, a Mobilizon `location`) and followed, a member of our group, the author of
an item a followed group announced. Then the directory is read through its service, its page
and its JSON API: who is listed and where met, the filters, the pages, and who is not."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from graph_builders import PEER, followed_remote, org_document, peer_actor
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import create_association, update_association
from migrantnet.content.directory import (
    MAX_PAGE_SIZE,
    DirectoryFilter,
    check_filter,
    check_page,
    directory_page,
)
from migrantnet.content.errors import InvalidInput
from migrantnet.content.groups import create_group
from migrantnet.content.users import create_user
from migrantnet.db import Database
from migrantnet.models import (
    Actor,
    Block,
    BlockKind,
    ContentObject,
    Follow,
    FollowState,
    Interaction,
    Visibility,
)
from migrantnet.uris import Uris


@dataclass
class Network:
    red: Actor  # shows its follows
    blue: Actor  # hides them (the default)
    group: Actor  # a group of ours that shows its members


def country_field(value: str) -> list[dict[str, str]]:
    return [{"type": "PropertyValue", "name": "Country", "value": value}]


def hashtags(*names: str) -> list[dict[str, str]]:
    return [
        {"type": "Hashtag", "name": f"#{name}", "href": f"{PEER}/tags/{name}"} for name in names
    ]


async def build_network(session: AsyncSession, uris: Uris) -> Network:
    admin = await create_user(session, email="admin@node-a.test", password="x" * 12)
    red = await create_association(session, uris, slug="red", name="Red Solidaria")
    await update_association(
        session, red, show_follows=True, country="IT", topics=["asylum", "Housing"]
    )
    blue = await create_association(session, uris, slug="blue", name="Blue")
    await update_association(session, blue, country="TN", topics=["detention"])
    group = await create_group(session, uris, slug="coordination", name="Coordination", admin=admin)
    await update_association(session, group, show_follows=True, topics=["asylum"])

    # Followed by red (shown): an organisation in Argentina, by its Spanish Country field.
    await followed_remote(
        session,
        red,
        org_document("sol", attachment=country_field("Argentina"), tag=hashtags("asylum")),
    )
    # Followed by red but not (yet, or ever) accepted; and a person: never listed.
    await followed_remote(session, red, org_document("waiting"), FollowState.PENDING)
    await followed_remote(session, red, org_document("refused"), FollowState.REJECTED)
    await followed_remote(session, red, org_document("somebody", kind="Person"))
    # Followed by blue, which hides its follows: not listed.
    await followed_remote(session, blue, org_document("secretfriend"))
    # A member of our group (it shows its members): met through it; a Mobilizon `location`.
    place = {"type": "Place", "address": {"type": "PostalAddress", "addressCountry": "France"}}
    member = await peer_actor(session, org_document("frontera", location=place))
    session.add(
        Follow(
            ap_id=f"{member.ap_id}/follows/1",
            follower_id=member.id,
            followed_id=group.id,
            state=FollowState.ACCEPTED,
        )
    )
    # A group elsewhere, followed by red, announced an object of an organisation: met through it.
    assembly = await followed_remote(session, red, org_document("assembly", kind="Group"))
    author = await peer_actor(session, org_document("autora"))
    obj = ContentObject(
        ap_id=f"{author.ap_id}/notes/1",
        type="Note",
        actor_id=author.id,
        visibility=Visibility.PUBLIC,
        content_map={"en": "<p>hello</p>"},
    )
    session.add(obj)
    session.add(
        Interaction(
            ap_id=f"{assembly.ap_id}/announces/1",
            type="Announce",
            actor_id=assembly.id,
            object_ap_id=obj.ap_id,
        )
    )
    await session.commit()
    return Network(red, blue, group)


async def everyone(
    session: AsyncSession, wanted: DirectoryFilter | None = None
) -> dict[str, list[str]]:
    """Username -> where met, over every page."""
    found: dict[str, list[str]] = {}
    after = None
    while True:
        page = await directory_page(session, wanted or DirectoryFilter(), after=after, size=3)
        for entry in page.entries:
            assert entry.actor.username not in found  # no page repeats another's entry
            found[entry.actor.username or ""] = [
                f"{m.how}:{m.via.username}" if m.via else m.how for m in entry.met
            ]
        if page.next_after is None:
            return found
        after = page.next_after


async def test_the_directory_lists_what_the_node_knows_and_where_it_met_it(
    session: AsyncSession, uris: Uris
) -> None:
    await build_network(session, uris)
    assert await everyone(session) == {
        "assembly": ["followed"],
        "autora": ["group:assembly"],
        "blue": ["own"],
        "coordination": ["own"],
        "frontera": ["group:coordination"],
        "red": ["own"],
        "sol": ["followed"],
    }
    page = await directory_page(session, DirectoryFilter(), size=MAX_PAGE_SIZE)
    by_name = {entry.actor.username: entry for entry in page.entries}
    assert [entry.actor.name for entry in page.entries] == sorted(
        (entry.actor.name for entry in page.entries), key=str.lower
    )
    assert (by_name["red"].kind, by_name["coordination"].kind, by_name["sol"].kind) == (
        "association",
        "group",
        "remote_org",
    )
    assert (by_name["red"].actor.country, by_name["red"].actor.topics) == (
        "IT",
        ["asylum", "housing"],
    )
    assert (by_name["sol"].actor.country, by_name["sol"].actor.topics) == ("AR", ["asylum"])
    assert by_name["frontera"].actor.country == "FR"
    assert page.next_after is None


async def test_follows_are_listed_only_where_the_association_shows_them(
    session: AsyncSession, uris: Uris
) -> None:
    network = await build_network(session, uris)
    await update_association(session, network.red, show_follows=False)
    await update_association(session, network.blue, show_follows=True)
    await update_association(session, network.group, show_follows=False)
    await session.commit()
    found = await everyone(session)
    # red's follows (sol, the assembly and what it announced) left; blue's came; the group's
    # member left with the group's choice. Pending and rejected follows never show.
    assert found == {
        "blue": ["own"],
        "coordination": ["own"],
        "red": ["own"],
        "secretfriend": ["followed"],
    }


async def test_filters(session: AsyncSession, uris: Uris) -> None:
    await build_network(session, uris)

    async def names(**asked: str) -> set[str]:
        return set(await everyone(session, check_filter(**asked)))

    assert await names(country="ar") == {"sol"}
    assert await names(country="IT") == {"red"}
    assert await names(topic="Asylum") == {"red", "sol", "coordination"}
    assert await names(kind="group") == {"coordination", "assembly"}
    assert await names(kind="association") == {"red", "blue"}
    assert await names(kind="remote_org") == {"sol", "frontera", "autora"}
    assert await names(text="SOLIDARIA") == {"red"}
    assert await names(text="@sol@peer.example") == {"sol"}
    assert await names(text="peer.example") == {"sol", "frontera", "autora", "assembly"}
    assert await names(text="100%_") == set()
    assert await names(country="IT", topic="detention") == set()
    for bad in ({"country": "XX"}, {"topic": "no way!"}, {"kind": "person"}):
        with pytest.raises(InvalidInput):
            check_filter(**bad)
    assert check_page(None, 10_000) == (None, MAX_PAGE_SIZE)
    with pytest.raises(InvalidInput):
        check_page(-1, None)


async def test_blocked_accounts_and_domains_are_left_out(session: AsyncSession, uris: Uris) -> None:
    await build_network(session, uris)
    session.add(Block(kind=BlockKind.ACCOUNT, target=f"{PEER}/actors/sol", domain="peer.example"))
    await session.commit()
    assert "sol" not in await everyone(session)
    assert "frontera" in await everyone(session)
    session.add(Block(kind=BlockKind.DOMAIN, target="peer.example", domain="peer.example"))
    await session.commit()
    assert set(await everyone(session)) == {"red", "blue", "coordination"}
