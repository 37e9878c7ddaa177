"""An association arriving from another node: its objects, read from its export, stored as
ours under new ids, with their texts in every language, their kind's fields and their files.

The federation layer reads and checks the archive and parses each object as it parses a
peer's (`RemoteObjectData`); this module writes the local rows. Links between the
association's own objects (a struggle an event belongs to, a reply to itself) are moved to
the new ids; links to others' objects are kept as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content import search as _search  # noqa: F401  (indexes every flush)
from migrantnet.content.errors import InvalidInput
from migrantnet.content.kinds import kind_spec
from migrantnet.content.media import attach_media, store_upload
from migrantnet.content.media_cleaning import MediaLimits
from migrantnet.content.remote import RemoteObjectData, fitting
from migrantnet.content.storage import Storage
from migrantnet.models import Actor, ContentObject, Event
from migrantnet.translations import N_
from migrantnet.uris import Uris, new_public_id


@dataclass(frozen=True, slots=True)
class ArrivingFile:
    """One uploaded file of the export, with the object it was attached to (its old id)."""

    data: bytes
    filename: str
    media_type: str | None
    alt_text: str | None
    object_ap_id: str | None


async def store_arriving_object(
    session: AsyncSession,
    uris: Uris,
    actor: Actor,
    data: RemoteObjectData,
    *,
    hide_address: bool = False,
) -> ContentObject:
    """One of the association's objects as a local one (flushed), under a new id; its
    links are moved by `relink_arrived` once all are stored. `hide_address`: an event whose
    exact place is for followers only, as it was on the old node."""
    if actor.slug is None or not actor.local:
        raise InvalidInput("actor", N_("only a local association publishes here"))
    ap_id = uris.object(actor.slug, new_public_id())
    obj = ContentObject(
        ap_id=ap_id,
        type=data.type[:64],
        kind=data.kind,
        actor_id=actor.id,
        local=True,
        url=ap_id,
        visibility=data.visibility,
        in_reply_to=fitting(data.in_reply_to, 2048),
        primary_language=fitting(data.primary_language, 35),
        name_map=data.name_map,
        summary_map=data.summary_map,
        content_map=data.content_map,
        sensitive=data.sensitive,
        noindex=data.noindex,
        published_at=data.published_at,
        updated_at=data.updated_at,
        tags=data.tags,
        attachments=[],  # its files are stored again here, with new addresses
        struggle_ap_id=fitting(data.struggle_ap_id, 2048),
        extra={"moved_from": data.ap_id},
    )
    session.add(obj)
    await session.flush()
    spec = kind_spec(data.kind)
    model = spec.model if spec is not None else None
    store = spec.store_remote if spec is not None else None
    if model is not None and store is not None and data.values is not None:
        row = model(object_id=obj.id)
        store(row, data.values)
        if isinstance(row, Event):
            row.hide_address = hide_address
        session.add(row)
        await session.flush()
    return obj


def relink_arrived(objects: list[ContentObject], new_ids: dict[str, str]) -> None:
    """Links to the association's old objects now name their new copies."""
    for obj in objects:
        if obj.struggle_ap_id in new_ids:
            obj.struggle_ap_id = new_ids[obj.struggle_ap_id]
        if obj.in_reply_to in new_ids:
            obj.in_reply_to = new_ids[obj.in_reply_to]


async def store_arriving_files(
    session: AsyncSession,
    storage: Storage,
    actor: Actor,
    files: list[ArrivingFile],
    objects: dict[str, ContentObject],
    limits: MediaLimits,
) -> int:
    """The files of the export, checked and cleaned as any upload, attached to the new copy
    of their object; returns how many were stored."""
    stored = 0
    for item in files:
        media = await store_upload(
            session,
            storage,
            actor,
            data=item.data,
            filename=item.filename,
            declared_type=item.media_type,
            alt_text=item.alt_text,
            limits=limits,
        )
        target = objects.get(item.object_ap_id or "")
        if target is not None:
            await attach_media(session, target, actor, [media.public_id])
        stored += 1
    return stored
