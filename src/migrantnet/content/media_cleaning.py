"""What an uploaded file is, and its bytes cleaned of metadata. Pure (no session, no storage).

A file's kind is decided by its bytes alone: Pillow identifies images, the `%PDF-` magic
identifies PDF documents; the declared type and the file name only make error messages
clearer. Images are decoded and re-encoded upright without any metadata, with a WebP preview;
what was removed is listed by field name. `media` stores the result.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from migrantnet.content.errors import InvalidInput, Term
from migrantnet.content.metadata import image_metadata
from migrantnet.translations import N_

if TYPE_CHECKING:
    from migrantnet.config import Settings

MEGABYTE = 1024 * 1024
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


@dataclass(slots=True)
class Prepared:
    data: bytes
    format: _Format
    width: int | None = None
    height: int | None = None
    preview: bytes | None = None
    removed: list[str] = field(default_factory=list)


def prepare_image(
    data: bytes, name: str, claimed: _Format | None, limits: MediaLimits, has_alt: bool
) -> Prepared:
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
                size=format_size(len(data)),
                limit=format_size(limits.image_max_bytes),
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
        return Prepared(
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


def describe(filename: str | None) -> str:
    if not filename:
        return "the file"
    base = re.split(r"[/\\]", filename)[-1]
    base = "".join(c for c in base if c.isprintable())[:100]
    return repr(base) if base else "the file"


def claimed_format(declared_type: str | None, filename: str | None) -> _Format | None:
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


def format_size(size: int) -> str:
    if size >= MEGABYTE:
        value, unit = size / MEGABYTE, "MB"
    else:
        value, unit = size / 1024, "KB"
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} {unit}"


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.1f}".removesuffix(".0")
