"""Uploading an image or a document, read with a cap on the body's size."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from migrantnet.content.errors import InvalidInput, TooLarge, UnsupportedType
from migrantnet.content.media import MAX_ALT_TEXT, store_upload
from migrantnet.content.media_cleaning import MediaLimits
from migrantnet.content.storage import LocalStorage
from migrantnet.translations import N_
from migrantnet.web.api.render import media_out
from migrantnet.web.api.responses import errors
from migrantnet.web.api.schemas import MediaOut
from migrantnet.web.auth import PUBLISH_ROLES, CurrentUser, require_role
from migrantnet.web.deps import SessionDep, SettingsDep, UrisDep

router = APIRouter()

# Room for the multipart framing, the part headers and the alt text around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "alt_text": {
                        "type": "string",
                        "maxLength": MAX_ALT_TEXT,
                        "description": "What the image shows (required for images).",
                    },
                },
            }
        }
    },
}


class UploadTooLarge(MultiPartException):
    """Raised inside the parser, so it closes the temporary files it opened."""


def too_large(cap: int) -> TooLarge:
    return TooLarge(f"the upload is larger than this node accepts ({cap} bytes)")


async def read_capped_form(request: Request, cap: int) -> list[tuple[str, str | UploadFile]]:
    """The multipart form of the request, refused with 413 past `cap` bytes of body."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise UnsupportedType("send multipart/form-data with a `file` field")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise too_large(cap)  # without reading a byte

    async def body() -> Any:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > cap:
                raise UploadTooLarge("too large")
            yield chunk

    parser = MultiPartParser(
        request.headers, body(), max_files=1, max_fields=4, max_part_size=MULTIPART_OVERHEAD
    )
    try:
        form = await parser.parse()
    except UploadTooLarge:
        raise too_large(cap) from None
    except MultiPartException as exc:
        raise InvalidInput(
            "file", N_("unreadable multipart body: %(reason)s"), reason=exc.message
        ) from None
    return list(form.multi_items())


@router.post(
    "/associations/{slug}/media",
    status_code=201,
    response_model=MediaOut,
    summary="Upload an image or a document",
    responses=errors(400, 401, 403, 404, 413, 415),
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def upload_media(
    slug: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    uris: UrisDep,
    user: CurrentUser,
) -> MediaOut:
    """Store a JPEG, PNG, WebP or GIF image (with its alt text) or a PDF document.

    Images lose every piece of metadata (GPS position, device) and get a preview; PDF
    documents lose their document information (Author, Creator...) and XMP metadata.
    `removed_metadata` names what was removed. Owners and editors. The upload is not attached
    to anything yet.
    """
    async with session.begin():
        actor = await require_role(session, user, slug, PUBLISH_ROLES)
    limits = MediaLimits.from_settings(settings)
    items = await read_capped_form(request, limits.upload_max_bytes + MULTIPART_OVERHEAD)
    try:
        files = [value for key, value in items if key == "file" and isinstance(value, UploadFile)]
        if not files:
            raise InvalidInput(
                "file", N_("missing: send the file in a multipart field named `file`")
            )
        alt_texts = [value for key, value in items if key == "alt_text" and isinstance(value, str)]
        upload = files[0]
        data = await upload.read()
        async with session.begin():
            media = await store_upload(
                session,
                LocalStorage(settings.media_dir),
                actor,
                data=data,
                filename=upload.filename,
                declared_type=upload.content_type,
                alt_text=alt_texts[0] if alt_texts else None,
                limits=limits,
            )
            return media_out(media, uris)
    finally:
        for _, value in items:
            if isinstance(value, UploadFile):
                await value.close()
