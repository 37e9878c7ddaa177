"""Who is using the browser: the session cookie, the signed-in user, and CSRF tokens.

Every form carries a CSRF token, the HMAC under the node's secret key of the browser's
session token (or, before sign-in, of a random pre-session cookie). A cross-site page can
send a form but cannot read either cookie, so it cannot know the token; every POST handler
of the pages checks it (`web.forms.read_form`) before doing anything.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request, Response

from migrantnet.config import Settings
from migrantnet.content.sessions import SESSION_LIFETIME, keyed_hash, session_user
from migrantnet.models import User, WebSession
from migrantnet.web.deps import SessionDep

PRE_SESSION_LIFETIME = 60 * 60 * 24  # seconds: long enough to fill in a sign-in form


def session_cookie_name(settings: Settings) -> str:
    # `__Host-` makes browsers refuse the cookie unless Secure, host-only and for path /.
    return "__Host-mn_session" if settings.https else "mn_session"


def pre_session_cookie_name(settings: Settings) -> str:
    return "__Host-mn_pre" if settings.https else "mn_pre"


def node_secret(request: Request) -> bytes:
    secret: bytes = request.app.state.secret
    return secret


@dataclass
class Visitor:
    """The person behind a request: signed in (`user`) or not, and their form token."""

    user: User | None
    web_session: WebSession | None
    csrf_token: str
    # A pre-session token to set as a cookie with this response (first visit of a form).
    new_pre_session: str | None = None
    roles: dict[int, str] = field(default_factory=dict)

    @property
    def signed_in(self) -> bool:
        return self.user is not None


def csrf_for(secret: bytes, token: str) -> str:
    return keyed_hash(secret, f"csrf|{token}")


def csrf_matches(visitor: Visitor, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(visitor.csrf_token, sent or "")


async def get_visitor(request: Request, session: SessionDep) -> Visitor:
    """Read the cookies once per request (FastAPI caches the dependency)."""
    settings: Settings = request.app.state.settings
    secret = node_secret(request)
    token = request.cookies.get(session_cookie_name(settings), "")
    found = await session_user(session, secret, token) if token else None
    await session.commit()  # `last_seen_at`, when it moved; routes run their own transactions
    if found is not None:
        row, user = found
        return Visitor(user=user, web_session=row, csrf_token=csrf_for(secret, token))
    pre = request.cookies.get(pre_session_cookie_name(settings), "")
    new_pre = None
    if not pre or len(pre) > 100:
        pre = new_pre = secrets.token_urlsafe(24)
    return Visitor(
        user=None, web_session=None, csrf_token=csrf_for(secret, pre), new_pre_session=new_pre
    )


VisitorDep = Annotated[Visitor, Depends(get_visitor)]


class SignInRequired(Exception):
    """A page for signed-in people asked for by someone who is not; `web.errors` sends
    them to the sign-in page, and back here afterwards."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in to see this page")
        self.next_path = next_path


@dataclass
class SignedIn(Visitor):
    """A visitor who is signed in: `user` and `web_session` are there, and mypy knows it."""

    user: User
    web_session: WebSession


async def get_signed_in(request: Request, visitor: VisitorDep) -> SignedIn:
    """The signed-in visitor; anyone else is sent to the sign-in page (`SignInRequired`).
    The API has its own: `web.auth.CurrentUser`, a 401 without a bearer token."""
    if visitor.user is None or visitor.web_session is None:
        query = f"?{request.url.query}" if request.url.query else ""
        raise SignInRequired(request.url.path + query)
    return SignedIn(
        user=visitor.user,
        web_session=visitor.web_session,
        csrf_token=visitor.csrf_token,
        new_pre_session=visitor.new_pre_session,
        roles=visitor.roles,
    )


SignedInDep = Annotated[SignedIn, Depends(get_signed_in)]


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        session_cookie_name(settings),
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.https,
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        session_cookie_name(settings),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.https,
    )


def set_pre_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        pre_session_cookie_name(settings),
        token,
        max_age=PRE_SESSION_LIFETIME,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.https,
    )
