"""Reading a page's form safely: a size limit, the CSRF check, and where to go afterwards.

A form is read at most `FORM_MAX_BYTES` (uploads: the media limit plus room for the other
fields); a larger one is refused with a page that says so, before it is held in memory.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from migrantnet.config import MEGABYTE, Settings
from migrantnet.content.errors import ContentError
from migrantnet.translations import gettext
from migrantnet.uris.interface import ADMIN_PATH
from migrantnet.web.sessions import Visitor, csrf_matches

FORM_MAX_BYTES = 4 * MEGABYTE  # every language of the longest text, with room to spare
CSRF_FIELD = "csrf_token"


class FormTooLarge(ContentError):
    """The form is larger than this node accepts (mapped to 413)."""


class CsrfRefused(ContentError):
    """A POST without this browser's form token (mapped to 403)."""


def _limit(request: Request, settings: Settings) -> int:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return max(settings.media_max_bytes, settings.image_max_bytes) + FORM_MAX_BYTES
    return FORM_MAX_BYTES


def _too_large(limit: int) -> FormTooLarge:
    return FormTooLarge(
        gettext(
            "This form is too large: at most %(megabytes)s MB can be sent at once. Go back: "
            "what you typed is still in your browser; shorten it and send it again.",
            megabytes=limit // MEGABYTE,
        )
    )


async def read_form(request: Request, visitor: Visitor) -> FormData:
    """The form of a POST, within the size limit and with this browser's CSRF token."""
    settings: Settings = request.app.state.settings
    limit = _limit(request, settings)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    # Starlette parses the form from the cached body.
    request._body = bytes(body)
    try:
        form = await request.form(max_part_size=FORM_MAX_BYTES)
    except HTTPException as exc:  # Starlette's refusal of one oversized field
        raise _too_large(FORM_MAX_BYTES) from exc
    sent = form.get(CSRF_FIELD)
    if not csrf_matches(visitor, sent if isinstance(sent, str) else None):
        raise CsrfRefused(
            gettext(
                "This form could not be accepted: it has expired or did not come from this "
                "site. Go back, reload the page and send it again."
            )
        )
    return form


def text_field(form: FormData, name: str, *, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default


def safe_next(value: str | None, default: str = ADMIN_PATH) -> str:
    """Where to go after signing in: only a path on this node, never another site.

    Refuses `https://evil.example`, `//evil.example`, `/\\evil.example` (browsers read a
    backslash as a slash) and control characters, which some browsers strip.
    """
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if "\\" in value or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
