"""An association's data, exported to one zip file: `migrantnet associations export`.

What an association takes with it when it leaves the node, or keeps as its own record:

- `manifest.json`: the format (`migrantnet-association-export`, version 1), the node, the
  association's id, when, whether keys are inside, and every other member with its size and
  SHA-256;
- `actor.json`: the actor document, as peers read it;
- `objects/<public id>.json`: each of its objects not deleted, every visibility, as ActivityPub
  JSON (FEDERATION.md), with the exact place of events whose address is hidden from the public
  (and `hideAddress: true` on them, so an import hides it again);
- `media.json` and `media/<storage key>`: its uploaded files (already without their metadata)
  and what names them;
- `followers.csv` and `following.csv`: actor id, handle, state, since;
- `keys/private.pem`, `keys/public.pem`: only when asked (`with_keys`), since a leaked export
  would then let anyone sign as the association.

The file holds the social graph, so it is written 0600, through a temporary file in the
target's folder that replaces the target once complete. Files kept on disk are streamed into
the archive, never held in memory whole.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from migrantnet import __version__
from migrantnet.content.details import load_details
from migrantnet.content.formatting import iso
from migrantnet.content.storage import Storage
from migrantnet.federation.serialize.actor import actor_to_ap
from migrantnet.federation.serialize.objects import object_to_ap
from migrantnet.models import Actor, ContentObject, Event, Follow, Media
from migrantnet.uris import Uris

FORMAT = "migrantnet-association-export"
VERSION = 1
FOLLOW_COLUMNS = ("actor", "handle", "state", "since")
HIDE_ADDRESS = "hideAddress"  # an event's own export only: its address is not for the public
CHUNK = 1024 * 1024
Member = bytes | Path  # the bytes, or a file on disk to stream


@dataclass(frozen=True, slots=True)
class ExportSummary:
    objects: int
    media: int
    followers: int
    following: int
    keys: bool


def _public_id(obj: ContentObject) -> str:
    return obj.ap_id.rstrip("/").rsplit("/", 1)[-1]


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"


async def _follows(session: AsyncSession, actor: Actor, *, followers: bool) -> bytes:
    other = aliased(Actor)
    mine, theirs = (
        (Follow.followed_id, Follow.follower_id)
        if followers
        else (Follow.follower_id, Follow.followed_id)
    )
    rows = await session.execute(
        select(Follow, other)
        .join(other, other.id == theirs)
        .where(mine == actor.id)
        .order_by(Follow.created_at, Follow.id)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FOLLOW_COLUMNS)
    for follow, account in rows:
        handle = f"@{account.username}@{account.domain}" if account.username else ""
        writer.writerow((account.ap_id, handle, follow.state, iso(follow.created_at)))
    return out.getvalue().encode()


async def export_members(
    session: AsyncSession, uris: Uris, storage: Storage, actor: Actor, *, with_keys: bool
) -> tuple[dict[str, Member], ExportSummary]:
    """Every member of the archive but the manifest: name -> bytes, or the file to stream."""
    members: dict[str, Member] = {"actor.json": _json(actor_to_ap(actor, uris))}
    objects = list(
        await session.scalars(
            select(ContentObject)
            .where(
                ContentObject.actor_id == actor.id,
                ContentObject.local.is_(True),
                ContentObject.deleted_at.is_(None),
            )
            .order_by(ContentObject.published_at, ContentObject.id)
        )
    )
    for obj in objects:
        details = await load_details(session, obj, actor)
        details.exact_place = True
        doc = object_to_ap(details, uris)
        event = details.row_as(Event)
        if event is not None and event.hide_address:
            doc[HIDE_ADDRESS] = True  # so an import keeps the address from the public
        members[f"objects/{_public_id(obj)}.json"] = _json(doc)
    media_rows = list(
        await session.scalars(select(Media).where(Media.actor_id == actor.id).order_by(Media.id))
    )
    by_id = {obj.id: obj.ap_id for obj in objects}
    listed = []
    for media in media_rows:
        for key in (media.storage_key, media.preview_key):
            if key and f"media/{key}" not in members:
                members[f"media/{key}"] = storage.local_path(key) or await storage.open(key)
        listed.append(
            {
                "id": media.public_id,
                "file": f"media/{media.storage_key}",
                "preview": f"media/{media.preview_key}" if media.preview_key else None,
                "mediaType": media.media_type,
                "name": media.alt_text,
                "width": media.width,
                "height": media.height,
                "object": by_id.get(media.object_id) if media.object_id else None,
            }
        )
    members["media.json"] = _json(listed)
    followers = await _follows(session, actor, followers=True)
    following = await _follows(session, actor, followers=False)
    members["followers.csv"], members["following.csv"] = followers, following
    keys = with_keys and bool(actor.private_key_pem)
    if keys:
        members["keys/private.pem"] = (actor.private_key_pem or "").encode()
        members["keys/public.pem"] = (actor.public_key_pem or "").encode()
    summary = ExportSummary(
        objects=len(objects),
        media=len(media_rows),
        followers=followers.count(b"\n") - 1,
        following=following.count(b"\n") - 1,
        keys=keys,
    )
    return members, summary


def _size_and_digest(member: Member) -> dict[str, Any]:
    if isinstance(member, bytes):
        return {"size": len(member), "sha256": hashlib.sha256(member).hexdigest()}
    digest, size = hashlib.sha256(), 0
    with member.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def manifest(actor: Actor, members: dict[str, Member], now: datetime, keys: bool) -> bytes:
    return _json(
        {
            "format": FORMAT,
            "version": VERSION,
            "migrantnet": __version__,
            "actor": actor.ap_id,
            "slug": actor.slug,
            "exportedAt": iso(now),
            "keys": keys,
            "members": {name: _size_and_digest(data) for name, data in sorted(members.items())},
        }
    )


def write_zip(target: Path, members: dict[str, Member], manifest_bytes: bytes) -> None:
    """The archive at `target`, 0600, complete or not at all."""
    target = target.resolve()
    handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=".zip", dir=target.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", manifest_bytes)
            for name, data in sorted(members.items()):
                if isinstance(data, bytes):
                    zf.writestr(name, data)
                else:
                    zf.write(data, name)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
