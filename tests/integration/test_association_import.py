"""An association's export imported on another node (issue 12): its profile, its objects in
every language with their kind's fields and files, under new ids and with fresh keys; its
old followers listed. A broken, altered or foreign archive is refused, saying why, and
nothing is created."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_node import INIT, run
from graph_builders import remote_follower
from PIL import Image
from sqlalchemy import create_engine, func, select, text

from migrantnet.config import Settings, sync_database_url
from migrantnet.content.events import EventInput, PlaceInput, publish_event
from migrantnet.content.media import store_upload
from migrantnet.content.media_cleaning import MediaLimits
from migrantnet.content.notes import NOTE, note_input
from migrantnet.content.objects import publish_kind
from migrantnet.content.publishing import NoFederation
from migrantnet.content.storage import LocalStorage
from migrantnet.content.texts import TextsInput
from migrantnet.db import Database
from migrantnet.federation.archive import ArchiveRefused, read_export
from migrantnet.federation.association_import import import_association
from migrantnet.federation.export import export_members, manifest, write_zip
from migrantnet.models import Actor, ContentObject, Delivery, Event, Media, OutboxActivity
from migrantnet.uris import Uris

NEW_NODE = Uris("https://new-node.example")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), "orange").save(buffer, "PNG")
    return buffer.getvalue()


async def _exported(
    settings: Settings, db: Database, uris: Uris, association: Actor, target: Path
) -> tuple[str, str]:
    """An export with an event (hidden address, a photo), a two-language note for followers
    and one follower; the ap_ids of the event and the note."""
    storage = LocalStorage(settings.media_dir)
    async with db.session() as session, session.begin():
        actor = await session.get(Actor, association.id)
        assert actor is not None
        upload = await store_upload(
            session,
            storage,
            actor,
            data=_png(),
            filename="poster.png",
            declared_type="image/png",
            alt_text="The poster",
            limits=MediaLimits.from_settings(settings),
        )
        event = await publish_event(
            session,
            uris,
            NoFederation(),
            actor,
            EventInput(
                texts=TextsInput(title={"fr": "Permanence", "ar": "ملتقى"}),
                starts=datetime(2031, 5, 2, 17),
                ends=datetime(2031, 5, 2, 19),
                timezone="Africa/Tunis",
                place=PlaceInput(name="Local", street="Rue de Rome 9", locality="Tunis"),
                hide_address=True,
                media_ids=[upload.public_id],
            ),
        )
        note = await publish_kind(
            NOTE,
            session,
            uris,
            NoFederation(),
            actor,
            note_input(
                {"fr": "Réservé aux abonnés", "es": "Solo seguidores"}, visibility="followers"
            ),
            followers_confirmed=True,
        )
        await remote_follower(session, actor)
        event_id, note_id = event.ap_id, note.ap_id
    async with db.session() as session:
        actor = await session.get(Actor, association.id)
        assert actor is not None
        members, summary = await export_members(session, uris, storage, actor, with_keys=True)
        write_zip(target, members, manifest(actor, members, datetime.now(UTC), summary.keys))
    return event_id, note_id


async def test_an_export_is_recreated_on_another_node_with_new_ids_and_fresh_keys(
    settings: Settings, db: Database, uris: Uris, association: Actor, tmp_path: Path
) -> None:
    target = tmp_path / "export.zip"
    event_id, note_id = await _exported(settings, db, uris, association, target)
    archive = read_export(target)
    async with db.session() as session, session.begin():
        summary = await import_association(
            session,
            NEW_NODE,
            LocalStorage(settings.media_dir),
            archive,
            limits=MediaLimits.from_settings(settings),
            now=datetime.now(UTC),
            slug="arrived",
        )
        new_id = summary.actor.id
    assert (summary.objects, summary.media, summary.old_actor) == (2, 1, association.ap_id)
    assert [item.handle for item in summary.followers] == ["@rita@peer.example"]

    async with db.session() as session:
        new = await session.get(Actor, new_id)
        old = await session.get(Actor, association.id)
        assert new is not None and old is not None
        assert new.ap_id == NEW_NODE.actor("arrived") and new.local
        assert new.name == "Tunis Migrants"
        # fresh keys, though the archive held the old ones
        assert new.private_key_pem and new.private_key_pem != old.private_key_pem
        assert new.also_known_as == []  # the alias is the operator's next step, checked then
        copies = {
            obj.extra["moved_from"]: obj
            for obj in await session.scalars(
                select(ContentObject).where(ContentObject.actor_id == new.id)
            )
        }
        assert set(copies) == {event_id, note_id}
        note, event = copies[note_id], copies[event_id]
        assert note.ap_id.startswith(NEW_NODE.actor("arrived")) and note.local
        assert note.visibility == "followers"
        assert {lang: text for lang, text in note.content_map.items()} == {
            "fr": "<p>Réservé aux abonnés</p>",
            "es": "<p>Solo seguidores</p>",
        }
        assert event.name_map == {"fr": "Permanence", "ar": "ملتقى"}
        row = await session.get(Event, event.id)
        assert row is not None and row.timezone == "Africa/Tunis"
        assert row.street == "Rue de Rome 9"  # the exact place travelled with the export
        assert row.hide_address  # and is still kept from the public
        (media,) = await session.scalars(select(Media).where(Media.actor_id == new.id))
        assert media.object_id == event.id and media.alt_text == "The poster"
        # its outbox holds the Creates (the event with its new photo), sent to no one
        creates = {
            row.object_ap_id: row
            for row in await session.scalars(
                select(OutboxActivity).where(OutboxActivity.actor_id == new.id)
            )
        }
        assert set(creates) == {event.ap_id, note.ap_id}
        (photo,) = creates[event.ap_id].payload["object"]["attachment"]
        assert photo["url"].startswith(NEW_NODE.absolute("/"))
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 0
        assert (Path(settings.media_dir) / media.storage_key).is_file()


def _rewrite(source: Path, target: Path, change: dict[str, bytes | None], *, sign: bool) -> None:
    """A copy of the archive with members replaced (None: removed) or added; `sign` makes the
    manifest agree again, as a careful forger would."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for name, data in change.items():
        if data is None:
            members.pop(name, None)
        else:
            members[name] = data
    if sign:
        about = json.loads(members["manifest.json"])
        about["members"] = {
            name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in members.items()
            if name != "manifest.json"
        }
        members["manifest.json"] = json.dumps(about).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _first_object(path: Path) -> tuple[str, dict[str, object]]:
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in sorted(archive.namelist()) if n.startswith("objects/"))
        return name, json.loads(archive.read(name))


async def test_a_broken_altered_or_foreign_archive_is_refused_saying_why(
    settings: Settings, db: Database, uris: Uris, association: Actor, tmp_path: Path
) -> None:
    good = tmp_path / "export.zip"
    await _exported(settings, db, uris, association, good)
    name, doc = _first_object(good)
    altered = json.dumps({**doc, "content": "<p>forged</p>"}).encode()
    foreign = json.dumps({**doc, "attributedTo": "https://elsewhere.example/users/x"}).encode()
    with zipfile.ZipFile(good) as archive:
        about = json.loads(archive.read("manifest.json"))
    cases = {
        "not a zip": (b"PK\x03\x04 not really", "not a zip archive"),
        "no manifest": ({"manifest.json": None}, "no manifest.json"),
        "another format": (
            {"manifest.json": json.dumps({**about, "format": "mastodon-archive"}).encode()},
            "its format is not migrantnet-association-export",
        ),
        "a later version": (
            {"manifest.json": json.dumps({**about, "version": 9}).encode()},
            "export version 9",
        ),
        "an altered object": ({name: altered}, "was altered"),
        "a member added": ({"objects/extra.json": b"{}"}, "is not in the manifest"),
        "a member removed": ({"media.json": None}, "media.json is missing"),
        "a path out": ({"../../etc/cron.d/x": b"x"}, "leaves the archive's folder"),
    }
    for label, (change, reason) in cases.items():
        path = tmp_path / f"{label}.zip"
        if isinstance(change, bytes):
            path.write_bytes(change)
        else:
            _rewrite(good, path, change, sign=False)
        with pytest.raises(ArchiveRefused, match=reason):
            read_export(path)
    # Signed again by a forger, the manifest agrees, but the object is someone else's.
    forged = tmp_path / "foreign.zip"
    _rewrite(good, forged, {name: foreign}, sign=True)
    with pytest.raises(ArchiveRefused, match="is not the association's own"):
        read_export(forged)
    actor_swapped = tmp_path / "actor.zip"
    other_actor = json.dumps({"id": "https://elsewhere.example/users/x", "inbox": "x"}).encode()
    _rewrite(good, actor_swapped, {"actor.json": other_actor}, sign=True)
    with pytest.raises(ArchiveRefused, match="not the actor the manifest names"):
        read_export(actor_swapped)

    # Its own node refuses its export: the association is already here.
    async with db.session() as session, session.begin():
        with pytest.raises(ArchiveRefused, match="comes from this node"):
            await import_association(
                session,
                uris,
                LocalStorage(settings.media_dir),
                read_export(good),
                limits=MediaLimits.from_settings(settings),
                now=datetime.now(UTC),
                slug="again",
            )
    async with db.session() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(Actor).where(Actor.slug == "again")
            )
            == 0
        )


def test_the_import_command_refuses_a_broken_archive_with_one_line(
    tmp_path: Path, database_url: str
) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip at all")
    done = run(tmp_path, database_url, "associations", "import", str(broken))
    assert done.exit_code == 2, done.output
    assert "broken.zip is not a zip archive" in done.output
    assert "Traceback" not in done.output


def test_alias_and_move_refuse_an_account_of_this_node(tmp_path: Path, database_url: str) -> None:
    """An alias names an account elsewhere, and a move goes to another node: naming one of
    this node's own actors is refused with one line, and nothing is changed."""
    assert run(tmp_path, database_url, *INIT).exit_code == 0
    own = "https://node.example/@tunis_migrants"
    alias = run(tmp_path, database_url, "associations", "alias", "tunis_migrants", own)
    assert alias.exit_code == 2 and "is on this node" in alias.output, alias.output
    move = run(tmp_path, database_url, "associations", "move", "tunis_migrants", own)
    assert move.exit_code == 2 and "is on this node" in move.output, move.output
    engine = create_engine(sync_database_url(database_url))
    try:
        with engine.connect() as conn:
            query = "SELECT moved_to, also_known_as FROM actors WHERE slug = 'tunis_migrants'"
            moved_to, also_known_as = conn.execute(text(query)).one()
    finally:
        engine.dispose()
    assert moved_to is None and also_known_as in ([], "[]", None)
