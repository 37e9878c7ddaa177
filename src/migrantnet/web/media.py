"""Serving uploaded media: only keys we make, only from the media root, never sniffed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from migrantnet.content.errors import NotFound
from migrantnet.content.media_cleaning import media_type_of_key
from migrantnet.content.storage import InvalidStorageKey, LocalStorage, Storage
from migrantnet.uris.paths import MEDIA_PATH

router = APIRouter(include_in_schema=False)

# Keys hold a random id and are never reused, so a file under a key never changes.
CACHE_CONTROL = "public, max-age=31536000, immutable"
# An image opened on its own can run nothing, even if a browser misread it.
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


async def get_storage(request: Request) -> Storage:
    return LocalStorage(request.app.state.settings.media_dir)


StorageDep = Annotated[Storage, Depends(get_storage)]


@router.api_route(MEDIA_PATH, methods=["GET", "HEAD"])
async def serve_media(key: str, storage: StorageDep) -> Response:
    media_type = media_type_of_key(key)
    if media_type is None:
        raise NotFound("no such file")
    headers = {
        "Cache-Control": CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'inline; filename="{key.rsplit("/", 1)[-1]}"',
    }
    if media_type.startswith("image/"):
        headers["Content-Security-Policy"] = IMAGE_CSP
    try:
        path = storage.local_path(key)
        if path is not None:
            return FileResponse(path, media_type=media_type, headers=headers)
        data = await storage.open(key)
    except InvalidStorageKey:
        raise NotFound("no such file") from None
    return Response(data, media_type=media_type, headers=headers)
