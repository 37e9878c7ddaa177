"""An association's export downloaded from its settings: the same zip as the command line's,
never with the keys, for its admins only, each download in the audit trail."""

from __future__ import annotations

import csv
import io
import json
import os
import time
import zipfile

import httpx
from browser_forms import HTML, form_token, signed_in, submit
from graph_builders import remote_follower
from sqlalchemy import select

from migrantnet.config import Settings
from migrantnet.content.notes import NOTE, note_input
from migrantnet.content.objects import publish_kind
from migrantnet.content.publishing import NoFederation
from migrantnet.content.users import create_user, grant_role
from migrantnet.db import Database
from migrantnet.federation.export import FORMAT
from migrantnet.models import Actor, ModerationAction, Role
from migrantnet.uris import Uris

EXPORT = "/admin/tunis_migrants/export"


async def test_an_admin_downloads_the_export_without_keys_and_it_is_in_the_trail(
    admin: httpx.AsyncClient, settings: Settings, db: Database, uris: Uris, association: Actor
) -> None:
    async with db.session() as session, session.begin():
        actor = await session.get(Actor, association.id)
        assert actor is not None
        await publish_kind(
            NOTE, session, uris, NoFederation(), actor, note_input({"fr": "Assemblée jeudi"})
        )
        await remote_follower(session, actor)

    # What an abandoned download left an hour ago goes; one being sent now stays.
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    abandoned, current = settings.data_dir / "export-abandoned", settings.data_dir / "export-now"
    for folder in (abandoned, current):
        folder.mkdir()
        (folder / "tunis_migrants.zip").write_bytes(b"PK")
    hour_ago = time.time() - 3700
    os.utime(abandoned, (hour_ago, hour_ago))

    settings_page = await admin.get("/admin/tunis_migrants/settings", headers=HTML)
    assert f'href="{EXPORT}"' in settings_page.text
    page = await admin.get(EXPORT, headers=HTML)
    assert page.status_code == 200
    assert "names every follower" in page.text

    download = await submit(admin, EXPORT, EXPORT, {})
    assert download.status_code == 200, download.text[:500]
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["cache-control"] == "no-store"
    assert 'filename="tunis_migrants-' in download.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        names = set(archive.namelist())
        described = json.loads(archive.read("manifest.json"))
        followers = list(csv.DictReader(io.StringIO(archive.read("followers.csv").decode())))
        objects = [json.loads(archive.read(name)) for name in names if name.startswith("objects/")]
    assert described["format"] == FORMAT
    assert described["keys"] is False
    assert not any(name.startswith("keys/") for name in names)
    assert [row["actor"] for row in followers] == ["https://peer.example/users/rita"]
    assert [obj["contentMap"]["fr"] for obj in objects] == ["<p>Assemblée jeudi</p>"]
    # The temporary file is gone once sent, and the abandoned one with it.
    assert list(settings.data_dir.glob("export-*")) == [current]

    async with db.session() as session:
        trail = (await session.scalars(select(ModerationAction))).all()
    assert [(row.action, row.by, row.target) for row in trail] == [
        ("export", "admin@node-a.test", association.ap_id)
    ]
    assert "1 followers" in (trail[0].detail or "")


async def test_the_export_needs_the_form_token_and_the_admin_role(
    admin: httpx.AsyncClient, settings: Settings, db: Database, association: Actor
) -> None:
    assert (await admin.post(EXPORT, data={}, headers=HTML)).status_code == 403
    await form_token(admin, EXPORT)  # the page itself is there for the admin

    async with db.session() as session, session.begin():
        user = await create_user(session, email="editor@node-a.test", password="long password 1")
        owner = await session.get(Actor, association.id)
        assert owner is not None
        await grant_role(session, user, owner, Role.EDITOR)
    async with signed_in(settings, "editor@node-a.test", "long password 1") as editor:
        assert (await editor.get(EXPORT, headers=HTML)).status_code == 403
        token = await form_token(editor, "/account")
        refused = await editor.post(EXPORT, data={"csrf_token": token}, headers=HTML)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
    async with db.session() as session:
        assert (await session.scalars(select(ModerationAction))).all() == []
