"""The authoring API: tokens, roles, and publishing every kind of content through /api/v1."""

from __future__ import annotations

import asyncio
import io
import logging
import uuid
from pathlib import Path
from typing import Any

import httpx
import pikepdf
import pytest
from cli_node import INIT
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from migrantnet.cli import app as cli_app
from migrantnet.config import Settings, load_settings
from migrantnet.content.associations import create_association
from migrantnet.content.tokens import (
    authenticate_token,
    create_token,
    hash_token,
    list_tokens,
    revoke_token,
)
from migrantnet.content.users import get_user_by_email, grant_role
from migrantnet.db import Database
from migrantnet.models import (
    Actor,
    ApiToken,
    ContentObject,
    Delivery,
    Follow,
    FollowState,
    Media,
    OutboxActivity,
    Role,
    User,
)
from migrantnet.uris import Uris
from suite_settings import suite_settings

API = "/api/v1/associations"


def one_page_pdf() -> bytes:
    """A real PDF: uploads are rewritten by pikepdf, which refuses what is not one."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


AS_JSON = {"Accept": "application/activity+json"}
FOLLOWER_INBOX = "https://peer.example/users/amina/inbox"
MAX_UPLOAD = 100_000


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The suite's settings, with small upload limits so the caps can be tested cheaply."""
    return suite_settings(
        tmp_path,
        database_url,
        media_max_bytes=MAX_UPLOAD,
        image_max_bytes=MAX_UPLOAD,
    )


# -- tokens -----------------------------------------------------------------------------------


def test_tokens_create_command_prints_a_token_whose_hash_only_is_kept(
    tmp_path: Path, database_url: str
) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        run_token_commands(tmp_path, database_url)
    finally:  # the CLI points logging at its captured stderr; give the next tests theirs back
        root.handlers[:] = handlers
        root.setLevel(level)


def run_token_commands(tmp_path: Path, database_url: str) -> None:
    runner = CliRunner()
    env = {"MIGRANTNET_DATA_DIR": str(tmp_path), "MIGRANTNET_DATABASE_URL": database_url}
    assert runner.invoke(cli_app, INIT, env=env).exit_code == 0
    args = ["tokens", "create", "--email", "admin@node.example", "--name", "newsletter"]
    result = runner.invoke(cli_app, args, env=env)
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("mn_")
    assert len(token) > 40

    unknown = runner.invoke(
        cli_app, ["tokens", "create", "--email", "nobody@node.example", "--name", "x"], env=env
    )
    assert unknown.exit_code == 2
    assert "no user" in unknown.output

    async def check() -> None:
        settings = load_settings(environ=env, data_dir=tmp_path)
        db = Database(settings.effective_database_url)
        try:
            async with db.session() as session:
                hashes = list(await session.scalars(select(ApiToken.token_hash)))
                assert hashes == [hash_token(token)]
                user = await authenticate_token(session, token)
                assert user is not None
                assert user.email == "admin@node.example"
        finally:
            await db.dispose()

    asyncio.run(check())


async def test_create_authenticate_and_revoke_a_token(session: AsyncSession) -> None:
    user = await new_user(session, "ed@node-a.test")
    token = await create_token(session, user, "  my script ")
    await session.commit()
    assert token.startswith("mn_")
    stored = await session.scalar(select(ApiToken))
    assert stored is not None
    assert stored.token_hash == hash_token(token) != token
    assert stored.name == "my script"
    assert stored.last_used_at is None

    found = await authenticate_token(session, token)
    assert found is not None and found.id == user.id
    assert stored.last_used_at is not None
    assert await authenticate_token(session, token + "x") is None
    assert await authenticate_token(session, "not-a-token") is None
    assert await authenticate_token(session, "") is None

    other = await create_token(session, user, "second")
    assert other != token
    [first, _] = await list_tokens(session, user)
    await revoke_token(session, user, first.id)
    await session.commit()
    assert await authenticate_token(session, token) is None
    assert await authenticate_token(session, other) is not None


async def test_a_token_needs_a_name(session: AsyncSession) -> None:
    from migrantnet.content.errors import InvalidInput

    user = await new_user(session, "ed@node-a.test")
    with pytest.raises(InvalidInput, match="name"):
        await create_token(session, user, "   ")


# -- the people and the follower of a test ----------------------------------------------------


class Node:
    """The test node's association, its people (with tokens) and a remote follower."""

    def __init__(self, slug: str, association_id: int, tokens: dict[str, str]) -> None:
        self.slug = slug
        self.association_id = association_id
        self.tokens = tokens

    def auth(self, who: str = "editor") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


async def new_user(session: AsyncSession, email: str, *, admin: bool = False) -> User:
    """A user row without hashing a password (Argon2 is slow on purpose; tokens need none)."""
    user = User(email=email, password_hash="!unusable", is_admin=admin)
    session.add(user)
    await session.flush()
    return user


async def add_user(
    session: AsyncSession, email: str, *, role: Role | None, actor: Actor, admin: bool = False
) -> str:
    user = await new_user(session, email, admin=admin)
    if role is not None:
        await grant_role(session, user, actor, role)
    return await create_token(session, user, "tests")


@pytest.fixture
async def node(association: Actor, session: AsyncSession, uris: Uris) -> Node:
    actor = await session.get(Actor, association.id)
    assert actor is not None
    other = await create_association(session, uris, slug="red_migrante", name="Red Migrante")
    admin = await get_user_by_email(session, "admin@node-a.test")
    tokens = {
        "owner": await create_token(session, admin, "tests"),
        "editor": await add_user(session, "ed@node-a.test", role=Role.EDITOR, actor=actor),
        "moderator": await add_user(session, "mod@node-a.test", role=Role.MODERATOR, actor=actor),
        "outsider": await add_user(session, "out@node-a.test", role=Role.OWNER, actor=other),
        "nobody": await add_user(session, "no@node-a.test", role=None, actor=actor),
    }
    # A node admin with no membership at all may act for any association.
    root = await new_user(session, "root@node-a.test", admin=True)
    tokens["node_admin"] = await create_token(session, root, "tests")
    # A remote follower, so every Create/Update/Delete has somewhere to go.
    follower = Actor(
        ap_id="https://peer.example/users/amina",
        type="Person",
        local=False,
        username="amina",
        domain="peer.example",
        inbox_url=FOLLOWER_INBOX,
    )
    session.add(follower)
    await session.flush()
    session.add(
        Follow(
            ap_id=f"https://peer.example/follows/{uuid.uuid4().hex}",
            follower_id=follower.id,
            followed_id=actor.id,
            state=FollowState.ACCEPTED,
        )
    )
    slug = actor.slug
    assert slug is not None
    await session.commit()
    return Node(slug, actor.id, tokens)


async def count_objects(session: AsyncSession) -> int:
    await session.rollback()  # a fresh snapshot: the app wrote through its own connections
    return int(await session.scalar(select(func.count()).select_from(ContentObject)) or 0)


async def queued_to_follower(session: AsyncSession, object_id: str) -> list[str]:
    """Types of the activities about `object_id` queued for the remote follower's inbox."""
    await session.rollback()
    rows = await session.scalars(
        select(OutboxActivity.type)
        .join(Delivery, Delivery.activity_id == OutboxActivity.id)
        .where(OutboxActivity.object_ap_id == object_id, Delivery.inbox_url == FOLLOWER_INBOX)
        .order_by(OutboxActivity.id)
    )
    return list(rows)


# -- authentication and roles -----------------------------------------------------------------

NOTE = {"text": {"fr": "Permanence juridique mardi", "ar": "استشارة قانونية يوم الثلاثاء"}}


async def test_no_token_or_a_bad_one_is_401_and_saves_nothing(
    app_client: httpx.AsyncClient, node: Node, session: AsyncSession
) -> None:
    before = await count_objects(session)
    for headers in (
        {},
        {"Authorization": "Bearer mn_not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {node.tokens['editor']}"},
    ):
        response = await app_client.post(f"{API}/{node.slug}/notes", json=NOTE, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["error"]
    response = await app_client.get(f"{API}/{node.slug}/notes/abc")
    assert response.status_code == 401
    assert await count_objects(session) == before


async def test_the_token_records_when_it_was_last_used(
    app_client: httpx.AsyncClient, node: Node, session: AsyncSession
) -> None:
    response = await app_client.post(
        f"{API}/{node.slug}/notes", json=NOTE, headers=node.auth("editor")
    )
    assert response.status_code == 201
    await session.rollback()
    row = await session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(node.tokens["editor"]))
    )
    assert row is not None and row.last_used_at is not None


async def test_roles_decide_who_publishes_and_who_deletes(
    app_client: httpx.AsyncClient, node: Node, session: AsyncSession
) -> None:
    url = f"{API}/{node.slug}/notes"
    before = await count_objects(session)
    for who in ("outsider", "nobody", "moderator"):
        response = await app_client.post(url, json=NOTE, headers=node.auth(who))
        assert response.status_code == 403, who
        assert node.slug in response.json()["error"]
    assert await count_objects(session) == before

    for who in ("owner", "editor", "node_admin"):
        response = await app_client.post(url, json=NOTE, headers=node.auth(who))
        assert response.status_code == 201, (who, response.text)
    public_id = response.json()["public_id"]

    edit = {"text": {"fr": "Permanence juridique jeudi"}}
    one = f"{url}/{public_id}"
    for who in ("outsider", "moderator"):
        put = await app_client.put(one, json=edit, headers=node.auth(who))
        assert put.status_code == 403, who
    assert (await app_client.delete(one, headers=node.auth("outsider"))).status_code == 403
    assert (await app_client.get(one, headers=node.auth("outsider"))).status_code == 403
    assert (await app_client.get(one, headers=node.auth("moderator"))).status_code == 200
    deleted = await app_client.delete(one, headers=node.auth("moderator"))
    assert deleted.status_code == 204
    # The outsider may publish for its own association; the node admin for any.
    mine = await app_client.post(
        f"{API}/red_migrante/notes", json=NOTE, headers=node.auth("outsider")
    )
    assert mine.status_code == 201
    assert mine.json()["association"] == "red_migrante"
    admin = await app_client.post(
        f"{API}/red_migrante/notes", json=NOTE, headers=node.auth("node_admin")
    )
    assert admin.status_code == 201
    refused = await app_client.post(f"{API}/red_migrante/notes", json=NOTE, headers=node.auth())
    assert refused.status_code == 403


async def test_unknown_association_or_object_is_404(
    app_client: httpx.AsyncClient, node: Node
) -> None:
    missing = await app_client.post(f"{API}/nowhere/notes", json=NOTE, headers=node.auth())
    assert missing.status_code == 404
    assert "nowhere" in missing.json()["error"]
    for method in ("GET", "DELETE"):
        response = await app_client.request(
            method, f"{API}/{node.slug}/events/0123abc", headers=node.auth()
        )
        assert response.status_code == 404
    created = await app_client.post(f"{API}/{node.slug}/notes", json=NOTE, headers=node.auth())
    public_id = created.json()["public_id"]
    # A note is not an event: the kind in the path must match.
    wrong_kind = await app_client.get(f"{API}/{node.slug}/events/{public_id}", headers=node.auth())
    assert wrong_kind.status_code == 404


# -- every kind, in two languages: create, read, edit, delete ---------------------------------

TEXTS_FR_AR = {
    "title": {"fr": "Régularisation pour toutes et tous", "ar": "تسوية الأوضاع للجميع"},
    "summary": {"fr": "Notre appel", "ar": "نداؤنا"},
    "body": {
        "fr": "Nous demandons la **régularisation** des personnes sans papiers.",
        "ar": "نطالب **بتسوية** أوضاع المهاجرين غير النظاميين.",
    },
    "primary_language": "fr",
}
TEXTS_EN_ES = {
    "title": {"en": "Know your rights", "es": "Conoce tus derechos"},
    "body": {"en": "A guide to *asylum* procedures.", "es": "Una guía sobre el *asilo*."},
}

KINDS: dict[str, dict[str, Any]] = {
    "notes": {
        "create": {"text": {"fr": "Rassemblement *demain*", "ar": "تجمع *غدا*"}},
        "edit": {"text": {"fr": "Rassemblement reporté", "ar": "تم تأجيل التجمع"}},
        "languages": {"fr", "ar"},
        "type": {"Note"},
        "edited": ("fr", "body", "Rassemblement reporté"),
    },
    "declarations": {
        "create": {
            "texts": TEXTS_FR_AR,
            "adopted_on": "2025-03-21",
            "adopted_at_place": "Tunis",
        },
        "edit": {
            "texts": {**TEXTS_FR_AR, "title": {"fr": "Appel de Tunis", "ar": "نداء تونس"}},
            "adopted_on": "2025-03-22",
        },
        "languages": {"fr", "ar"},
        "type": {"Article"},
        "edited": ("ar", "title", "نداء تونس"),
        "fields": ("declaration", {"adopted_on": "2025-03-22", "adopted_at_place": None}),
    },
    "struggles": {
        "create": {
            "texts": TEXTS_FR_AR,
            "countries": ["tn", "FR"],
            "topics": ["regularisation", "Voting rights"],
            "started_on": "2024-10-01",
        },
        "edit": {"texts": TEXTS_FR_AR, "status": "won", "countries": ["TN"]},
        "languages": {"fr", "ar"},
        "type": {"Page"},
        "edited": ("fr", "title", "Régularisation pour toutes et tous"),
        "fields": ("struggle", {"status": "won", "countries": ["TN"], "topics": []}),
    },
    "events": {
        "create": {
            "texts": TEXTS_FR_AR,
            "starts": "2025-06-20T18:00:00",
            "ends": "2025-06-20T20:30:00",
            "timezone": "Africa/Tunis",
            "place": {"name": "Maison des associations", "locality": "Tunis", "country": "tn"},
        },
        "edit": {
            "texts": TEXTS_FR_AR,
            "starts": "2025-06-21T18:00:00",
            "ends": "2025-06-21T20:30:00",
            "timezone": "Africa/Tunis",
            "online_url": "https://meet.example/assemblee",
            "status": "tentative",
        },
        "languages": {"fr", "ar"},
        "type": {"Event"},
        "edited": ("fr", "title", "Régularisation pour toutes et tous"),
        "fields": (
            "event",
            {
                "starts": "2025-06-21T18:00:00+01:00",
                "ends": "2025-06-21T20:30:00+01:00",
                "timezone": "Africa/Tunis",
                "status": "tentative",
                "place": None,
                "online_url": "https://meet.example/assemblee",
            },
        ),
    },
    "resources": {
        "create": {
            "texts": TEXTS_EN_ES,
            "kind": "leaflet",
            "languages": ["en", "es", "ar"],
            "topics": ["asylum"],
            "links": [{"url": "https://example.org/guide.pdf", "name": "PDF"}],
        },
        "edit": {
            "texts": {**TEXTS_EN_ES, "body": {"en": "Updated guide.", "es": "Guía actualizada."}},
            "kind": "guide",
        },
        "languages": {"en", "es"},
        "type": {"Page", "Document"},  # Page, as Mastodon drops a Create{Document}
        "edited": ("es", "body", "Guía actualizada."),
        "fields": ("resource", {"kind": "guide", "languages": [], "links": []}),
    },
    "practices": {
        "create": {"texts": TEXTS_EN_ES, "outcome": "victory"},
        "edit": {"texts": TEXTS_EN_ES, "outcome": "defeat"},
        "languages": {"en", "es"},
        "type": {"Article"},
        "edited": ("en", "title", "Know your rights"),
        "fields": ("practice", {"outcome": "defeat"}),
    },
}


@pytest.mark.parametrize("path", list(KINDS))
async def test_create_read_edit_and_delete_each_kind(
    app_client: httpx.AsyncClient, node: Node, session: AsyncSession, path: str
) -> None:
    case = KINDS[path]
    collection = f"{API}/{node.slug}/{path}"

    created = await app_client.post(collection, json=case["create"], headers=node.auth())
    assert created.status_code == 201, created.text
    body = created.json()
    object_id, public_id = body["id"], body["public_id"]
    api_url = f"{collection}/{public_id}"
    assert created.headers["location"].endswith(api_url)
    assert body["kind"] == path.removesuffix("s")
    assert body["association"] == node.slug
    assert body["visibility"] == "public"
    assert set(body["languages"]) == case["languages"]
    assert set(body["texts"]) == case["languages"]
    assert body["languages"][0] == body["primary_language"]

    read = await app_client.get(api_url, headers=node.auth())
    assert read.status_code == 200
    assert read.json() == body
    if "ar" in case["languages"]:
        assert body["texts"]["ar"]["direction"] == "rtl"
        assert body["texts"]["fr"]["direction"] == "ltr"
    source = case["create"].get("text") or case["create"]["texts"]["body"]
    for language, markdown in source.items():
        assert body["texts"][language]["body"] == markdown
        assert "<" in body["texts"][language]["html"]

    page = await app_client.get(object_id, headers=AS_JSON)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("application/activity+json")
    doc = page.json()
    assert doc["id"] == object_id
    assert doc["type"] in case["type"]
    assert set(doc["contentMap"]) == case["languages"]
    assert await queued_to_follower(session, object_id) == ["Create"]

    edited = await app_client.put(api_url, json=case["edit"], headers=node.auth())
    assert edited.status_code == 200, edited.text
    language, field, value = case["edited"]
    assert edited.json()["texts"][language][field] == value
    assert edited.json()["updated"] is not None
    again = (await app_client.get(api_url, headers=node.auth())).json()
    assert again == edited.json()
    if "fields" in case:
        block, expected = case["fields"]
        for key, wanted in expected.items():
            assert again[block][key] == wanted, (block, key)
    doc = (await app_client.get(object_id, headers=AS_JSON)).json()
    assert "updated" in doc
    html_field = {"body": "contentMap", "title": "nameMap"}[field]
    assert value in doc[html_field][language]
    assert await queued_to_follower(session, object_id) == ["Create", "Update"]

    before = await count_objects(session)
    deleted = await app_client.delete(api_url, headers=node.auth())
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await app_client.get(object_id, headers=AS_JSON)).status_code == 410
    assert (await app_client.get(object_id)).status_code == 410
    assert (await app_client.get(api_url, headers=node.auth())).status_code == 404
    assert (await app_client.delete(api_url, headers=node.auth())).status_code == 404
    assert await count_objects(session) == before  # a tombstone stays
    assert (await queued_to_follower(session, object_id))[-1] == "Delete"


async def test_the_struggle_fields_of_a_new_struggle_are_normalised(
    app_client: httpx.AsyncClient, node: Node
) -> None:
    created = await app_client.post(
        f"{API}/{node.slug}/struggles", json=KINDS["struggles"]["create"], headers=node.auth()
    )
    struggle = created.json()["struggle"]
    assert struggle == {
        "status": "ongoing",
        "countries": ["TN", "FR"],
        "topics": ["regularisation", "voting_rights"],
        "started_on": "2024-10-01",
        "noindex": False,
    }
    # A note can join the struggle's timeline, by the struggle's id.
    note = await app_client.post(
        f"{API}/{node.slug}/notes",
        json={"text": {"fr": "Nouvelle étape"}, "struggle_id": created.json()["id"]},
        headers=node.auth(),
    )
    assert note.status_code == 201
    assert note.json()["struggle_id"] == created.json()["id"]


async def test_an_event_keeps_its_wall_time_and_zone(
    app_client: httpx.AsyncClient, node: Node
) -> None:
    created = await app_client.post(
        f"{API}/{node.slug}/events", json=KINDS["events"]["create"], headers=node.auth()
    )
    event = created.json()["event"]
    assert event["starts"] == "2025-06-20T18:00:00+01:00"
    assert event["timezone"] == "Africa/Tunis"
    assert event["place"]["country"] == "TN"
    assert event["organizers"] == [f"http://node-a.test/@{node.slug}"]
    # No summary was written in one language: the date and place are, in that language.
    texts = KINDS["events"]["create"]["texts"]
    no_summary = {**texts, "summary": {}}
    created = await app_client.post(
        f"{API}/{node.slug}/events",
        json={**KINDS["events"]["create"], "texts": no_summary},
        headers=node.auth(),
    )
    assert "Africa/Tunis" in created.json()["texts"]["fr"]["summary"]


async def test_visibility_is_kept_and_cannot_change_on_edit(
    app_client: httpx.AsyncClient, node: Node, session: AsyncSession
) -> None:
    notes = f"{API}/{node.slug}/notes"
    followers_only = {**NOTE, "visibility": "followers"}
    # The association accepts every follower: followers-only needs a confirmation.
    unconfirmed = await app_client.post(notes, json=followers_only, headers=node.auth())
    assert unconfirmed.status_code == 422
    assert "accepts every follower automatically" in unconfirmed.json()["error"]
    created = await app_client.post(
        f"{notes}?confirm_followers_only=true", json=followers_only, headers=node.auth()
    )
    assert created.json()["visibility"] == "followers"
    url = f"{API}/{node.slug}/notes/{created.json()['public_id']}"
    refused = await app_client.put(url, json={**NOTE, "visibility": "public"}, headers=node.auth())
    assert refused.status_code == 422
    assert refused.json()["error"].startswith("visibility:")
    same = await app_client.put(url, json={**NOTE, "visibility": "followers"}, headers=node.auth())
    assert same.status_code == 200
    left_out = await app_client.put(url, json=NOTE, headers=node.auth())
    assert left_out.json()["visibility"] == "followers"


# -- bad input: a clear 422 and nothing saved -------------------------------------------------

EVENT = KINDS["events"]["create"]
BAD_INPUT = [
    (
        "events",
        {**EVENT, "ends": "2025-06-20T17:00:00"},
        "ends: the event must end after it starts",
    ),
    ("events", {**EVENT, "timezone": "Mars/Olympus_Mons"}, "timezone: 'Mars/Olympus_Mons' is not"),
    (
        "events",
        {**EVENT, "place": {"locality": "Nowhere", "country": "XX"}},
        "'XX' is not an ISO 3166 country code",
    ),
    ("events", {**EVENT, "place": None}, "place: an event needs a place or an online link"),
    ("events", {**EVENT, "starts": "tomorrow evening"}, "body.starts:"),
    ("notes", {"text": {"xx": "Bonjour"}}, "body: 'xx' is not a known language code"),
    (
        "declarations",
        {"texts": {**TEXTS_FR_AR, "title": {"fr": "Appel", "xx": "?"}}},
        "title: 'xx' is not a known language code",
    ),
    (
        "struggles",
        {"texts": TEXTS_FR_AR, "countries": ["TN", "Tunisia"]},
        "countries: 'Tunisia' is not an ISO 3166 country code",
    ),
    (
        "declarations",
        {"texts": {**TEXTS_FR_AR, "title": {"fr": "   "}}},
        "title: must not be empty",
    ),
    ("practices", {"texts": {"body": {"en": "No title"}}}, "title: must not be empty"),
    ("notes", {"text": {"fr": ""}}, "body: must not be empty"),
    ("notes", {**NOTE, "visibility": "secret"}, "body.visibility:"),
    ("notes", {**NOTE, "colour": "red"}, "body.colour:"),
    ("practices", {"texts": TEXTS_EN_ES, "outcome": "draw"}, "body.outcome:"),
    ("resources", {"texts": TEXTS_EN_ES, "links": [{"url": "ftp://x"}]}, "links: 'ftp://x'"),
    ("notes", {**NOTE, "struggle_id": "https://nowhere.example/s/1"}, "struggle: "),
]


@pytest.mark.parametrize(("path", "payload", "message"), BAD_INPUT)
async def test_bad_input_is_a_clear_422_and_saves_nothing(
    app_client: httpx.AsyncClient,
    node: Node,
    session: AsyncSession,
    path: str,
    payload: dict[str, Any],
    message: str,
) -> None:
    before = await count_objects(session)
    outbox_before = await session.scalar(select(func.count()).select_from(OutboxActivity))
    response = await app_client.post(f"{API}/{node.slug}/{path}", json=payload, headers=node.auth())
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]
    assert await count_objects(session) == before
    assert await session.scalar(select(func.count()).select_from(OutboxActivity)) == outbox_before


async def test_a_bad_edit_changes_nothing(
    app_client: httpx.AsyncClient, node: Node, session: AsyncSession
) -> None:
    created = await app_client.post(f"{API}/{node.slug}/events", json=EVENT, headers=node.auth())
    url = f"{API}/{node.slug}/events/{created.json()['public_id']}"
    bad = {**EVENT, "texts": {**TEXTS_FR_AR, "title": {"fr": "Nouveau"}}, "timezone": "Nowhere"}
    assert (await app_client.put(url, json=bad, headers=node.auth())).status_code == 422
    assert (await app_client.get(url, headers=node.auth())).json() == created.json()
    assert await queued_to_follower(session, created.json()["id"]) == ["Create"]


# -- the OpenAPI document ---------------------------------------------------------------------


async def test_openapi_documents_every_authoring_endpoint(app_client: httpx.AsyncClient) -> None:
    doc = (await app_client.get("/api/openapi.json")).json()
    paths = doc["paths"]
    for kind in KINDS:
        collection = f"/api/v1/associations/{{slug}}/{kind}"
        one = f"{collection}/{{public_id}}"
        assert set(paths[collection]) == {"post"}
        assert set(paths[one]) == {"get", "put", "delete"}
        for operation in (paths[collection]["post"], *paths[one].values()):
            assert operation["summary"]
            assert {"401", "403", "404"} <= set(operation["responses"])
            assert operation["security"] == [{"token": []}]
        error = paths[collection]["post"]["responses"]["422"]["content"]["application/json"]
        assert error["schema"]["$ref"].endswith("/ErrorOut")
    upload = paths["/api/v1/associations/{slug}/media"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["file"]["format"] == "binary"
    assert {"201", "401", "403", "413", "422"} <= set(upload["responses"])
    assert doc["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    assert "ObjectOut" in doc["components"]["schemas"]


# -- media ------------------------------------------------------------------------------------


def png(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


async def count_media(session: AsyncSession) -> int:
    await session.rollback()
    return int(await session.scalar(select(func.count()).select_from(Media)) or 0)


async def test_upload_an_image_with_its_alt_text(
    app_client: httpx.AsyncClient, node: Node, session: AsyncSession
) -> None:
    response = await app_client.post(
        f"{API}/{node.slug}/media",
        files={"file": ("banner.png", png(), "image/png")},
        data={"alt_text": "لافتة المسيرة"},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    media = response.json()
    assert media["media_type"] == "image/png"
    assert (media["width"], media["height"]) == (40, 30)
    assert media["alt_text"] == "لافتة المسيرة"
    served = await app_client.get(media["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert (await app_client.get(media["preview_url"])).status_code == 200
    assert await count_media(session) == 1


@pytest.mark.parametrize(
    ("files", "data", "status", "message"),
    [
        ({"file": ("banner.png", png(), "image/png")}, {}, 422, "alt_text: describe the image"),
        ({"file": ("x.png", b"not an image", "image/png")}, {"alt_text": "x"}, 422, "not a valid"),
        ({"other": ("x.png", png(), "image/png")}, {"alt_text": "x"}, 422, "file: missing"),
        (
            {"file": ("big.pdf", b"%PDF-" + b"0" * (MAX_UPLOAD + 1), "application/pdf")},
            {},
            422,
            "file: 'big.pdf' is",
        ),
    ],
)
async def test_a_bad_upload_is_refused_and_stores_nothing(
    app_client: httpx.AsyncClient,
    node: Node,
    session: AsyncSession,
    settings: Settings,
    files: dict[str, Any],
    data: dict[str, str],
    status: int,
    message: str,
) -> None:
    response = await app_client.post(
        f"{API}/{node.slug}/media", files=files, data=data, headers=node.auth()
    )
    assert response.status_code == status, response.text
    assert message in response.json()["error"]
    assert await count_media(session) == 0
    stored = settings.media_dir
    assert not stored.exists() or not [p for p in stored.rglob("*") if p.is_file()]


async def test_an_upload_past_the_cap_is_413_without_reading_it_all(
    app_client: httpx.AsyncClient, node: Node, session: AsyncSession
) -> None:
    url = f"{API}/{node.slug}/media"
    huge = b"%PDF-" + b"0" * (MAX_UPLOAD * 3)
    # Announced too large: refused from the Content-Length alone.
    announced = await app_client.post(
        url, files={"file": ("huge.pdf", huge, "application/pdf")}, headers=node.auth()
    )
    assert announced.status_code == 413
    assert "larger than this node accepts" in announced.json()["error"]

    # Streamed without a length: refused once the cap is passed; the rest is never read.
    boundary = "migrantnet-test-boundary"
    sent = 0

    async def chunks() -> Any:
        nonlocal sent
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="huge.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        yield head
        for _ in range(100):
            sent += 1
            yield b"0" * 16_384
        yield f"\r\n--{boundary}--\r\n".encode()

    streamed = await app_client.post(
        url,
        content=chunks(),
        headers={**node.auth(), "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert streamed.status_code == 413
    assert await count_media(session) == 0

    not_a_form = await app_client.post(url, json={"file": "x"}, headers=node.auth())
    assert not_a_form.status_code == 415


async def test_only_publishers_upload(app_client: httpx.AsyncClient, node: Node) -> None:
    files = {"file": ("banner.png", png(), "image/png")}
    for who, status in (("moderator", 403), ("outsider", 403)):
        response = await app_client.post(
            f"{API}/{node.slug}/media", files=files, data={"alt_text": "x"}, headers=node.auth(who)
        )
        assert response.status_code == status
    assert (await app_client.post(f"{API}/{node.slug}/media", files=files)).status_code == 401


async def test_uploads_are_attached_to_a_declaration_and_federated(
    app_client: httpx.AsyncClient, node: Node, session: AsyncSession
) -> None:
    pdf = await app_client.post(
        f"{API}/{node.slug}/media",
        files={"file": ("declaration.pdf", one_page_pdf(), "application/pdf")},
        data={"alt_text": "The signed declaration"},
        headers=node.auth(),
    )
    assert pdf.status_code == 201, pdf.text
    body = {
        "texts": {"title": {"fr": "Déclaration"}, "body": {"fr": "Texte"}},
        "media_ids": [pdf.json()["id"]],
    }
    created = await app_client.post(
        f"{API}/{node.slug}/declarations", json=body, headers=node.auth()
    )
    assert created.status_code == 201, created.text
    doc = (
        await app_client.get(created.json()["id"], headers={"Accept": "application/activity+json"})
    ).json()
    [attachment] = doc["attachment"]
    assert attachment["mediaType"] == "application/pdf"
    assert attachment["url"].endswith(".pdf")
    assert attachment["name"] == "The signed declaration"
    # The Create queued for the follower carries the attachment too.
    [payload] = await session.scalars(
        select(OutboxActivity.payload).where(OutboxActivity.object_ap_id == doc["id"])
    )
    assert payload["object"]["attachment"] == doc["attachment"]

    # Another association's upload, or an unknown id: refused, nothing created.
    before = await count_objects(session)
    refused = await app_client.post(
        f"{API}/{node.slug}/notes",
        json={"text": {"fr": "x"}, "media_ids": ["nope"]},
        headers=node.auth(),
    )
    assert refused.status_code == 422
    assert await count_objects(session) == before
