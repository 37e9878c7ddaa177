"""An association's export imported on this node: `migrantnet associations import FILE`.

The archive is checked whole first (`federation/archive.py`). Then, in one transaction: a new
association with the profile of the exported actor (name, presentation, type, whether it
approves its followers) and fresh keys, never the archive's; each of its objects parsed as a
peer's object is parsed, and stored as ours under a new id (`content/arrival.py`), in every
language it had; its files, checked and cleaned as any upload, attached again. The old
followers are listed for the operator: they follow the new association once the old one
sends its `Move` (`federation/moves.py`), which needs the alias set here first
(`migrantnet associations alias`). What it followed is followed again from here, after the
import is committed (`follow_again`): one Follow each, queued as any other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.config import Settings
from migrantnet.content.arrival import (
    ArrivingFile,
    relink_arrived,
    store_arriving_files,
    store_arriving_object,
)
from migrantnet.content.associations import create_association
from migrantnet.content.details import load_details
from migrantnet.content.errors import ContentError, shown
from migrantnet.content.media_cleaning import MediaLimits
from migrantnet.content.storage import LocalStorage, Storage
from migrantnet.content.users import grant_role
from migrantnet.federation.actors import ActorUnavailable
from migrantnet.federation.archive import ArchiveRefused, ExportArchive, Follower
from migrantnet.federation.delivery import is_public
from migrantnet.federation.export import HIDE_ADDRESS
from migrantnet.federation.follows import follow_remote
from migrantnet.federation.parse import ParseError
from migrantnet.federation.parse.actor import parse_actor
from migrantnet.federation.parse.content import ap_to_content, content_to_remote
from migrantnet.federation.serialize.activities import create_activity
from migrantnet.federation.serialize.objects import object_to_ap
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import Actor, ContentObject, FollowState, OutboxActivity, Role, User
from migrantnet.uris import Uris

logger = logging.getLogger("migrantnet.federation.association_import")


@dataclass(frozen=True, slots=True)
class ImportSummary:
    actor: Actor
    old_actor: str
    objects: int
    media: int
    followers: list[Follower]
    following: list[Follower]


@dataclass(frozen=True, slots=True)
class FollowAgainFailure:
    target: str
    reason: str


async def follow_again(
    session: AsyncSession, fed: Federation, actor: Actor, following: list[Follower]
) -> list[FollowAgainFailure]:
    """Follow from `actor` (just imported) what its old account followed, through the
    ordinary follow service and its durable queue (`federation/follows.py`). Each follow in its
    own savepoint: one unreachable peer is listed, never undoes the import or the others."""
    failures: list[FollowAgainFailure] = []
    for item in following:
        try:
            async with session.begin_nested():
                await follow_remote(session, fed, actor, item.actor)
        except (ActorUnavailable, ContentError) as exc:
            failures.append(FollowAgainFailure(item.handle or item.actor, shown(exc)))
    log_event(
        logger,
        "association_followed_again",
        slug=actor.slug,
        follows=len(following) - len(failures),
        failed=len(failures),
    )
    return failures


async def _record_creates(
    session: AsyncSession, uris: Uris, actor: Actor, objects: list[ContentObject], now: datetime
) -> None:
    """Each object's `Create` in the outbox, oldest first, as if published here; delivered to
    no one (the association has no follower yet: they come with the `Move`)."""
    for obj in sorted(objects, key=lambda item: (item.published_at, item.id)):
        payload = create_activity(object_to_ap(await load_details(session, obj, actor), uris))
        session.add(
            OutboxActivity(
                ap_id=payload["id"],
                type=payload["type"],
                actor_id=actor.id,
                object_ap_id=obj.ap_id,
                payload=payload,
                public=is_public(payload),
                created_at=now,
            )
        )
    await session.flush()


async def import_association(
    session: AsyncSession,
    uris: Uris,
    storage: Storage,
    archive: ExportArchive,
    *,
    limits: MediaLimits,
    now: datetime,
    slug: str | None = None,
) -> ImportSummary:
    """Recreate the archive's association here (flushed, the caller commits)."""
    try:
        profile = parse_actor(archive.actor)
    except ParseError as exc:
        raise ArchiveRefused(f"actor.json is not an actor: {exc}") from None
    if uris.is_local(profile.ap_id):
        raise ArchiveRefused("this export comes from this node: nothing to import")
    actor = await create_association(
        session,
        uris,
        slug=slug or archive.slug,
        name=profile.name or archive.slug,
        summary=profile.summary,
        manually_approves_followers=profile.manually_approves_followers,
    )
    actor.discoverable = profile.discoverable
    stored: list[ContentObject] = []
    new_ids: dict[str, str] = {}
    by_old_id: dict[str, ContentObject] = {}
    for doc in archive.objects:
        try:
            data = content_to_remote(ap_to_content(doc), profile.followers, now)
        except ParseError as exc:
            raise ArchiveRefused(f"object {doc.get('id')!r} cannot be read: {exc}") from None
        hidden = doc.get(HIDE_ADDRESS) is True
        obj = await store_arriving_object(session, uris, actor, data, hide_address=hidden)
        stored.append(obj)
        new_ids[data.ap_id] = obj.ap_id
        by_old_id[data.ap_id] = obj
    relink_arrived(stored, new_ids)
    files = [
        ArrivingFile(
            data=archive.read_member(item["file"]),
            filename=PurePosixPath(item["file"]).name,
            media_type=item.get("mediaType") if isinstance(item.get("mediaType"), str) else None,
            alt_text=item.get("name") if isinstance(item.get("name"), str) else None,
            object_ap_id=item.get("object") if isinstance(item.get("object"), str) else None,
        )
        for item in archive.media
    ]
    media = await store_arriving_files(session, storage, actor, files, by_old_id, limits)
    await _record_creates(session, uris, actor, stored, now)
    followers = [item for item in archive.followers if item.state == FollowState.ACCEPTED]
    log_event(logger, "association_imported", slug=actor.slug, objects=len(stored), media=media)
    return ImportSummary(
        actor=actor,
        old_actor=profile.ap_id,
        objects=len(stored),
        media=media,
        followers=followers,
        following=[
            item
            for item in archive.following
            if item.state in (FollowState.ACCEPTED, FollowState.PENDING)
        ],
    )


async def import_on_this_node(
    session: AsyncSession,
    settings: Settings,
    archive: ExportArchive,
    *,
    owner: User | None,
    slug: str | None = None,
) -> ImportSummary:
    """The import as the CLI and the admin page run it: this node's ids, media folder and
    upload limits, and the owner (if any) given the new association. Flushed, not committed."""
    summary = await import_association(
        session,
        Uris(settings.base_url),
        LocalStorage(settings.media_dir),
        archive,
        limits=MediaLimits.from_settings(settings),
        now=datetime.now(UTC),
        slug=slug,
    )
    if owner is not None:
        await grant_role(session, owner, summary.actor, Role.OWNER)
    return summary
