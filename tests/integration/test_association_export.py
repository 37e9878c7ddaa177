"""An association's export: its objects as ActivityPub JSON, its files, its followers and
following as CSV, its keys only when asked, in one zip written 0600."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from cli_node import INIT, run
from graph_builders import remote_follower
from PIL import Image
from sqlalchemy import create_engine, text

from migrantnet.config import Settings, sync_database_url
from migrantnet.content.events import EventInput, PlaceInput, publish_event
from migrantnet.content.media import store_upload
from migrantnet.content.media_cleaning import MediaLimits
from migrantnet.content.notes import NOTE, note_input
from migrantnet.content.objects import delete_object, publish_kind
from migrantnet.content.publishing import NoFederation
from migrantnet.content.storage import LocalStorage
from migrantnet.content.texts import TextsInput
from migrantnet.db import Database
from migrantnet.federation.export import FORMAT, export_members, manifest, write_zip
from migrantnet.federation.parse import parse_object
from migrantnet.models import Actor
from migrantnet.uris import Uris


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "teal").save(buffer, "PNG")
    return buffer.getvalue()


async def test_the_export_holds_objects_files_and_the_graph_and_keys_only_when_asked(
    settings: Settings, db: Database, uris: Uris, association: Actor, tmp_path: Path
) -> None:
    storage = LocalStorage(settings.media_dir)
    async with db.session() as session, session.begin():
        actor = await session.get(Actor, association.id)
        assert actor is not None
        upload = await store_upload(
            session,
            storage,
            actor,
            data=_png(),
            filename="banner.png",
            declared_type="image/png",
            alt_text="A banner",
            limits=MediaLimits.from_settings(settings),
        )
        event = await publish_event(
            session,
            uris,
            NoFederation(),
            actor,
            EventInput(
                texts=TextsInput(title={"fr": "Réunion"}),
                starts=datetime(2027, 3, 1, 18),
                ends=datetime(2027, 3, 1, 20),
                timezone="Africa/Tunis",
                place=PlaceInput(name="Local", street="Rue de Marseille 3", locality="Tunis"),
                hide_address=True,
                media_ids=[upload.public_id],
            ),
        )
        private = await publish_kind(
            NOTE,
            session,
            uris,
            NoFederation(),
            actor,
            note_input({"fr": "Pour nos abonnés"}, visibility="followers"),
            followers_confirmed=True,
        )
        gone = await publish_kind(
            NOTE, session, uris, NoFederation(), actor, note_input({"fr": "Effacé"})
        )
        await delete_object(session, NoFederation(), actor, gone)
        await remote_follower(session, actor)

    target = tmp_path / "export.zip"
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        assert actor is not None
        members, summary = await export_members(session, uris, storage, actor, with_keys=False)
        write_zip(target, members, manifest(actor, members, datetime.now(UTC), summary.keys))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert (summary.objects, summary.media, summary.followers, summary.following) == (2, 1, 1, 0)

    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        read = archive.read
        about = json.loads(read("manifest.json"))
        assert about["format"] == FORMAT and about["keys"] is False
        for name, entry in about["members"].items():  # every member named, none altered
            assert hashlib.sha256(read(name)).hexdigest() == entry["sha256"]
        assert set(about["members"]) | {"manifest.json"} == names
        assert not any(name.startswith("keys/") for name in names)
        assert json.loads(read("actor.json"))["id"] == association.ap_id

        objects = [json.loads(read(n)) for n in sorted(names) if n.startswith("objects/")]
        ids = {doc["id"] for doc in objects}
        assert ids == {event.ap_id, private.ap_id}  # the deleted one is not exported
        exported = next(doc for doc in objects if doc["id"] == event.ap_id)
        # The association's own copy keeps the exact place the public does not see.
        assert exported["location"]["address"]["streetAddress"] == "Rue de Marseille 3"
        assert parse_object(exported).event is not None  # readable as any peer reads it
        (listed,) = json.loads(read("media.json"))
        assert listed["object"] == event.ap_id and listed["name"] == "A banner"
        assert read(listed["file"]) == (Path(settings.media_dir) / upload.storage_key).read_bytes()

        (follower,) = list(csv.DictReader(io.StringIO(read("followers.csv").decode())))
        assert follower["actor"] == "https://peer.example/users/rita"
        assert follower["handle"] == "@rita@peer.example" and follower["state"] == "accepted"
        assert read("following.csv").decode().splitlines() == ["actor,handle,state,since"]

    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        assert actor is not None
        members, summary = await export_members(session, uris, storage, actor, with_keys=True)
    assert summary.keys
    assert bytes(members["keys/private.pem"]).startswith(b"-----BEGIN PRIVATE KEY-----")


def _approves_followers(database_url: str) -> bool:
    engine = create_engine(sync_database_url(database_url))
    try:
        with engine.connect() as conn:
            query = "SELECT manually_approves_followers FROM actors WHERE slug = 'tunis_migrants'"
            return bool(conn.scalar(text(query)))
    finally:
        engine.dispose()


def test_init_asked_to_approve_followers_then_the_export_command(
    tmp_path: Path, database_url: str
) -> None:
    """One node for two commands (an init costs seconds): `init --approve-followers` holds
    followers for approval and says so; `associations export` writes the file, 0600."""
    initialised = run(tmp_path, database_url, *INIT, "--approve-followers")
    assert initialised.exit_code == 0, initialised.output
    assert "New followers wait for approval" in initialised.output
    assert _approves_followers(database_url)
    target = tmp_path / "out.zip"
    done = run(tmp_path, database_url, "associations", "export", "tunis_migrants", str(target))
    assert done.exit_code == 0, done.output
    assert "0 objects" in done.output and "without keys" in done.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with zipfile.ZipFile(target) as archive:
        assert "actor.json" in archive.namelist()
    missing = run(tmp_path, database_url, "associations", "export", "nobody", str(target))
    assert missing.exit_code != 0
