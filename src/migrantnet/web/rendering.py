"""Rendering the pages of signed-in people: the visitor, the form token, no caching.

Pages for accounts, authoring and network administration all go through `render`, so each
gets the CSRF token for its forms, the pre-session cookie when a first form is shown, and
`Cache-Control: no-store` (a shared computer's cache must not keep someone's admin pages).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from migrantnet.config import Settings
from migrantnet.web.sessions import Visitor, set_pre_session_cookie


def render(
    request: Request,
    visitor: Visitor,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    values = {
        "visitor": visitor,
        "csrf_token": visitor.csrf_token,
        "domain": settings.domain,
        "errors": {},
        "values": {},
        **(context or {}),
    }
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, values, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    if visitor.new_pre_session:
        set_pre_session_cookie(response, settings, visitor.new_pre_session)
    return response


def see_other(url: str) -> RedirectResponse:
    """After a POST: the browser GETs `url` (Post/Redirect/Get, so reloading sends nothing)."""
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response
