"""The directory of the network (issue #11), with the hidden social graph (issue #12).

The node's rows are made through the services: our associations and a group (with their
country and topics), peers' organisations stored from their actor documents (a Country
field, hashtags, a Mobilizon `location`) and followed, a member of our group, the author of
an item a followed group announced. Then the directory is read through its service, its page
and its JSON API: who is listed and where met, the filters, the pages, and who is not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graph_builders import PEER, followed_remote, org_document, peer_actor
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.app import create_app
from migrantnet.config import Settings
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


async def test_the_page_lists_entries_with_a_way_to_follow_each(
    session: AsyncSession, uris: Uris, app_client: httpx.AsyncClient
) -> None:
    await build_network(session, uris)
    home = await app_client.get("/")
    assert f'href="{Uris.directory_path()}"' in home.text  # in the site's navigation
    page = await app_client.get("/directory")
    assert page.status_code == 200
    html = page.text
    assert "<title>Directory of the network" in html
    for shown in ("Red Solidaria", "@sol@peer.example", "@red@", "Argentina", "#asylum"):
        assert shown in html
    for hidden in ("secretfriend", "waiting", "refused", "somebody"):
        assert hidden not in html
    # Ours: the remote-follow page; elsewhere: the directory's, or as one of our associations.
    assert f'href="{Uris.remote_follow_path("red")}"' in html
    sol_follow = Uris.directory_follow_path(f"{PEER}/actors/sol").replace("&", "&amp;")
    assert f'<a class="button" href="{sol_follow}" rel="nofollow">' in html
    assert Uris.authorize_interaction_path(f"{PEER}/actors/sol") in html
    assert "Met through Coordination" in html

    filtered = await app_client.get("/directory", params={"country": "AR", "kind": "remote_org"})
    assert "Sol" in filtered.text and "Red Solidaria" not in filtered.text
    assert '<option value="remote_org" selected>' in filtered.text

    wrong = await app_client.get("/directory", params={"country": "Narnia"})
    assert wrong.status_code == 422
    assert "is not an ISO 3166 country code" in wrong.text
    assert (await app_client.get("/directory", params={"after": "x1"})).status_code == 422

    arabic = await app_client.get("/directory", params={"lang": "ar"})
    assert "<title>دليل الشبكة" in arabic.text and 'dir="rtl"' in arabic.text
    assert "الأرجنتين" in arabic.text  # the country named in the reader's language


async def test_an_entry_elsewhere_is_followed_from_the_visitors_server(
    session: AsyncSession, uris: Uris, app_client: httpx.AsyncClient
) -> None:
    await build_network(session, uris)
    sol = f"{PEER}/actors/sol"
    form = await app_client.get(Uris.directory_follow_path(sol))
    assert form.status_code == 200
    assert "<title>Follow Sol" in form.text and f'name="id" value="{sol}"' in form.text
    assert "@sol@peer.example" in form.text
    # Someone of this node is sent to our own page to follow it as one of their associations
    # (a handle elsewhere would be asked for its server's subscribe template, the same way).
    sent = await app_client.get(
        Uris.directory_follow_path(sol), params={"id": sol, "handle": f"@ana@{uris.host}"}
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == uris.authorize_interaction(sol)
    bad = await app_client.get(
        Uris.directory_follow_path(sol), params={"id": sol, "handle": "not a handle"}
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    # Only what the directory lists: not a hidden follow, nor any address at all.
    for unlisted in (f"{PEER}/actors/secretfriend", f"{PEER}/actors/waiting", "https://x.example/"):
        assert (await app_client.get(Uris.directory_follow_path(unlisted))).status_code == 404


async def test_pages_neither_skip_nor_repeat_and_cost_the_same_statements(
    session: AsyncSession, uris: Uris, settings: Settings, db: Database
) -> None:
    network = await build_network(session, uris)
    for n in range(35):
        await followed_remote(session, network.red, org_document(f"org{n:02}"))
    await session.commit()
    app = create_app(
        settings.model_copy(update={"render_cache_check_seconds": 0}), run_worker=False
    )
    async with app.router.lifespan_context(app):
        engine = app.state.db.engine.sync_engine
        statements: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            await client.get("/directory")  # warmed: the app's first request reads its state
            seen: list[str] = []
            cost: list[int] = []
            url: str | None = "/directory"
            event.listen(engine, "before_cursor_execute", record)
            try:
                while url:
                    statements.clear()
                    html = (await client.get(url)).text
                    cost.append(len(statements))
                    seen += re.findall(
                        r'class="u-url p-name" href="[^"]*" dir="auto">([^<]+)<', html
                    )
                    found = re.search(r'href="([^"]+)" rel="next"', html)
                    url = found.group(1).replace("&amp;", "&") if found else None
            finally:
                event.remove(engine, "before_cursor_execute", record)
    assert len(seen) == len(set(seen)) == 7 + 35
    # 30 entries or 12: the same statements (the page, where met, the groups named)
    assert len(cost) == 2 and cost[0] == cost[1], cost


async def test_the_api_answers_the_same_entries(
    session: AsyncSession, uris: Uris, app_client: httpx.AsyncClient
) -> None:
    await build_network(session, uris)
    answer = await app_client.get("/api/v1/directory", params={"topic": "asylum", "limit": 2})
    assert answer.status_code == 200
    body = answer.json()
    assert [entry["handle"] for entry in body["entries"]] == [
        "coordination@" + uris.host,
        "red@" + uris.host,
    ]
    red = body["entries"][1]
    assert red == {
        "id": uris.actor("red"),
        "url": uris.actor("red"),
        "name": "Red Solidaria",
        "handle": f"red@{uris.host}",
        "kind": "association",
        "local": True,
        "country": "IT",
        "topics": ["asylum", "housing"],
        "met": [{"how": "own", "group": None, "group_name": None}],
        "follow_url": uris.absolute(Uris.remote_follow_path("red")),
    }
    rest = await app_client.get(
        "/api/v1/directory", params={"topic": "asylum", "after": body["next"]}
    )
    assert [(e["handle"], e["kind"], e["met"][0]["how"]) for e in rest.json()["entries"]] == [
        ("sol@peer.example", "remote_org", "followed")
    ]
    assert rest.json()["next"] is None
    member = await app_client.get("/api/v1/directory", params={"q": "frontera"})
    assert member.json()["entries"][0]["met"] == [
        {"how": "group", "group": uris.actor("coordination"), "group_name": "Coordination"}
    ]
    assert (await app_client.get("/api/v1/directory", params={"kind": "person"})).status_code == 422
    assert (await app_client.get("/api/v1/directory", params={"limit": 101})).status_code == 422
    spec = (await app_client.get("/api/openapi.json")).json()
    documented = spec["paths"]["/api/v1/directory"]["get"]
    assert documented["summary"] == "The directory of the network"
    assert {p["name"] for p in documented["parameters"]} >= {"q", "country", "topic", "kind"}


async def test_hidden_follows_stay_hidden_on_the_page_and_in_the_api(
    session: AsyncSession, uris: Uris, app_client: httpx.AsyncClient
) -> None:
    network = await build_network(session, uris)
    await update_association(session, network.red, show_follows=False)
    await update_association(session, network.group, show_follows=False)
    await session.commit()
    for path in ("/directory", "/api/v1/directory", "/directory?q=sol", "/directory?topic=asylum"):
        text = (await app_client.get(path)).text
        assert "peer.example" not in text.replace(f"{PEER}/tags", ""), path
    await update_association(session, network.red, show_follows=True)
    await session.commit()
    assert "sol@peer.example" in (await app_client.get("/api/v1/directory")).text
