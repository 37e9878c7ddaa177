"""An association moving in, from the browser, for the node's admins: its export (made on its
old node) uploaded and imported by the same service as `migrantnet associations import`
(`federation/association_import.py`), what it followed followed again, and then the alias
(`associations alias`) set with one button, so the old node can send its `Move`.

The upload is capped before it is read and streamed to the data folder
(`web/archive_upload.py`). Every refusal — too large, not a zip, altered, a slug taken, an
export of this very node — is the form again with its reason and a 4xx status; the import
runs in a savepoint, so a refused archive leaves nothing behind.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from migrantnet.config import MEGABYTE, Settings
from migrantnet.content.associations import get_association
from migrantnet.content.errors import ContentError, Forbidden, shown
from migrantnet.federation.actors import ActorUnavailable, resolve_handle
from migrantnet.federation.archive import read_export
from migrantnet.federation.association_import import follow_again, import_on_this_node
from migrantnet.federation.deps import FederationDep
from migrantnet.federation.moves import name_alias
from migrantnet.translations import gettext
from migrantnet.uris.interface import ADMIN_IMPORT_ALIAS_PATH, ADMIN_IMPORT_PATH
from migrantnet.web.archive_upload import (
    UploadTooLarge,
    UploadUnreadable,
    discard,
    receive_archive,
)
from migrantnet.web.deps import SessionDep, SettingsDep
from migrantnet.web.errors import INVALID_FORM_STATUS, status_for
from migrantnet.web.forms import CSRF_FIELD, CsrfRefused, read_form, text_field
from migrantnet.web.rendering import render
from migrantnet.web.sessions import SignedInDep, Visitor, csrf_matches

router = APIRouter(include_in_schema=False)


def _node_admin(visitor: Visitor) -> None:
    """Checked before a byte of the upload is read."""
    if visitor.user is None or not visitor.user.is_admin:
        raise Forbidden(gettext("Only the node's admins can import an association."))


def _limit(settings: Settings) -> str:
    """The cap as people read it (a cap below a megabyte is not "0 MB"), isolated for
    bidirectional text: in an Arabic sentence "512 MB" would otherwise read "MB 512"."""
    size = settings.import_max_bytes
    text = f"{size // MEGABYTE} MB" if size >= MEGABYTE else f"{max(size // 1024, 1)} KB"
    return f"\u2068{text}\u2069"  # FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE


def _form(
    request: Request,
    visitor: Visitor,
    settings: Settings,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        visitor,
        "admin/association_import.html",
        {
            "errors": {"archive": error} if error else {},
            "values": values or {"follow_again": "1"},
            "limit": _limit(settings),
        },
        status_code=status_code,
    )


@router.get(ADMIN_IMPORT_PATH)
async def import_page(request: Request, visitor: SignedInDep, settings: SettingsDep) -> Response:
    _node_admin(visitor)
    return _form(request, visitor, settings)


def _refused(exc: BaseException) -> str:
    return gettext("This file cannot be imported: %(reason)s", reason=shown(exc))


@router.post(ADMIN_IMPORT_PATH)
async def upload_export(
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    settings: SettingsDep,
    fed: FederationDep,
) -> Response:
    _node_admin(visitor)
    try:
        upload = await receive_archive(request, settings.data_dir, cap=settings.import_max_bytes)
    except UploadTooLarge as exc:
        message = gettext(
            "This file is too large: at most %(limit)s can be imported from the browser."
            " The node's operator can import a larger one with `migrantnet associations import`.",
            limit=_limit(settings),
        )
        return _form(request, visitor, settings, error=message, status_code=status_for(type(exc)))
    except UploadUnreadable as exc:
        return _form(
            request, visitor, settings, error=_refused(exc), status_code=status_for(type(exc))
        )
    try:
        if not csrf_matches(visitor, upload.fields.get(CSRF_FIELD)):
            raise CsrfRefused(
                gettext(
                    "This form could not be accepted: it has expired or did not come from this "
                    "site. Go back, reload the page and send it again."
                )
            )
        values = {key: upload.fields.get(key, "") for key in ("slug", "follow_again")}
        if upload.file is None:
            message = gettext("Choose the export's zip file.")
            return _form(
                request,
                visitor,
                settings,
                error=message,
                values=values,
                status_code=INVALID_FORM_STATUS,
            )
        try:
            archive = await asyncio.to_thread(read_export, upload.file)
            async with session.begin_nested():  # a refusal leaves nothing behind
                summary = await import_on_this_node(
                    session,
                    settings,
                    archive,
                    owner=visitor.user,
                    slug=values["slug"].strip() or None,
                )
        except ContentError as exc:
            return _form(
                request,
                visitor,
                settings,
                error=_refused(exc),
                values=values,
                status_code=status_for(type(exc)),
            )
        await session.commit()
    finally:
        await asyncio.to_thread(discard, upload)
    failures = []
    if values["follow_again"] and summary.following:
        failures = await follow_again(session, fed, summary.actor, summary.following)
        await session.commit()
        fed.wakeup.set()
    return _result(
        request,
        visitor,
        {
            "summary": summary,
            "association": summary.actor,
            "old_actor": summary.old_actor,
            "followed_again": bool(values["follow_again"]),
            "failures": failures,
        },
    )


def _result(
    request: Request, visitor: Visitor, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    return render(
        request, visitor, "admin/association_imported.html", context, status_code=status_code
    )


@router.post(ADMIN_IMPORT_ALIAS_PATH)
async def set_alias(
    request: Request, visitor: SignedInDep, session: SessionDep, fed: FederationDep
) -> Response:
    form = await read_form(request, visitor)
    _node_admin(visitor)
    slug = text_field(form, "slug")
    actor = await get_association(session, slug)
    old = text_field(form, "old_actor")
    try:
        # The old actor is fetched first, outside any transaction: on SQLite a transaction
        # that has read cannot write once another connection committed meanwhile (an inbox
        # row during the fetch), and the form answered 503.
        previous = await resolve_handle(session, fed, old)
        await session.commit()
        async with fed.db.session(write=True) as writing, writing.begin():
            await name_alias(writing, fed, await get_association(writing, slug), previous)
    except (ContentError, ActorUnavailable) as exc:
        return _result(
            request,
            visitor,
            {"association": actor, "old_actor": old, "alias_error": shown(exc)},
            status_code=INVALID_FORM_STATUS,
        )
    fed.wakeup.set()
    return _result(request, visitor, {"association": actor, "old_actor": old, "aliased": True})
