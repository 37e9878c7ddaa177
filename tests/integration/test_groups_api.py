"""The groups a node hosts through `/api/v1`: the list, one group (members and moderators shown
only as the group allows), what it shared (paged), its agenda with the agenda's filters, and an
association of this node joining and leaving with a token that has the role for it."""

from __future__ import annotations

from typing import Any

import httpx
from federation_peer import RemoteActor, deliver, one, rows

from migrantnet.content.groups import create_group, hide_item
from migrantnet.content.moderation import Moderator
from migrantnet.content.tokens import create_token
from migrantnet.content.users import create_user, get_user_by_email
from migrantnet.db import Database
from migrantnet.models import Actor, Follow, FollowState, GroupItem, InboxState
from migrantnet.uris import Uris

ADMIN = "admin@node-a.test"
EVENTS = "/api/v1/associations/tunis_migrants/events"
NOTES = "/api/v1/associations/tunis_migrants/notes"
RANGE = {"from": "2030-06-01", "to": "2030-06-30"}


async def token_of(db: Database, email: str, *, new: bool = False) -> dict[str, str]:
    async with db.session() as session:
        if new:
            user = await create_user(session, email=email, password="another long password")
        else:
            user = await get_user_by_email(session, email)
        token = await create_token(session, user, "tests")
        await session.commit()
    return {"Authorization": f"Bearer {token}"}


async def make_group(
    db: Database, uris: Uris, slug: str, *, approve: bool = False, show: bool = False
) -> Actor:
    async with db.session() as session:
        admin = await get_user_by_email(session, ADMIN)
        group = await create_group(
            session, uris, slug=slug, name=slug.title(), admin=admin, approve_members=approve
        )
        group.show_follows = show
        await session.commit()
        return group


async def remote_joins(
    db: Database, client: httpx.AsyncClient, peer: RemoteActor, group: Actor
) -> None:
    follow = peer.activity("Follow", group.ap_id)
    row = await deliver(db, client, peer, follow, f"/@{group.slug}/inbox")
    assert row.state == InboxState.DONE


def event_body(title: str, day: str, group: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "texts": {"title": {"es": title}, "body": {"es": title}},
        "starts": f"{day}T10:00:00",
        "ends": f"{day}T12:00:00",
        "timezone": "Europe/Rome",
        "group": group,
        "place": {"locality": "Roma", "country": "IT"},
        **extra,
    }


async def test_groups_are_listed_and_shown_with_members_and_moderators_as_allowed(
    app_client: httpx.AsyncClient,
    db: Database,
    uris: Uris,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    closed = await make_group(db, uris, "coordinacion")
    shown = await make_group(db, uris, "asamblea", show=True)
    bob = make_remote_actor("bob", own_server=True)
    await remote_joins(db, app_client, bob, closed)
    await remote_joins(db, app_client, bob, shown)

    listed = await app_client.get("/api/v1/groups")
    assert listed.status_code == 200
    assert [(g["handle"], g["members_count"]) for g in listed.json()] == [
        (f"asamblea@{uris.host}", 1),
        (f"coordinacion@{uris.host}", 1),
    ]
    assert listed.json()[1]["id"] == closed.ap_id

    # public: the count, no list, no moderators; unless the group shows its members
    public = (await app_client.get("/api/v1/groups/coordinacion")).json()
    assert (public["members_count"], public["members"]) == (1, None)
    assert (public["moderators_count"], public["moderators"]) == (1, None)
    assert public["calendar"] == uris.actor_calendar("coordinacion")
    assert public["feeds"] == [uris.feed("coordinacion", "atom"), uris.feed("coordinacion", "rss")]
    open_one = (await app_client.get("/api/v1/groups/asamblea")).json()
    assert [m["id"] for m in open_one["members"]] == [bob.actor_id]
    assert open_one["moderators"] is None

    # a stranger's token sees what anyone sees; the group's admin sees members and moderators
    stranger = await token_of(db, "stranger@node-a.test", new=True)
    seen = (await app_client.get("/api/v1/groups/coordinacion", headers=stranger)).json()
    assert seen["members"] is None and seen["moderators"] is None
    moderator = await token_of(db, ADMIN)
    full = (await app_client.get("/api/v1/groups/coordinacion", headers=moderator)).json()
    assert [m["handle"] for m in full["members"]] == [f"bob@{bob.domain}"]
    assert full["moderators"] == [{"email": ADMIN, "role": "owner"}]
    # a wrong token is refused, not read as no token
    wrong = await app_client.get(
        "/api/v1/groups/coordinacion", headers={"Authorization": "Bearer x"}
    )
    assert wrong.status_code == 401

    # an association is no group; an unknown group is not found
    assert (await app_client.get("/api/v1/groups/tunis_migrants")).status_code == 404
    assert (await app_client.get("/api/v1/groups/nowhere/items")).status_code == 404


async def test_an_association_joins_and_leaves_with_a_token_that_has_the_role(
    app_client: httpx.AsyncClient, db: Database, uris: Uris, association: Actor
) -> None:
    group = await make_group(db, uris, "coordinacion")
    await make_group(db, uris, "asamblea", approve=True)
    join = {"association": "tunis_migrants"}
    members = "/api/v1/groups/coordinacion/members"

    assert (await app_client.post(members, json=join)).status_code == 401
    stranger = await token_of(db, "stranger@node-a.test", new=True)
    refused = await app_client.post(members, json=join, headers=stranger)
    assert refused.status_code == 403
    assert await rows(db, Follow) == []

    owner = await token_of(db, ADMIN)
    joined = await app_client.post(members, json=join, headers=owner)
    assert joined.status_code == 200, joined.text
    assert joined.json() == {
        "group": group.ap_id,
        "association": association.ap_id,
        "state": "accepted",
    }
    again = await app_client.post(members, json=join, headers=owner)
    assert again.json()["state"] == "accepted" and len(await rows(db, Follow)) == 1
    assert (await app_client.get("/api/v1/groups/coordinacion")).json()["members_count"] == 1
    # a member may post to it now
    posted = await app_client.post(
        EVENTS, json=event_body("Asamblea", "2030-06-10", group.ap_id), headers=owner
    )
    assert posted.status_code == 201, posted.text

    waiting = await app_client.post("/api/v1/groups/asamblea/members", json=join, headers=owner)
    assert waiting.json()["state"] == "pending"
    unknown = await app_client.post(members, json={"association": "nobody_here"}, headers=owner)
    assert unknown.status_code == 404
    extra = await app_client.post(members, json={**join, "role": "owner"}, headers=owner)
    assert extra.status_code == 422

    # leaving: no longer a member, its next post to the group refused
    leave = f"{members}/tunis_migrants"
    assert (await app_client.delete(leave, headers=stranger)).status_code == 403
    left = await app_client.delete(leave, headers=owner)
    assert left.status_code == 204
    follow = await one(db, Follow, Follow.followed_id == group.id)
    assert follow.state == FollowState.UNDONE
    assert (await app_client.get("/api/v1/groups/coordinacion")).json()["members_count"] == 0
    after = await app_client.post(
        EVENTS, json=event_body("Después", "2030-06-11", group.ap_id), headers=owner
    )
    assert after.status_code == 422 and "not a member" in after.text
    assert (await app_client.delete(leave, headers=owner)).status_code == 404
    # withdrawing a pending request is leaving too
    assert (
        await app_client.delete("/api/v1/groups/asamblea/members/tunis_migrants", headers=owner)
    ).status_code == 204


async def test_a_groups_items_are_paged_and_its_agenda_takes_the_agendas_filters(
    app_client: httpx.AsyncClient,
    db: Database,
    uris: Uris,
    association: Actor,
    make_remote_actor: Any,
) -> None:
    group = await make_group(db, uris, "coordinacion")
    owner = await token_of(db, ADMIN)
    joined = await app_client.post(
        "/api/v1/groups/coordinacion/members", json={"association": "tunis_migrants"}, headers=owner
    )
    assert joined.json()["state"] == "accepted"
    online = event_body(
        "En línea", "2030-06-05", group.ap_id, place=None, online_url="https://meet.example/a"
    )
    in_person = event_body(
        "En la plaza", "2030-06-06", group.ap_id, place={"name": "Plaza", "country": "IT"}
    )
    elsewhere = event_body("Fuera del grupo", "2030-06-07", None)
    for body in (online, in_person, elsewhere):
        created = await app_client.post(EVENTS, json=body, headers=owner)
        assert created.status_code == 201, created.text
    note = {"text": {"es": "Nos vemos"}, "group": group.ap_id}
    assert (await app_client.post(NOTES, json=note, headers=owner)).status_code == 201
    spam = event_body("Escondido", "2030-06-08", group.ap_id)
    hidden_id = (await app_client.post(EVENTS, json=spam, headers=owner)).json()["id"]
    async with db.session() as session:
        found = await session.get(Actor, group.id)
        assert found is not None
        await hide_item(session, Moderator(None), found, hidden_id)
        await session.commit()
    assert len(await rows(db, GroupItem)) == 4

    # items: newest first, hidden and unrelated left out, pages of two
    first = await app_client.get("/api/v1/groups/coordinacion/items", params={"limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert [(item["kind"], item["name"].get("es")) for item in page["items"]] == [
        ("note", None),
        ("event", "En la plaza"),
    ]
    assert page["items"][0]["content"] == {"es": "<p>Nos vemos</p>"}
    assert page["items"][0]["author"] == association.ap_id and page["next"] is not None
    second = await app_client.get(
        "/api/v1/groups/coordinacion/items", params={"limit": 2, "before": page["next"]}
    )
    assert [item["name"]["es"] for item in second.json()["items"]] == ["En línea"]
    assert second.json()["next"] is None

    # the group's agenda: only what it shared (not hidden), with the agenda's filters
    path = "/api/v1/groups/coordinacion/agenda"
    agenda = await app_client.get(path, params=RANGE)
    assert agenda.status_code == 200
    assert [e["name"]["es"] for e in agenda.json()["events"]] == ["En línea", "En la plaza"]
    assert {e["origin"]["via_group"] for e in agenda.json()["events"]} == {group.ap_id}
    only_online = await app_client.get(path, params={**RANGE, "mode": "online"})
    assert [e["name"]["es"] for e in only_online.json()["events"]] == ["En línea"]
    # a group named in the query string does not widen it to another group or the node
    other = await app_client.get(path, params={**RANGE, "group": "https://elsewhere.example/g"})
    assert [e["name"]["es"] for e in other.json()["events"]] == ["En línea", "En la plaza"]
    paged = await app_client.get(path, params={**RANGE, "limit": 1})
    after = paged.json()["next"]
    rest = await app_client.get(path, params={**RANGE, "limit": 1, "after": after})
    assert [e["name"]["es"] for e in rest.json()["events"]] == ["En la plaza"]
    assert (await app_client.get(path, params={"mode": "by_boat"})).status_code == 422
    node = await app_client.get("/api/v1/agenda", params=RANGE)
    # the node's agenda keeps the others: hidden from the group is not gone from its author
    assert {e["name"]["es"] for e in node.json()["events"]} == {
        "En línea",
        "En la plaza",
        "Fuera del grupo",
        "Escondido",
    }


async def test_the_group_routes_are_in_the_openapi_document(app_client: httpx.AsyncClient) -> None:
    spec = (await app_client.get("/api/openapi.json")).json()
    paths = spec["paths"]
    assert set(paths["/api/v1/groups/{slug}/members"]) == {"post"}
    assert set(paths["/api/v1/groups/{slug}/members/{association}"]) == {"delete"}
    for path in ("/api/v1/groups", "/api/v1/groups/{slug}", "/api/v1/groups/{slug}/items"):
        assert "get" in paths[path]
    agenda = [p["name"] for p in paths["/api/v1/groups/{slug}/agenda"]["get"]["parameters"]]
    assert {"from", "to", "tag", "mode", "language", "organiser", "tz", "after"} <= set(agenda)
    node_agenda = [p["name"] for p in paths["/api/v1/agenda"]["get"]["parameters"]]
    assert "group" in node_agenda and "group" not in agenda
    assert "GroupOut" in spec["components"]["schemas"]
