"""Every error becomes an HTTP answer here, and only here.

Peers' mistakes are 4xx with a reason; our own bugs are a plain 500 page, logged with the
traceback, never shown to the client.
"""

from __future__ import annotations

import html
import logging
from http import HTTPStatus
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from migrantnet.content.account_links import LinkUnusable
from migrantnet.content.errors import AlreadyExists, ContentError, Forbidden, InvalidInput, NotFound
from migrantnet.content.sessions import SignInRefused, SignInThrottled
from migrantnet.federation.context import wants_html
from migrantnet.logs import log_event
from migrantnet.translations import N_, gettext, use_language
from migrantnet.web.forms import CsrfRefused, FormTooLarge
from migrantnet.web.interface_language import language_of_scope
from migrantnet.web.sessions import SignInRequired

logger = logging.getLogger("migrantnet.web")

STATUS_OF: list[tuple[type[Exception], int]] = [
    (CsrfRefused, 403),
    (FormTooLarge, 413),
    (SignInThrottled, 429),
    (SignInRefused, 401),
    (LinkUnusable, 410),
    (NotFound, 404),
    (Forbidden, 403),
    (AlreadyExists, 409),
    (InvalidInput, 422),
    (ContentError, 400),
]


# What a person is told instead of HTTP's own phrase ("Not Found"), by status.
STATUS_MESSAGES = {
    404: N_("There is no page at this address."),
    405: N_("This address does not accept this kind of request."),
}


def http_message(status: int, detail: str) -> str:
    """Starlette's default detail is HTTP's English phrase: say it in the reader's words."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = None
    if detail == phrase:
        return gettext(STATUS_MESSAGES.get(status, N_("This request could not be answered.")))
    return detail


def error_response(request: Request, status: int, message: str) -> Response:
    if wants_html(request.headers.get("accept")):
        templates = request.app.state.templates
        return templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message}, status_code=status
        )
    return JSONResponse({"error": message}, status_code=status)


def install_error_handlers(app: FastAPI, extra: list[tuple[type[Exception], int]]) -> None:
    """Register handlers; `extra` lets the app add federation errors without a reverse import."""
    mapping = [*extra, *STATUS_OF]

    async def on_domain_error(request: Request, exc: Exception) -> Response:
        status = next(code for kind, code in mapping if isinstance(exc, kind))
        message = str(exc)  # English for the JSON API, its clients' logs and scripts
        if isinstance(exc, InvalidInput) and wants_html(request.headers.get("accept")):
            with use_language(language_of_scope(request.scope)):
                message = f"{exc.field}: {exc.shown()}"
        response = error_response(request, status, message)
        headers = getattr(exc, "headers", None)  # e.g. Retry-After of a 429
        if isinstance(headers, dict):
            response.headers.update(headers)
        return response

    for kind, _ in mapping:
        app.add_exception_handler(kind, on_domain_error)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = str(exc.detail)
        message = (
            http_message(exc.status_code, detail)
            if wants_html(request.headers.get("accept"))
            else detail
        )
        response = error_response(request, exc.status_code, message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return error_response(request, 422, f"{where}: {first.get('msg')}")

    async def on_bug(request: Request, exc: Exception) -> Response:
        log_event(logger, "unhandled_error", logging.ERROR, path=request.url.path)
        logger.exception("unhandled_error_traceback")
        if wants_html(request.headers.get("accept")):
            with use_language(language_of_scope(request.scope)):
                title, text = gettext("Error"), gettext("Something went wrong on our side.")
            return HTMLResponse(
                f"<!doctype html><title>{html.escape(title)}</title><p>{html.escape(text)}</p>",
                status_code=500,
            )
        return JSONResponse({"error": "internal error"}, status_code=500)

    async def on_sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        target = quote(exc.next_path, safe="/")
        return RedirectResponse(
            f"/login?next={target}", status_code=303, headers={"Cache-Control": "no-store"}
        )

    app.add_exception_handler(SignInRequired, on_sign_in_required)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_bug)
