"""Uploaded files: checked, cleaned and stored all or nothing, then attached to an object.

What a file is gets decided by its bytes alone: Pillow identifies images, the `%PDF-` magic
identifies PDF documents. The declared type and the file name only make error messages
clearer. Accepted: JPEG, PNG, WebP and GIF images, and PDF documents. Audio and video are
refused for now: their containers can be recognised by magic numbers, but they carry metadata
(GPS position, device) that we could not remove without a transcoder.

Images are decoded and re-encoded: the EXIF orientation is applied, then every piece of
metadata (EXIF with GPS, XMP, ICC profiles, comments, text chunks) is dropped; JPEG stays JPEG,
PNG stays PNG, WebP stays WebP, GIF becomes a PNG of its first frame. Each image gets a WebP
preview of at most 400 pixels a side. PDF documents are rewritten without their document
information and XMP metadata (`metadata`). What was removed is kept on the row
(`removed_metadata`: field names, never their values) so the author can be told.

Files are written only once everything is valid. If the row cannot be written, the files are
deleted at once; if the transaction later ends without a commit, they are deleted then (see
`media_files.finish_file_cleanup`). Files of deleted media go once the deletion is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import Forbidden, InvalidInput, NotFound
from migrantnet.content.media_cleaning import (
    PDF,
    PDF_MAGIC,
    WEBP,
    MediaLimits,
    Prepared,
    claimed_format,
    describe,
    format_size,
    media_key,
    prepare_image,
)
from migrantnet.content.media_files import file_tracker
from migrantnet.content.metadata import UnreadablePdf, clean_pdf
from migrantnet.content.storage import Storage
from migrantnet.logs import log_event
from migrantnet.models import Actor, ContentObject, Media
from migrantnet.translations import N_
from migrantnet.uris import new_public_id

logger = logging.getLogger("migrantnet.media")

MAX_ALT_TEXT = 1500
MAX_ATTACHMENTS = 20


# --- storing ---------------------------------------------------------------------------------


async def store_upload(
    session: AsyncSession,
    storage: Storage,
    actor: Actor,
    *,
    data: bytes,
    filename: str | None,
    declared_type: str | None,
    alt_text: str | None,
    limits: MediaLimits,
) -> Media:
    """Check, clean and store one upload of `actor`; the `Media` row is flushed, unattached."""
    name = describe(filename)
    claimed = claimed_format(declared_type, filename)
    size = len(data)
    if size == 0:
        raise InvalidInput("file", N_("%(name)s is empty"), name=name)
    if size > limits.upload_max_bytes:
        raise InvalidInput(
            "file",
            N_("%(name)s is %(size)s; files may be at most %(limit)s (images %(image_limit)s)"),
            name=name,
            size=format_size(size),
            limit=format_size(limits.max_bytes),
            image_limit=format_size(limits.image_max_bytes),
        )
    alt = _check_alt_text(alt_text)

    if data.startswith(PDF_MAGIC):
        if size > limits.max_bytes:
            raise InvalidInput(
                "file",
                N_("%(name)s is %(size)s; documents may be at most %(limit)s"),
                name=name,
                size=format_size(size),
                limit=format_size(limits.max_bytes),
            )
        try:
            cleaned_pdf = await asyncio.to_thread(clean_pdf, data)
        except UnreadablePdf as exc:
            raise InvalidInput(
                "file", N_("%(name)s is not a valid PDF document: %(exc)s"), name=name, exc=exc
            ) from None
        prepared = Prepared(data=cleaned_pdf.data, format=PDF, removed=cleaned_pdf.removed)
    else:
        prepared = await asyncio.to_thread(
            prepare_image, data, name, claimed, limits, alt is not None
        )

    public_id = new_public_id()
    key = media_key(public_id, prepared.format.suffix)
    preview_key = media_key(public_id, ".webp", preview=True) if prepared.preview else None
    written: list[str] = []
    try:
        await storage.save(key, prepared.data, prepared.format.media_type)
        written.append(key)
        if preview_key is not None and prepared.preview is not None:
            await storage.save(preview_key, prepared.preview, WEBP.media_type)
            written.append(preview_key)
        media = Media(
            public_id=public_id,
            actor_id=actor.id,
            object_id=None,
            storage_key=key,
            preview_key=preview_key,
            media_type=prepared.format.media_type,
            size=len(prepared.data),
            width=prepared.width,
            height=prepared.height,
            alt_text=alt,
            removed_metadata=prepared.removed,
        )
        session.add(media)
        await session.flush()
    except BaseException:
        for written_key in written:
            with contextlib.suppress(Exception):
                await storage.delete(written_key)
        raise
    file_tracker(session).uncommitted.extend((storage, k) for k in written)
    log_event(logger, "media_stored", media_type=media.media_type, size=media.size)
    return media


def _check_alt_text(alt_text: str | None) -> str | None:
    alt = (alt_text or "").strip()
    if not alt:
        return None
    if "\x00" in alt:
        raise InvalidInput("alt_text", N_("must not contain NUL characters"))
    if len(alt) > MAX_ALT_TEXT:
        raise InvalidInput(
            "alt_text",
            N_("must be at most %(limit)s characters (it has %(length)s)"),
            limit=MAX_ALT_TEXT,
            length=len(alt),
        )
    return alt


# --- attaching and deleting ------------------------------------------------------------------


async def attach_media(
    session: AsyncSession, obj: ContentObject, actor: Actor, public_ids: list[str]
) -> list[Media]:
    """Attach uploads of `actor` to its object `obj`, in the order given.

    Only the actor's own media that are unattached (or already on this object) can be
    attached; anything else is refused as a whole, with nothing changed.
    """
    if obj.actor_id != actor.id:
        raise Forbidden("only the author of an object can attach files to it")
    if obj.deleted_at is not None:
        raise NotFound("this object was deleted")
    wanted = list(dict.fromkeys(public_ids))
    if not wanted:
        return []
    if len(wanted) > MAX_ATTACHMENTS:
        raise InvalidInput(
            "media",
            N_("at most %(limit)s files can be attached"),
            limit=MAX_ATTACHMENTS,
        )
    rows = await session.scalars(
        select(Media)
        .where(
            Media.public_id.in_(wanted),
            Media.actor_id == actor.id,
            or_(Media.object_id.is_(None), Media.object_id == obj.id),
        )
        .with_for_update()
    )
    found = {media.public_id: media for media in rows}
    missing = [public_id for public_id in wanted if public_id not in found]
    if missing:
        raise InvalidInput(
            "media",
            N_("%(upload)s is not an unattached upload of this account"),
            upload=repr(missing[0][:64]),
        )
    for media in found.values():
        media.object_id = obj.id
    await session.flush()
    return [found[public_id] for public_id in wanted]


async def delete_media(session: AsyncSession, storage: Storage, media: Media) -> None:
    """Delete the row now (flushed) and its files once the transaction commits."""
    keys = [media.storage_key, *([media.preview_key] if media.preview_key else [])]
    await session.delete(media)
    await session.flush()
    file_tracker(session).doomed.extend((storage, key) for key in keys)


async def uploads_of(session: AsyncSession, actor: Actor, public_ids: list[str]) -> list[Media]:
    """The association's uploads by public id, in the order given (unknown ids left out): the
    files a form being written again has attached."""
    if not public_ids:
        return []
    rows = await session.scalars(
        select(Media).where(Media.public_id.in_(public_ids), Media.actor_id == actor.id)
    )
    found = {media.public_id: media for media in rows}
    return [found[i] for i in public_ids if i in found]
