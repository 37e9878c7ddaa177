"""An association's export from the browser, for its admins: the zip that
`migrantnet associations export` writes (`federation/export.py`), downloaded.

The web export never holds the association's keys: whoever has a signed-in session (a
lost phone, a shared computer) could otherwise take the power to sign as the association.
The node's operator adds them from the command line (`--with-keys`). Each download is in the
audit trail, since the file names every follower.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from migrantnet.content.moderation import Moderator, record_action
from migrantnet.content.storage import LocalStorage
from migrantnet.federation.export import export_members, manifest, write_zip
from migrantnet.models import Role
from migrantnet.uris import Uris
from migrantnet.uris.interface import ADMIN_EXPORT_PATH
from migrantnet.web.auth import require_role
from migrantnet.web.deps import SessionDep, SettingsDep
from migrantnet.web.forms import read_form
from migrantnet.web.rendering import render
from migrantnet.web.sessions import SignedInDep

router = APIRouter(include_in_schema=False)
PREFIX = "export-"
STALE_SECONDS = 3600


@router.get(ADMIN_EXPORT_PATH)
async def export_page(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    actor = await require_role(session, visitor.user, slug, (Role.OWNER,))
    return render(request, visitor, "admin/export.html", {"association": actor})


def _remove(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


def _sweep(data_dir: Path) -> None:
    """Remove what an abandoned download or a restart left: a finished download removes its
    own folder, and no export takes an hour to build."""
    cutoff = time.time() - STALE_SECONDS
    for folder in data_dir.glob(f"{PREFIX}*"):
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            _remove(folder)


@router.post(ADMIN_EXPORT_PATH)
async def download_export(
    slug: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    await read_form(request, visitor)
    actor = await require_role(session, visitor.user, slug, (Role.OWNER,))
    now = datetime.now(UTC)
    members, summary = await export_members(
        session, Uris(settings.base_url), LocalStorage(settings.media_dir), actor, with_keys=False
    )
    # In the node's own data folder (0700), where the database already keeps the same data.
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    await asyncio.to_thread(_sweep, settings.data_dir)
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=settings.data_dir))
    target = folder / f"{actor.slug}-{now:%Y-%m-%d}.zip"
    try:
        # Hashing and zipping the files is disk work: off the event loop.
        await asyncio.to_thread(
            lambda: write_zip(target, members, manifest(actor, members, now, summary.keys))
        )
    except BaseException:
        await asyncio.to_thread(_remove, folder)
        raise
    record_action(
        session,
        Moderator(visitor.user),
        "export",
        actor.ap_id,
        f"{summary.objects} objects, {summary.media} files, {summary.followers} followers, "
        f"{summary.following} following, without keys",
    )
    await session.commit()
    return FileResponse(
        target,
        media_type="application/zip",
        filename=target.name,
        headers={"Cache-Control": "no-store"},
        background=BackgroundTask(_remove, folder),
    )
