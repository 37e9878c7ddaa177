"""An association's export uploaded on its new node by a node admin (issue 12): the same
service as `associations import`, every refusal a form message with a 4xx status and nothing
half-imported, the counts on success, what it followed followed again (an unreachable one
listed), and the alias button."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime

import httpx
from browser_forms import HTML, form_token, signed_in
from federation_peer import RemoteActor, after_a_commit_elsewhere
from graph_builders import remote_follower
from sqlalchemy import func, select

from migrantnet.config import Settings
from migrantnet.content.notes import NOTE, note_input
from migrantnet.content.objects import publish_kind
from migrantnet.content.publishing import NoFederation
from migrantnet.content.storage import LocalStorage
from migrantnet.content.users import create_user, grant_role
from migrantnet.db import Database
from migrantnet.federation.export import export_members
from migrantnet.models import Actor, ContentObject, Follow, Membership, Role
from migrantnet.uris import Uris

PAGE = "/admin/import-association"
ALIAS = "/admin/import-association/alias"
OLD_BASE = "http://localhost:9"  # nothing listens there: fetching the old actor fails at once
UNREACHABLE = "http://localhost:9/users/gone"


def _zip(members: dict[str, bytes], actor_id: str, slug: str) -> bytes:
    about = {
        "format": "migrantnet-association-export",
        "version": 1,
        "actor": actor_id,
        "slug": slug,
        "keys": False,
        "members": {
            name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in members.items()
        },
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps(about))
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


async def _exports(
    settings: Settings, db: Database, uris: Uris, association: Actor
) -> tuple[bytes, bytes]:
    """An export of this node's association as it is (one note, one follower), and the same
    as if made on another node (every id moved to `OLD_BASE`), following one account there."""
    async with db.session() as session, session.begin():
        actor = await session.get(Actor, association.id)
        assert actor is not None
        await publish_kind(
            NOTE, session, uris, NoFederation(), actor, note_input({"fr": "Assemblée jeudi"})
        )
        await remote_follower(session, actor)
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        assert actor is not None
        members, _ = await export_members(
            session, uris, LocalStorage(settings.media_dir), actor, with_keys=False
        )
    data = {name: value for name, value in members.items() if isinstance(value, bytes)}
    here = _zip(data, association.ap_id, "tunis_migrants")
    moved = {
        name: value.replace(settings.base_url.encode(), OLD_BASE.encode())
        for name, value in data.items()
    }
    following = io.StringIO()
    writer = csv.writer(following)
    writer.writerow(("actor", "handle", "state", "since"))
    writer.writerow((UNREACHABLE, "@gone@localhost:9", "accepted", datetime.now(UTC).isoformat()))
    moved["following.csv"] = following.getvalue().encode()
    old_id = association.ap_id.replace(settings.base_url, OLD_BASE)
    return here, _zip(moved, old_id, "tunis_migrants")


async def _upload(client: httpx.AsyncClient, content: bytes, **fields: str) -> httpx.Response:
    token = await form_token(client, PAGE)
    return await client.post(
        PAGE,
        data={"csrf_token": token, **fields},
        files={"archive": ("alpha.zip", content, "application/zip")},
        headers=HTML,
    )


async def _associations(db: Database) -> int:
    async with db.session() as session:
        return int(
            await session.scalar(select(func.count()).select_from(Actor).where(Actor.local)) or 0
        )


async def test_refusals_are_form_messages_and_leave_nothing(
    admin: httpx.AsyncClient, settings: Settings, db: Database, uris: Uris, association: Actor
) -> None:
    here, moved = await _exports(settings, db, uris, association)
    dashboard = await admin.get("/admin", headers=HTML)
    assert f'href="{PAGE}"' in dashboard.text
    before = await _associations(db)

    broken = await _upload(admin, b"PK\x03\x04 not really a zip")
    assert broken.status_code == 400, broken.text[:300]
    assert "This file cannot be imported" in broken.text and "not a zip archive" in broken.text

    own = await _upload(admin, here, slug="again")
    assert own.status_code == 400
    assert "comes from this node" in own.text

    taken = await _upload(admin, moved)  # its slug, tunis_migrants, is this node's
    assert taken.status_code == 409
    assert "already exists" in taken.text

    no_file = await admin.post(
        PAGE, data={"csrf_token": await form_token(admin, PAGE)}, files={"x": ("", b"")}
    )
    assert no_file.status_code == 422 and "Choose the export" in no_file.text

    forged = await admin.post(
        PAGE, data={"csrf_token": "forged"}, files={"archive": ("a.zip", moved)}, headers=HTML
    )
    assert forged.status_code == 403

    assert await _associations(db) == before
    assert list(settings.data_dir.glob("import-*")) == []  # every upload removed


async def test_too_large_is_413_before_the_body_is_read(
    settings: Settings, db: Database, association: Actor
) -> None:
    small = settings.model_copy(update={"import_max_bytes": 2048})
    async with signed_in(small, "admin@node-a.test", "correct horse battery") as client:
        refused = await _upload(client, b"PK" + b"x" * 10_000)
    assert refused.status_code == 413
    assert "This file is too large: at most \u20682 KB\u2069 can be imported" in refused.text
    assert list(settings.data_dir.glob("import-*")) == []


async def test_only_node_admins_import(
    admin: httpx.AsyncClient, settings: Settings, db: Database, association: Actor
) -> None:
    async with db.session() as session, session.begin():
        user = await create_user(session, email="owner@node-a.test", password="long password 1")
        actor = await session.get(Actor, association.id)
        assert actor is not None
        await grant_role(session, user, actor, Role.OWNER)  # an association's owner, not the node's
    async with signed_in(settings, "owner@node-a.test", "long password 1") as owner:
        assert (await owner.get(PAGE, headers=HTML)).status_code == 403
        assert f'href="{PAGE}"' not in (await owner.get("/admin", headers=HTML)).text
        token = await form_token(owner, "/account")
        refused = await owner.post(
            PAGE, data={"csrf_token": token}, files={"archive": ("a.zip", b"PK")}, headers=HTML
        )
        assert refused.status_code == 403
        assert "Only the node&#39;s admins" in refused.text


async def test_an_export_is_imported_with_its_counts_and_follows_again(
    admin: httpx.AsyncClient, settings: Settings, db: Database, uris: Uris, association: Actor
) -> None:
    _, moved = await _exports(settings, db, uris, association)
    page = await admin.get(PAGE, headers=HTML)
    assert 'name="follow_again" type="checkbox" value="1" checked' in page.text

    done = await _upload(admin, moved, slug="alpha", follow_again="1")
    assert done.status_code == 200, done.text[:500]
    assert "Posts, events and resources: 1" in done.text
    assert "Images and documents: 0" in done.text
    assert "Followers to move: 1" in done.text
    assert "Accounts followed again: 0" in done.text
    assert UNREACHABLE in done.text or "@gone@localhost:9" in done.text  # listed, not fatal

    async with db.session() as session:
        new = await session.scalar(select(Actor).where(Actor.local, Actor.username == "alpha"))
        assert new is not None
        notes = await session.scalar(
            select(func.count()).select_from(ContentObject).where(ContentObject.actor_id == new.id)
        )
        assert notes == 1
        assert (
            await session.scalars(select(Membership).where(Membership.actor_id == new.id))
        ).all()
        assert (
            await session.scalar(
                select(func.count()).select_from(Follow).where(Follow.follower_id == new.id)
            )
            == 0
        )
    assert list(settings.data_dir.glob("import-*")) == []

    # The alias button: the old node is unreachable here, which is said, with a 4xx status.
    old_id = association.ap_id.replace(settings.base_url, OLD_BASE)
    assert f'name="old_actor" value="{old_id}"' in done.text
    alias = await admin.post(
        ALIAS,
        data={"csrf_token": await form_token(admin, PAGE), "slug": "alpha", "old_actor": old_id},
        headers=HTML,
    )
    assert alias.status_code == 422, alias.text[:300]
    assert "The old account could not be named" in alias.text
    async with db.session() as session:
        new = await session.scalar(select(Actor).where(Actor.local, Actor.username == "alpha"))
        assert new is not None and new.also_known_as == []


async def test_without_follow_again_nothing_is_followed(
    admin: httpx.AsyncClient, settings: Settings, db: Database, uris: Uris, association: Actor
) -> None:
    _, moved = await _exports(settings, db, uris, association)
    done = await _upload(admin, moved, slug="alpha")  # the checkbox unticked
    assert done.status_code == 200
    assert "Accounts followed again" not in done.text
    assert UNREACHABLE not in done.text


async def test_the_import_path_has_its_own_cap_above_the_media_cap(
    settings: Settings, db: Database, uris: Uris, association: Actor
) -> None:
    """The body cap for every other upload (the media limit) does not apply to an export."""
    _, moved = await _exports(settings, db, uris, association)
    with zipfile.ZipFile(io.BytesIO(moved)) as archive:
        members = {
            name: archive.read(name) for name in archive.namelist() if name != "manifest.json"
        }
        about = json.loads(archive.read("manifest.json"))
    members["padding.bin"] = hashlib.sha512().digest() * 4096  # 256 KB, stored as is
    larger = _zip(members, about["actor"], "tunis_migrants")
    tight = settings.model_copy(update={"media_max_bytes": 1024, "image_max_bytes": 1024})
    async with signed_in(tight, "admin@node-a.test", "correct horse battery") as client:
        done = await _upload(client, larger, slug="alpha")
    assert len(larger) > 200 * 1024
    assert done.status_code == 200, done.text[:300]
    assert "Posts, events and resources: 1" in done.text


async def test_the_alias_is_named_while_other_writes_commit_during_the_fetch(
    admin: httpx.AsyncClient,
    settings: Settings,
    db: Database,
    association: Actor,
    remote_actor: RemoteActor,
) -> None:
    """The old actor is fetched while the node goes on writing (here another connection
    commits as the peer answers). The form once held a transaction that had read across the
    fetch: on SQLite it could not write afterwards, and the admin got a 503."""
    remote_actor.server.serve(
        remote_actor.actor_id,
        after_a_commit_elsewhere(settings.database_url, remote_actor.document()),
    )
    named = await admin.post(
        ALIAS,
        data={
            "csrf_token": await form_token(admin, PAGE),
            "slug": association.slug or "",
            "old_actor": remote_actor.actor_id,
        },
        headers=HTML,
    )

    assert named.status_code == 200, named.text[:300]
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        assert actor is not None
        assert actor.also_known_as == [remote_actor.actor_id]
