"""The one HTTP client through which the server talks to the rest of the fediverse.

Every outgoing request -- fetching actors and objects, WebFinger, delivering
to inboxes -- is aimed at a URL that some remote party chose, so every one of
them goes through :class:`SafeClient`, which applies the guards Mastodon
applies in ``app/lib/request.rb``: 5 s to connect, 10 s per read and per
write, an overall deadline, at most 3 redirects, a 1 MB body cap enforced
while streaming, and no private addresses.

How private addresses are kept out
----------------------------------
1. Before each hop (the first request and every redirect target) the URL is
   checked: http(s) only, a host, no userinfo, and -- unless the policy allows
   private addresses -- every address the host resolves to must be public.
   This is a cheap early refusal with a clear error.
2. The check that actually protects is done at connect time.  The default
   transport runs httpcore with :class:`PinnedNetworkBackend`, which resolves
   the host itself, refuses if any address is not public, and then dials the
   IP address it checked (TLS still verifies the certificate and sends SNI for
   the host name).  A DNS answer that changes between step 1 and the connect
   (DNS rebinding) therefore cannot smuggle in an internal address.
   Connections are pooled per origin, and a pooled connection was checked
   when it was opened.

Proxies from the environment are ignored (``trust_env=False``): with a proxy,
the proxy would resolve the name and the pinning above would be moot.  When a
caller injects its own ``transport``, only step 1 applies.

Failures surface as :class:`FetchError` subclasses only, so callers (delivery
retries, actor refreshes) handle one family of exceptions.  The one exception
is an error raised by the caller's own ``sign`` callback, which is a bug in
the caller and is left to propagate.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from migrantnet.federation.addresses import (
    Resolver,
    system_resolver,
)
from migrantnet.federation.fetch_body import BodyCollector, translated
from migrantnet.federation.fetch_errors import (
    AddressNotAllowed,
    BadContentType,
    BadDocument,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    HostBlocked,
    HTTPStatusError,
    ResponseTooLarge,
    TooManyRedirects,
)
from migrantnet.federation.fetch_policy import FetchPolicy, check_destination, parse_url
from migrantnet.federation.offline import current_tape
from migrantnet.federation.payload import decode_json
from migrantnet.federation.pinned import PinnedNetworkBackend, PinnedTransport

__all__ = [
    "ACTIVITY_ACCEPT",
    "ACTIVITY_JSON_TYPES",
    "WEBFINGER_JSON_TYPES",
    "AddressNotAllowed",
    "BadContentType",
    "BadDocument",
    "ConnectionFailed",
    "FetchError",
    "FetchResponse",
    "FetchTimeout",
    "FetchedDocument",
    "Guard",
    "HTTPStatusError",
    "HostBlocked",
    "PinnedNetworkBackend",
    "ResponseTooLarge",
    "SafeClient",
    "Signer",
    "TooManyRedirects",
    "parse_retry_after",
]

ACTIVITY_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
#: Media types accepted as ActivityStreams documents.  ``application/ld+json``
#: is accepted with any profile parameter or none: servers disagree on it.
ACTIVITY_JSON_TYPES: tuple[str, ...] = ("application/activity+json", "application/ld+json")
#: What WebFinger (RFC 7033) servers answer with in practice.
WEBFINGER_JSON_TYPES: tuple[str, ...] = ("application/jrd+json", "application/json")

#: ``sign(method, url, headers, body) -> headers to send``.
Signer = Callable[[str, str, dict[str, str], bytes | None], dict[str, str]]
#: ``guard(url)`` raises :class:`FetchError` (say :class:`HostBlocked`) for a URL that must
#: not be contacted at all; called before every hop, redirects included.
Guard = Callable[[str], Awaitable[None]]

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_METHOD_PRESERVING_REDIRECTS = frozenset({307, 308})
_SAFE_METHODS = frozenset({"GET", "HEAD"})
# Credentials meant for one origin must not be replayed to another.
_ORIGIN_BOUND_HEADERS = ("authorization", "cookie", "proxy-authorization")


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class FetchResponse:
    """A fully read response; ``url`` is the final URL after redirects."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class FetchedDocument:
    """A JSON object and the final URL it was served from.

    The final URL matters for ActivityPub: an object's ``id`` must be checked
    against where it really came from, not where the first request went.
    """

    url: str
    data: dict[str, Any]


# --------------------------------------------------------------------------- helpers


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        if value.isascii() and value.isdigit():
            return float(int(value))
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def _redirect_target(current: httpx.URL, location: str, hop_url: str) -> httpx.URL:
    try:
        return current.join(location)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise AddressNotAllowed(hop_url, f"invalid redirect Location {location!r}") from exc


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def _set_header(headers: dict[str, str], name: str, value: str) -> None:
    """Set a header, replacing any spelling of it: callers' dicts vary in case."""
    for key in [k for k in headers if k.lower() == name.lower()]:
        del headers[key]
    headers[name] = value


# --------------------------------------------------------------------------- client


class SafeClient:
    """Outgoing HTTP with the federation guards; use as ``async with SafeClient(...)``.

    One instance holds one connection pool of ``policy.max_connections``.
    httpx's pool does work proportional to connections x queued requests on
    every request (encode/httpx#3215), so the worker's deliveries, many at a
    time, go through `delivery_client.DeliveryClient` (aiohttp, the same guards).
    """

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
        guard: Guard | None = None,
    ) -> None:
        self._policy = policy
        self._guard = guard
        self._resolver: Resolver = resolver if resolver is not None else system_resolver
        if transport is None:
            transport = PinnedTransport(
                max_connections=policy.max_connections,
                allow_private_addresses=policy.allow_private_addresses,
                resolver=self._resolver,
            )
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(
                connect=policy.connect_timeout,
                read=policy.read_timeout,
                write=policy.write_timeout,
                pool=None,  # waiting for a pooled connection is bounded by total_timeout
            ),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip"},
            # Remote servers must not be able to plant state in our requests.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        )

    @property
    def policy(self) -> FetchPolicy:
        return self._policy

    async def __aenter__(self) -> SafeClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        sign: Signer | None = None,
        raise_for_status: bool = True,
    ) -> FetchResponse:
        """Send a request, following up to ``max_redirects`` redirects, and read the body.

        ``sign`` is called for every hop with the headers about to be sent
        (``Host`` included) and returns the headers to send instead: a
        redirect changes host and request-target, so a signature cannot be
        reused.  Redirects keep method and body; for methods other than GET
        and HEAD only 307/308 are followed, since rewriting a delivery POST
        into a GET would report success for a request never made.  A redirect
        that is not followed is returned like any other response.

        Raises :class:`HTTPStatusError` for status >= 400 (without reading the
        body) unless ``raise_for_status`` is false.
        """
        tape = current_tape()
        if tape is not None:  # inside a transaction: answered from what was fetched before
            return tape.answer(
                (method.upper(), url, raise_for_status),
                lambda: self.request(
                    method,
                    url,
                    headers=headers,
                    content=content,
                    sign=sign,
                    raise_for_status=raise_for_status,
                ),
            )
        try:
            async with asyncio.timeout(self._policy.total_timeout):
                return await self._follow(
                    method.upper(), url, headers, content, sign, raise_for_status
                )
        except TimeoutError as exc:
            raise FetchTimeout(url, f"no answer within {self._policy.total_timeout} s") from exc

    async def _follow(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        content: bytes | None,
        sign: Signer | None,
        raise_for_status: bool,
    ) -> FetchResponse:
        current = parse_url(url)
        base_headers: dict[str, str] = {
            "User-Agent": self._policy.user_agent,
            "Accept-Encoding": "gzip",
        }
        for name, value in (headers or {}).items():
            _set_header(base_headers, name, value)
        redirects = 0
        while True:
            hop_url = str(current)
            if self._guard is not None:
                await self._guard(hop_url)
            await check_destination(current, self._policy, resolver=self._resolver)
            hop_headers = dict(base_headers)
            _set_header(hop_headers, "Host", current.netloc.decode("ascii"))
            if sign is not None:
                hop_headers = sign(method, hop_url, hop_headers, content)
            with translated(hop_url):
                request = self._client.build_request(
                    method, current, headers=hop_headers, content=content
                )
                response = await self._client.send(request, stream=True)
            try:
                location = response.headers.get("location")
                if location is not None and self._follows(method, response.status_code):
                    if redirects >= self._policy.max_redirects:
                        raise TooManyRedirects(
                            hop_url, f"more than {self._policy.max_redirects} redirects"
                        )
                    redirects += 1
                    target = _redirect_target(current, location, hop_url)
                    if _origin(target) != _origin(current):
                        for name in [k for k in base_headers if k.lower() in _ORIGIN_BOUND_HEADERS]:
                            del base_headers[name]
                    current = target
                    continue
                if response.status_code >= 400 and raise_for_status:
                    raise HTTPStatusError(
                        hop_url,
                        response.status_code,
                        parse_retry_after(response.headers.get("retry-after")),
                    )
                body = await self._read_body(method, response, hop_url)
                return FetchResponse(
                    url=hop_url, status=response.status_code, headers=response.headers, body=body
                )
            finally:
                # Closing an unread response drops its connection, which is the
                # point when we stop early; a failure to close changes nothing.
                with contextlib.suppress(httpx.HTTPError, OSError):
                    await response.aclose()

    @staticmethod
    def _follows(method: str, status: int) -> bool:
        if status not in _REDIRECT_STATUSES:
            return False
        return method in _SAFE_METHODS or status in _METHOD_PRESERVING_REDIRECTS

    async def _read_body(self, method: str, response: httpx.Response, url: str) -> bytes:
        limit = self._policy.max_body_bytes
        declared = response.headers.get("content-length", "")
        if method != "HEAD" and declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise ResponseTooLarge(url, f"declared body of {declared} bytes exceeds {limit}")
        collector = BodyCollector(url, response.headers.get("content-encoding"), limit)
        with translated(url):
            async for chunk in response.aiter_raw():
                collector.feed(chunk)
        return collector.finish()

    async def get_document(
        self,
        url: str,
        *,
        accept: str = ACTIVITY_ACCEPT,
        sign: Signer | None = None,
        allowed_types: tuple[str, ...] = ACTIVITY_JSON_TYPES,
    ) -> FetchedDocument:
        """GET a JSON object of one of ``allowed_types`` and the URL it finally came from."""
        response = await self.request("GET", url, headers={"Accept": accept}, sign=sign)
        if not response.is_success:
            raise HTTPStatusError(response.url, response.status)
        content_type = response.headers.get("content-type")
        media_type = (content_type or "").split(";", 1)[0].strip().lower()
        if media_type not in {allowed.lower() for allowed in allowed_types}:
            raise BadContentType(response.url, content_type)
        try:
            data = decode_json(response.body)
        except ValueError as exc:
            raise BadDocument(response.url, f"invalid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise BadDocument(response.url, f"expected a JSON object, got {type(data).__name__}")
        return FetchedDocument(url=response.url, data=data)

    async def get_json(
        self,
        url: str,
        *,
        accept: str = ACTIVITY_ACCEPT,
        sign: Signer | None = None,
        allowed_types: tuple[str, ...] = ACTIVITY_JSON_TYPES,
    ) -> dict[str, Any]:
        """:meth:`get_document` for callers that do not need the final URL."""
        document = await self.get_document(
            url, accept=accept, sign=sign, allowed_types=allowed_types
        )
        return document.data
