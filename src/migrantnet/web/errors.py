"""Every error becomes an HTTP answer here, and only here.

Peers' mistakes are 4xx with a reason; our own bugs are a plain 500 page, logged with the
traceback, never shown to the client. A database that cannot be reached (PostgreSQL down, the
pool exhausted, SQLite locked past its busy timeout or unreadable) is neither: 503 with
`Retry-After`, one log line without a traceback, and the next request tries again.
"""

from __future__ import annotations

import html
import logging
from http import HTTPStatus
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from migrantnet.content.account_links import LinkUnusable
from migrantnet.content.errors import (
    AlreadyExists,
    ContentError,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    TooLarge,
    Unavailable,
    UnsupportedType,
    shown,
)
from migrantnet.content.sessions import SignInRefused, SignInThrottled
from migrantnet.db import UNAVAILABLE_RETRY_AFTER, database_unavailable, unavailable_reason
from migrantnet.federation.actors import ActorUnavailable
from migrantnet.federation.context import wants_html
from migrantnet.federation.errors import (
    BadActivity,
    NotAllowed,
    PayloadTooLarge,
    RateLimited,
    Unauthenticated,
    UnsupportedMediaType,
)
from migrantnet.logs import log_event
from migrantnet.translations import N_, gettext, use_language
from migrantnet.uris.interface import LOGIN_PATH
from migrantnet.web.auth import TokenRefused
from migrantnet.web.forms import CsrfRefused, FormTooLarge
from migrantnet.web.interface_language import language_of_scope
from migrantnet.web.sessions import SignInRequired

logger = logging.getLogger("migrantnet.web")

# The status of every error a route may raise, most specific first: the one table of HTTP
# statuses (`tests/unit/web/test_statuses_in_one_table.py` keeps them here).
STATUS_OF: list[tuple[type[Exception], int]] = [
    # A peer's mistakes (federation).
    (BadActivity, 400),
    (Unauthenticated, 401),
    (NotAllowed, 403),
    (PayloadTooLarge, 413),
    (UnsupportedMediaType, 415),
    (RateLimited, 429),
    (ActorUnavailable, 502),  # the actor's own server did not answer usably
    # A person's or a client's mistakes (web, API).
    (CsrfRefused, 403),
    (FormTooLarge, 413),
    (TokenRefused, 401),
    (SignInThrottled, 429),
    (SignInRefused, 401),
    (LinkUnusable, 410),
    # The domain's.
    (NotFound, 404),
    (Gone, 410),
    (Forbidden, 403),
    (AlreadyExists, 409),
    (InvalidInput, 422),
    (TooLarge, 413),
    (UnsupportedType, 415),
    (ContentError, 400),
    # Ours.
    (Unavailable, 503),
]


def status_for(kind: type[Exception]) -> int:
    """The status an error of this kind is answered with (a form shown again with its errors
    answers `status_for(InvalidInput)`)."""
    return next(code for known, code in STATUS_OF if issubclass(kind, known))


INVALID_FORM_STATUS = status_for(InvalidInput)


def form_status(errors: object) -> int:
    """A form page: 200, or the invalid-input status when it is shown again with errors."""
    return INVALID_FORM_STATUS if errors else 200


# What a person is told instead of HTTP's own phrase ("Not Found"), by status.
STATUS_MESSAGES = {
    404: N_("There is no page at this address."),
    405: N_("This address does not accept this kind of request."),
}
DATABASE_DOWN = N_(
    "This site cannot reach its database just now. Try again in a minute; if you sent a "
    "form, it was not saved: go back and send it again."
)


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
        context = {"status": status, "message": message, "domain": _domain(request)}
        return templates.TemplateResponse(request, "error.html", context, status_code=status)
    return JSONResponse({"error": message}, status_code=status)


def _domain(request: Request) -> str | None:
    settings = getattr(request.app.state, "settings", None)
    return getattr(settings, "domain", None)


def domain_error_response(request: Request, exc: Exception) -> Response:
    """The answer to an error of the table: its status, its message, its headers (the
    Retry-After of a 429, the challenge of a 401), or the document it carries for clients
    that read JSON."""
    status = status_for(type(exc))
    document = getattr(exc, "document", None)
    if isinstance(document, dict) and not wants_html(request.headers.get("accept")):
        response: Response = JSONResponse(document, status_code=status)
    elif callable(getattr(exc, "shown", None)) and wants_html(request.headers.get("accept")):
        # A page: the message in the reader's language, without the field's code name.
        with use_language(language_of_scope(request.scope)):
            response = error_response(request, status, shown(exc))
    else:  # English for the JSON API, its clients' logs and scripts
        response = error_response(request, status, str(exc))
    headers = getattr(exc, "headers", None)
    if isinstance(headers, dict):
        response.headers.update(headers)
    return response


def unavailable_response(request: Request, exc: Exception, *, page: bool = True) -> Response:
    """503 for a database that cannot be used just now; `page=False` outside the middlewares
    that set up the templates' interface (a plain page then)."""
    log_event(
        logger,
        "database_unavailable",
        logging.WARNING,
        path=request.url.path,
        reason=unavailable_reason(exc),
    )
    headers = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER), "Cache-Control": "no-store"}
    with use_language(language_of_scope(request.scope)):
        message = gettext(DATABASE_DOWN)
        if page or not wants_html(request.headers.get("accept")):
            response = error_response(request, status_for(Unavailable), message)
        else:
            title = gettext("Temporarily unavailable")
            response = HTMLResponse(
                f"<!doctype html><title>{html.escape(title)}</title>"
                f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>",
                status_code=status_for(Unavailable),
            )
    response.headers.update(headers)
    return response


def scope_error_response(scope: Scope, exc: Exception) -> Response:
    """The same answer, for middleware that refuses a request before any route (the fetch
    gate), where the app's exception handlers do not reach."""
    return domain_error_response(Request(scope), exc)


def install_error_handlers(app: FastAPI) -> None:
    async def on_domain_error(request: Request, exc: Exception) -> Response:
        return domain_error_response(request, exc)

    for kind, _ in STATUS_OF:
        app.add_exception_handler(kind, on_domain_error)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, StarletteHTTPException):
            raise exc  # registered for that class only: anything else is `on_bug`'s
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
        if not isinstance(exc, RequestValidationError):
            raise exc
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return error_response(request, 422, f"{where}: {first.get('msg')}")

    async def on_database_error(request: Request, exc: Exception) -> Response:
        if database_unavailable(exc):
            return unavailable_response(request, exc)
        raise exc  # a bug in our SQL: the plain 500 of `on_bug`, with its traceback logged

    async def on_bug(request: Request, exc: Exception) -> Response:
        if database_unavailable(exc):  # raised by a middleware, outside the handlers above
            return unavailable_response(request, exc, page=False)
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
        if not isinstance(exc, SignInRequired):
            raise exc
        target = quote(exc.next_path, safe="/")
        return RedirectResponse(
            f"{LOGIN_PATH}?next={target}", status_code=303, headers={"Cache-Control": "no-store"}
        )

    app.add_exception_handler(SignInRequired, on_sign_in_required)
    app.add_exception_handler(sa_exc.DBAPIError, on_database_error)
    app.add_exception_handler(sa_exc.TimeoutError, on_database_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_bug)
