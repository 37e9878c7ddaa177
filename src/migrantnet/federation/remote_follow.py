"""Remote follow: where a visitor's own server lets them confirm following one of ours.

A visitor on the association page gives their handle (`@me@mastodon.example`); their server's
WebFinger names, under `http://ostatus.org/schema/1.0/subscribe`, a template such as
`https://mastodon.example/authorize_interaction?uri={uri}`; filled with our actor's id, it is
where they confirm. The lookup goes through the node's safe client (no private addresses, no
huge or slow answers) and is bounded in time, since a person waits for the page. Nothing is
stored: the node learns of the follow when the visitor's server sends it.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from urllib.parse import quote

from migrantnet.federation.actors import ActorUnavailable, parse_handle
from migrantnet.federation.fetch import (
    WEBFINGER_JSON_TYPES,
    BadContentType,
    BadDocument,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    ResponseTooLarge,
)
from migrantnet.federation.normalize import is_http_uri
from migrantnet.federation.parse import parse_webfinger
from migrantnet.federation.service import Federation
from migrantnet.uris.paths import webfinger_url


class Problem(enum.StrEnum):
    """Why no confirmation page was found; the page says each in the visitor's words."""

    NOT_A_HANDLE = "not_a_handle"
    UNKNOWN_ACCOUNT = "unknown_account"
    NO_TEMPLATE = "no_template"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    NOT_FEDIVERSE = "not_fediverse"


class RemoteFollowError(Exception):
    def __init__(self, problem: Problem, host: str = "") -> None:
        super().__init__(f"{problem}: {host}")
        self.problem = problem
        self.host = host


@dataclass(frozen=True, slots=True)
class Handle:
    user: str
    host: str

    @property
    def text(self) -> str:
        return f"@{self.user}@{self.host}"


def read_handle(value: str) -> Handle:
    """`@me@host`, `me@host` or `acct:me@host`; anything else is `NOT_A_HANDLE`."""
    try:
        user, host = parse_handle(value.strip().removeprefix("acct:"))
    except ActorUnavailable:
        raise RemoteFollowError(Problem.NOT_A_HANDLE) from None
    if len(user) > 255 or len(host) > 255:
        raise RemoteFollowError(Problem.NOT_A_HANDLE)
    return Handle(user, host)


def fill_template(template: str, target: str) -> str:
    return template.replace("{uri}", quote(target, safe=""))


async def _jrd(fed: Federation, handle: Handle, seconds: float) -> dict[str, object]:
    url = webfinger_url(fed.discovery_scheme, handle.host)
    resource = quote(f"acct:{handle.user}@{handle.host}", safe=":@")
    async with asyncio.timeout(seconds):
        return await fed.client.get_json(
            f"{url}?resource={resource}",
            accept="application/jrd+json, application/json",
            allowed_types=WEBFINGER_JSON_TYPES,
        )


async def profile_url(fed: Federation, handle: Handle, *, seconds: float) -> str | None:
    """The page of an account on another server (search's handle lookup), or None."""
    try:
        result = parse_webfinger(await _jrd(fed, handle, seconds))
    except (TimeoutError, FetchError):
        return None
    url = result.profile_url or result.actor_url
    return url if is_http_uri(url) else None


async def subscribe_url(fed: Federation, handle: Handle, target: str, *, seconds: float) -> str:
    """The visitor's page to confirm following `target` (an actor id, or any object id)."""
    if handle.host == fed.settings.domain.lower():
        # One of our own users: our own page, no request to ourselves.
        return fed.uris.authorize_interaction(target)
    try:
        jrd = await _jrd(fed, handle, seconds)
    except (TimeoutError, FetchTimeout):
        raise RemoteFollowError(Problem.TIMEOUT, handle.host) from None
    except HTTPStatusError as exc:
        problem = Problem.UNKNOWN_ACCOUNT if exc.status in (404, 410) else Problem.NOT_FEDIVERSE
        raise RemoteFollowError(problem, handle.host) from None
    except FetchError as exc:
        # It answered, but not with a WebFinger document (HTML, garbage, too large)?
        answered = isinstance(exc, BadContentType | BadDocument | ResponseTooLarge)
        problem = Problem.NOT_FEDIVERSE if answered else Problem.UNREACHABLE
        raise RemoteFollowError(problem, handle.host) from None
    template = parse_webfinger(jrd).subscribe_template
    if template is None:
        raise RemoteFollowError(Problem.NO_TEMPLATE, handle.host)
    filled = fill_template(template, target)
    if not is_http_uri(filled):  # a `javascript:` template is no page to send anyone to
        raise RemoteFollowError(Problem.NO_TEMPLATE, handle.host)
    return filled
