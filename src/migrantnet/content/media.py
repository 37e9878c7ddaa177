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
`finish_file_cleanup`). Files of deleted media go once the deletion is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import Forbidden, InvalidInput, NotFound, Term
from migrantnet.content.metadata import UnreadablePdf, clean_pdf, image_metadata
from migrantnet.content.storage import Storage
from migrantnet.logs import log_event
from migrantnet.models import Actor, ContentObject, Media
from migrantnet.translations import N_
from migrantnet.uris import new_public_id

if TYPE_CHECKING:
    from migrantnet.config import Settings

logger = logging.getLogger("migrantnet.media")

MEGABYTE = 1024 * 1024
MAX_ALT_TEXT = 1500
MAX_ATTACHMENTS = 20
PREVIEW_MAX_SIDE = 400
JPEG_QUALITY = 85
WEBP_QUALITY = 85
PREVIEW_QUALITY = 80

PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """Upload limits; `from_settings` reads the node's `MIGRANTNET_*_MAX_*` settings."""

    max_bytes: int = 20 * MEGABYTE  # any file (documents)
    image_max_bytes: int = 10 * MEGABYTE
    image_max_pixels: int = 40_000_000

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaLimits:
        return cls(
            max_bytes=settings.media_max_bytes,
            image_max_bytes=settings.image_max_bytes,
            image_max_pixels=settings.image_max_pixels,
        )

    @property
    def upload_max_bytes(self) -> int:
        """Nothing larger is even looked at."""
        return max(self.max_bytes, self.image_max_bytes)


@dataclass(frozen=True, slots=True)
class _Format:
    media_type: str
    suffix: str
    noun: str


JPEG = _Format("image/jpeg", ".jpg", N_("JPEG image"))
PNG = _Format("image/png", ".png", N_("PNG image"))
WEBP = _Format("image/webp", ".webp", N_("WebP image"))
GIF = _Format("image/gif", ".gif", N_("GIF image"))  # accepted, stored as PNG
PDF = _Format("application/pdf", ".pdf", N_("PDF document"))

# Pillow's name of each format we decode (a camera JPEG may come back as "MPO").
_DECODERS = ["JPEG", "PNG", "WEBP", "GIF"]
_PILLOW_FORMATS = {"JPEG": JPEG, "MPO": JPEG, "PNG": PNG, "WEBP": WEBP, "GIF": GIF}
_STORED_AS = {JPEG: JPEG, PNG: PNG, WEBP: WEBP, GIF: PNG}

# Only what we store is ever served; the key's suffix says which type it is.
MEDIA_TYPES_BY_SUFFIX = {f.suffix: f.media_type for f in (JPEG, PNG, WEBP, PDF)}
_KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}(?:-preview)?(\.[a-z]+)$")

# What the uploader says the file is: used for messages only, never to decide.
_CLAIMED_BY_TYPE = {
    "image/jpeg": JPEG,
    "image/jpg": JPEG,
    "image/pjpeg": JPEG,
    "image/png": PNG,
    "image/webp": WEBP,
    "image/gif": GIF,
    "application/pdf": PDF,
}
_CLAIMED_BY_SUFFIX = {
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".jpe": JPEG,
    ".png": PNG,
    ".webp": WEBP,
    ".gif": GIF,
    ".pdf": PDF,
}
_ACCEPTED = N_("upload a JPEG, PNG, WebP or GIF image, or a PDF document")


def media_key(public_id: str, suffix: str, *, preview: bool = False) -> str:
    return f"{public_id[:2]}/{public_id}{'-preview' if preview else ''}{suffix}"


def media_type_of_key(key: str) -> str | None:
    """The type of a file we stored under `key`, or None if we never make such a key."""
    match = _KEY_RE.match(key)
    return MEDIA_TYPES_BY_SUFFIX.get(match.group(1)) if match else None


# --- storing ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Prepared:
    data: bytes
    format: _Format
    width: int | None = None
    height: int | None = None
    preview: bytes | None = None
    removed: list[str] = field(default_factory=list)


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
    name = _describe(filename)
    claimed = _claimed_format(declared_type, filename)
    size = len(data)
    if size == 0:
        raise InvalidInput("file", N_("%(name)s is empty"), name=name)
    if size > limits.upload_max_bytes:
        raise InvalidInput(
            "file",
            N_("%(name)s is %(size)s; files may be at most %(limit)s (images %(image_limit)s)"),
            name=name,
            size=_format_size(size),
            limit=_format_size(limits.max_bytes),
            image_limit=_format_size(limits.image_max_bytes),
        )
    alt = _check_alt_text(alt_text)

    if data.startswith(PDF_MAGIC):
        if size > limits.max_bytes:
            raise InvalidInput(
                "file",
                N_("%(name)s is %(size)s; documents may be at most %(limit)s"),
                name=name,
                size=_format_size(size),
                limit=_format_size(limits.max_bytes),
            )
        try:
            cleaned_pdf = await asyncio.to_thread(clean_pdf, data)
        except UnreadablePdf as exc:
            raise InvalidInput(
                "file", N_("%(name)s is not a valid PDF document: %(exc)s"), name=name, exc=exc
            ) from None
        prepared = _Prepared(data=cleaned_pdf.data, format=PDF, removed=cleaned_pdf.removed)
    else:
        prepared = await asyncio.to_thread(
            _prepare_image, data, name, claimed, limits, alt is not None
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
    _file_tracker(session).uncommitted.extend((storage, k) for k in written)
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


def _prepare_image(
    data: bytes, name: str, claimed: _Format | None, limits: MediaLimits, has_alt: bool
) -> _Prepared:
    """Decode, check and re-encode an image without its metadata (runs in a worker thread)."""
    try:
        image = Image.open(io.BytesIO(data), formats=_DECODERS)
    except Image.DecompressionBombError:
        raise _too_many_pixels(name, limits) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _not_valid(name, claimed) from None

    with image:
        source = _PILLOW_FORMATS[str(image.format)]
        if len(data) > limits.image_max_bytes:
            raise InvalidInput(
                "file",
                N_("%(name)s is %(size)s; images may be at most %(limit)s"),
                name=name,
                size=_format_size(len(data)),
                limit=_format_size(limits.image_max_bytes),
            )
        if not has_alt:
            raise InvalidInput(
                "alt_text",
                N_("describe the image for people who cannot see it (required for images)"),
            )
        width, height = image.size
        if width * height > limits.image_max_pixels:
            raise InvalidInput(
                "file",
                N_(
                    "%(name)s is %(width)s × %(height)s pixels (%(pixels)s megapixels); "
                    "images may be at most %(limit)s megapixels"
                ),
                name=name,
                width=width,
                height=height,
                pixels=_megapixels(width * height),
                limit=_megapixels(limits.image_max_pixels),
            )
        try:
            image.load()
        except Image.DecompressionBombError:
            raise _too_many_pixels(name, limits) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise InvalidInput(
                "file",
                N_("%(name)s is not a valid %(noun)s: the file is damaged or incomplete"),
                name=name,
                noun=Term(source.noun),
            ) from None
        target = _STORED_AS[source]
        removed = image_metadata(image)
        cleaned = _clean(_upright(image), target)
        encoded = _encode(cleaned, target)
        preview = _preview(cleaned)
        return _Prepared(
            data=encoded,
            format=target,
            width=cleaned.width,
            height=cleaned.height,
            preview=preview,
            removed=removed,
        )


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation, so the picture looks the same once EXIF is gone."""
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:  # malformed EXIF: nothing to apply, and it is dropped anyway
        orientation = 1
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        return ImageOps.exif_transpose(image)
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or "transparency" in image.info


_PNG_MODES = {"1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"}


def _clean(image: Image.Image, target: _Format) -> Image.Image:
    """A mode the target format takes, and no metadata but palette transparency."""
    if target is JPEG:
        takes = {"RGB", "L"}
    elif target is WEBP:
        takes = {"RGB", "RGBA"}
    else:
        takes = _PNG_MODES
    if image.mode not in takes:
        image = image.convert("RGB" if target is JPEG or not _has_alpha(image) else "RGBA")
    kept: dict[str | tuple[int, int], Any] = (
        {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
    )
    # EXIF, XMP, ICC, comments and text chunks all live in `info`; savers read some of them
    # from there (a JPEG comment, a PNG ICC profile), so nothing else may stay.
    image.info = kept
    return image


def _encode(image: Image.Image, target: _Format) -> bytes:
    out = io.BytesIO()
    if target is JPEG:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif target is WEBP:
        image.save(out, "WEBP", quality=WEBP_QUALITY)
    else:
        image.save(out, "PNG")
    return out.getvalue()


def _preview(image: Image.Image) -> bytes:
    """A WebP of at most PREVIEW_MAX_SIDE pixels a side (never enlarged)."""
    if image.mode not in {"RGB", "RGBA"}:
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    scale = min(1.0, PREVIEW_MAX_SIDE / image.width, PREVIEW_MAX_SIDE / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    small = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    small.save(out, "WEBP", quality=PREVIEW_QUALITY)
    return out.getvalue()


def _describe(filename: str | None) -> str:
    if not filename:
        return "the file"
    base = re.split(r"[/\\]", filename)[-1]
    base = "".join(c for c in base if c.isprintable())[:100]
    return repr(base) if base else "the file"


def _claimed_format(declared_type: str | None, filename: str | None) -> _Format | None:
    if declared_type:
        claimed = _CLAIMED_BY_TYPE.get(declared_type.split(";")[0].strip().lower())
        if claimed is not None:
            return claimed
    if filename and "." in filename:
        return _CLAIMED_BY_SUFFIX.get("." + filename.rsplit(".", 1)[1].strip().lower())
    return None


def _not_valid(name: str, claimed: _Format | None) -> InvalidInput:
    if claimed is not None:
        return InvalidInput(
            "file", N_("%(name)s is not a valid %(noun)s"), name=name, noun=Term(claimed.noun)
        )
    return InvalidInput(
        "file",
        N_("%(name)s is not a file type we accept; %(accepted)s"),
        name=name,
        accepted=Term(_ACCEPTED),
    )


def _too_many_pixels(name: str, limits: MediaLimits) -> InvalidInput:
    return InvalidInput(
        "file",
        N_("%(name)s has too many pixels; images may be at most %(limit)s megapixels"),
        name=name,
        limit=_megapixels(limits.image_max_pixels),
    )


def _format_size(size: int) -> str:
    if size >= MEGABYTE:
        value, unit = size / MEGABYTE, "MB"
    else:
        value, unit = size / 1024, "KB"
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} {unit}"


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.1f}".removesuffix(".0")


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
    _file_tracker(session).doomed.extend((storage, key) for key in keys)


# --- files follow the transaction ------------------------------------------------------------

_TRACKER = "migrantnet.media.files"
_cleanup_tasks: set[asyncio.Task[None]] = set()


@dataclass(slots=True)
class _FileTracker:
    """Files written in the open transaction, and files to delete when it commits."""

    uncommitted: list[tuple[Storage, str]] = field(default_factory=list)
    doomed: list[tuple[Storage, str]] = field(default_factory=list)

    def on_commit(self, _session: Any) -> None:
        doomed, self.uncommitted, self.doomed = self.doomed, [], []
        _schedule_deletion(doomed)

    def on_transaction_end(self, _session: Any, transaction: Any) -> None:
        if transaction.parent is not None:
            return  # a savepoint; the outer transaction decides
        # After a commit both lists are already empty; otherwise the rows never existed.
        written, self.uncommitted, self.doomed = self.uncommitted, [], []
        _schedule_deletion(written)


def _file_tracker(session: AsyncSession) -> _FileTracker:
    sync_session = session.sync_session
    tracker = sync_session.info.get(_TRACKER)
    if tracker is None:
        tracker = _FileTracker()
        sync_session.info[_TRACKER] = tracker
        event.listen(sync_session, "after_commit", tracker.on_commit)
        event.listen(sync_session, "after_transaction_end", tracker.on_transaction_end)
    return tracker


def _schedule_deletion(files: list[tuple[Storage, str]]) -> None:
    if not files:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        log_event(logger, "media_cleanup_skipped", logging.WARNING, files=len(files))
        return
    task = loop.create_task(_delete_files(files))
    _cleanup_tasks.add(task)
    task.add_done_callback(_cleanup_tasks.discard)


async def _delete_files(files: list[tuple[Storage, str]]) -> None:
    for storage, key in files:
        try:
            await storage.delete(key)
        except Exception:
            log_event(logger, "media_cleanup_failed", logging.WARNING, key=key)


async def finish_file_cleanup() -> None:
    """Wait for scheduled file deletions (tests; graceful shutdown)."""
    loop = asyncio.get_running_loop()
    while pending := [task for task in _cleanup_tasks if task.get_loop() is loop]:
        await asyncio.gather(*pending, return_exceptions=True)
