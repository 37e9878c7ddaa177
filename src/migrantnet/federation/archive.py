"""Reading an association's export (`federation/export.py`) on another node, checked first.

Nothing of an archive is used before all of it is checked: it is a zip of the format and
version we write, its manifest names every other member (and nothing more) with the size and
SHA-256 it has, no name leaves the archive's folder, the actor document is the manifest's
actor, and every object is attributed to it. A broken, altered or foreign archive is refused
with one sentence saying why (`ArchiveRefused`); the operator's command shows it.

The keys an archive may hold are never read: the association gets fresh keys where it moves.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from migrantnet.content.errors import ContentError
from migrantnet.federation.export import FOLLOW_COLUMNS, FORMAT, VERSION
from migrantnet.federation.normalize import first_id

MAX_MEMBERS = 100_000
MAX_TOTAL_BYTES = 4 * 1024**3  # what an archive may unpack to, whatever its manifest says
MAX_JSON_BYTES = 16 * 1024**2  # one JSON member (the actor, an object, the media list)


class ArchiveRefused(ContentError):
    """The file is not a whole, unaltered export of one association."""


@dataclass(frozen=True, slots=True)
class Follower:
    actor: str
    handle: str
    state: str


@dataclass(frozen=True, slots=True)
class ExportArchive:
    """A checked archive: the documents read, the media files left in the zip until asked."""

    path: Path
    actor: dict[str, Any]
    slug: str
    objects: list[dict[str, Any]]
    media: list[dict[str, Any]]
    followers: list[Follower]
    # Whom the association followed, to follow again from the new node (empty in an
    # archive without following.csv).
    following: list[Follower]

    def read_member(self, name: str) -> bytes:
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(name)


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        bool(name)
        and not path.is_absolute()
        and ".." not in path.parts
        and "\\" not in name
        and not name.endswith("/")
    )


def _json_member(archive: zipfile.ZipFile, name: str) -> Any:
    if archive.getinfo(name).file_size > MAX_JSON_BYTES:
        raise ArchiveRefused(f"{name} is larger than any export writes")
    try:
        return json.loads(archive.read(name))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveRefused(f"{name} is not JSON: {exc}") from None


def _manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    if "manifest.json" not in archive.namelist():
        raise ArchiveRefused("not an association export: it has no manifest.json")
    about = _json_member(archive, "manifest.json")
    if not isinstance(about, dict) or about.get("format") != FORMAT:
        raise ArchiveRefused(f"not an association export: its format is not {FORMAT}")
    if about.get("version") != VERSION:
        raise ArchiveRefused(
            f"export version {about.get('version')!r} is not one this node reads ({VERSION})"
        )
    if not isinstance(about.get("members"), dict) or not isinstance(about.get("actor"), str):
        raise ArchiveRefused("the manifest does not list the archive's members and actor")
    return about


def _check_members(archive: zipfile.ZipFile, listed: dict[str, Any]) -> None:
    """Every member named by the manifest, none more, each with its size and digest."""
    infos = [info for info in archive.infolist() if info.filename != "manifest.json"]
    if len(infos) > MAX_MEMBERS:
        raise ArchiveRefused(f"the archive holds more than {MAX_MEMBERS} members")
    names = [info.filename for info in infos]
    unsafe = next((name for name in [*names, *listed] if not _safe_name(name)), None)
    if unsafe is not None:
        raise ArchiveRefused(f"member name {unsafe!r} leaves the archive's folder")
    if len(set(names)) != len(names):
        raise ArchiveRefused("a member appears twice in the archive")
    missing = sorted(set(listed) - set(names))
    extra = sorted(set(names) - set(listed))
    if missing or extra:
        which = missing[0] if missing else extra[0]
        raise ArchiveRefused(
            f"the manifest and the archive disagree: {which} is "
            + ("missing" if missing else "not in the manifest")
        )
    if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
        raise ArchiveRefused("the archive unpacks to more than an export can hold")
    for info in infos:
        entry = listed[info.filename]
        if not isinstance(entry, dict) or entry.get("size") != info.file_size:
            raise ArchiveRefused(f"{info.filename} was altered: its size differs")
        digest = hashlib.sha256()
        with archive.open(info) as member:
            while chunk := member.read(1024 * 1024):
                digest.update(chunk)
        if digest.hexdigest() != entry.get("sha256"):
            raise ArchiveRefused(f"{info.filename} was altered: its SHA-256 differs")


def _follows(archive: zipfile.ZipFile, name: str) -> list[Follower]:
    text = archive.read(name).decode("utf-8", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != FOLLOW_COLUMNS:
        raise ArchiveRefused(f"{name} does not have the export's columns")
    return [Follower(row[0], row[1], row[2]) for row in rows[1:] if len(row) == len(FOLLOW_COLUMNS)]


def _owned_by(doc: Any, actor_id: str) -> bool:
    return isinstance(doc, dict) and first_id(doc.get("attributedTo")) == actor_id


def read_export(path: Path) -> ExportArchive:
    """The checked archive at `path`, or `ArchiveRefused` saying what is wrong with it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveRefused(f"{path.name} is not a zip archive: {exc}") from None
    with archive:
        try:
            about = _manifest(archive)
            listed: dict[str, Any] = about["members"]
            _check_members(archive, listed)
            for required in ("actor.json", "media.json", "followers.csv"):
                if required not in listed:
                    raise ArchiveRefused(f"the archive has no {required}")
            actor = _json_member(archive, "actor.json")
            if not isinstance(actor, dict) or actor.get("id") != about["actor"]:
                raise ArchiveRefused("actor.json is not the actor the manifest names")
            objects = [
                _json_member(archive, name)
                for name in sorted(listed)
                if name.startswith("objects/") and name.endswith(".json")
            ]
            stranger = next((doc for doc in objects if not _owned_by(doc, about["actor"])), None)
            if stranger is not None:
                raise ArchiveRefused(
                    f"object {str(stranger.get('id') if isinstance(stranger, dict) else '?')!r}"
                    " is not the association's own"
                )
            media = _json_member(archive, "media.json")
            if not isinstance(media, list) or not all(
                isinstance(item, dict) and item.get("file") in listed for item in media
            ):
                raise ArchiveRefused("media.json names files the archive does not hold")
            followers = _follows(archive, "followers.csv")
            following = _follows(archive, "following.csv") if "following.csv" in listed else []
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            zlib.error,
            KeyError,
            OSError,
            EOFError,
        ) as exc:
            raise ArchiveRefused(f"the archive is damaged: {exc}") from None
    slug = about.get("slug")
    return ExportArchive(
        path=path,
        actor=actor,
        slug=slug if isinstance(slug, str) else str(actor.get("preferredUsername") or ""),
        objects=objects,
        media=media,
        followers=followers,
        following=following,
    )
