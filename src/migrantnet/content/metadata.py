"""What uploads carry that can name a person or a place, found and removed.

Images are re-encoded by `media` (nothing of their metadata survives); `image_metadata` only
names what was there, so the author can be told. PDF documents are rewritten here.

A leaflet exported from a word processor carries its author's name (document information
`Author`, `Creator`), often the machine or account it was made on, and an XMP packet that
repeats them with edit history; for people at risk that is an identification. `pikepdf`
(QPDF) rewrites the file: the document information dictionary goes, the XMP packet of the
document and of every page and image goes, and so do the per-application private data
(`PieceInfo`) and the original file identifiers. Text and pictures are untouched.

The result says which fields were there, so the page can tell the author what was removed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import ExifTags, Image

if TYPE_CHECKING:  # loaded with the first PDF: ~17 MB resident that most processes never need
    import pikepdf

# Keys of the document information dictionary shown to the author by these names.
INFO_LABELS = {
    "/Author": "Author",
    "/Creator": "Creator",
    "/Producer": "Producer",
    "/Title": "Title",
    "/Subject": "Subject",
    "/Keywords": "Keywords",
    "/CreationDate": "Creation date",
    "/ModDate": "Modification date",
}
XMP = "XMP metadata"
PRIVATE_DATA = "Application data (PieceInfo)"


class UnreadablePdf(ValueError):
    """The bytes start like a PDF but QPDF cannot read them (or they are password-protected)."""


@dataclass(frozen=True, slots=True)
class CleanPdf:
    data: bytes
    removed: list[str]  # labels of what was there, in a stable order


def clean_pdf(data: bytes) -> CleanPdf:
    """Rewrite `data` without document information, XMP and private application data.

    CPU-bound: call it in a thread from request paths.
    """
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise UnreadablePdf("it is password-protected; upload it without a password") from None
    except (pikepdf.PdfError, ValueError, OSError):
        raise UnreadablePdf("the file is damaged or incomplete") from None
    with pdf:
        removed: list[str] = []
        info = pdf.trailer.get("/Info")
        if isinstance(info, pikepdf.Dictionary):
            present = set(info.keys())
            removed += [label for key, label in INFO_LABELS.items() if key in present]
            removed += sorted(key.lstrip("/") for key in present - set(INFO_LABELS))
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        found_xmp = _drop(pdf.Root, "/Metadata")
        found_private = _drop(pdf.Root, "/PieceInfo")
        for obj in pdf.objects:
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                found_xmp |= _drop(obj, "/Metadata")
                found_private |= _drop(obj, "/PieceInfo")
        if found_xmp:
            removed.append(XMP)
        if found_private:
            removed.append(PRIVATE_DATA)
        # QPDF keeps the first half of an existing /ID, which links the file to its first copy;
        # without one it makes a fresh random identifier.
        if "/ID" in pdf.trailer:
            del pdf.trailer["/ID"]
        out = io.BytesIO()
        pdf.save(out, fix_metadata_version=False)
    return CleanPdf(data=out.getvalue(), removed=removed)


def _drop(obj: pikepdf.Object, key: str) -> bool:
    import pikepdf

    try:
        if key in obj:
            del obj[key]
            return True
    except (pikepdf.PdfError, TypeError, ValueError):
        return False
    return False


# Where Pillow puts each kind of metadata, and what the author is told was removed.
_IMAGE_METADATA = (
    ("exif", "EXIF (camera, date, settings)"),
    ("xmp", "XMP metadata"),
    ("XML:com.adobe.xmp", "XMP metadata"),
    ("icc_profile", "Colour profile"),
    ("comment", "Comment"),
    ("photoshop", "Photoshop data"),
)


def image_metadata(image: Image.Image) -> list[str]:
    """Names of the metadata an image carries (all of it is dropped): GPS position first."""
    found = _exif_fields(image)
    for key, label in _IMAGE_METADATA:
        if image.info.get(key) and label not in found:
            found.append(label)
    known = {key for key, _ in _IMAGE_METADATA}
    if any(isinstance(v, str) and k not in known for k, v in image.info.items()):
        found.append("Text chunks")
    return found


def _exif_fields(image: Image.Image) -> list[str]:
    try:
        exif = image.getexif()
        gps = bool(exif.get_ifd(ExifTags.IFD.GPSInfo)) or ExifTags.Base.GPSInfo in exif
        author = any(tag in exif for tag in (ExifTags.Base.Artist, ExifTags.Base.Copyright))
    except Exception:  # malformed EXIF: nothing to name, and it is dropped all the same
        return []
    return [label for label, present in (("GPS position", gps), ("Author", author)) if present]
