"""Signed POSTs to remote inboxes for the delivery worker, over aiohttp.

Why not `fetch.SafeClient`: httpx's connection pool does work proportional to connections x
queued requests on every request (encode/httpx#3215), so a fan-out spends more CPU in the pool
than in RSA signing (benchmarks/README.md). aiohttp's pool does not. Fetches (GETs of actors
and objects, with redirects and bodies that matter) stay on SafeClient; this client only sends.

It keeps every guard of SafeClient:

1. Before the request: the URL is checked by the policy (http(s), a host, no userinfo; an IP
   literal must be public unless private addresses are allowed) and the caller's guard
   (moderators' blocks) runs.
2. At connect time, host names are resolved by :class:`PinnedResolver`, which refuses the
   answer if any address is not public, and aiohttp dials the addresses it returned. TLS
   verifies the certificate and sends SNI for the host name (aiohttp's own behaviour).
3. Redirects are not followed: a delivery answered 3xx is reported with that status.
4. The answer's body is read up to the policy's ``max_body_bytes`` and never further, undecoded
   (a delivery needs its status).
5. Timeouts from the policy: connect, read per socket operation, and the whole exchange.
6. Failures are the same :class:`FetchError` subclasses SafeClient raises, so the worker's
   outcome rules (`delivery_outcomes.py`) do not depend on the client.
7. No proxies from the environment (``trust_env=False``), no cookies kept.

One session lives as long as the worker. Idle connections are closed after
``keepalive_timeout`` (4 s, under uvicorn's 5 s, so we usually close first); a POST that fails
with ``ServerDisconnectedError`` on a reused connection is sent once more on a fresh one: a
keep-alive connection the peer closed while idle is not a failed delivery.
"""

from __future__ import annotations

import contextlib
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.client_reqrep import ClientRequest
from aiohttp.connector import Connection
from aiohttp.tracing import Trace
from multidict import CIMultiDictProxy
from yarl import URL

from migrantnet.federation.addresses import Resolver, is_public_ip_text, parse_ip, system_resolver
from migrantnet.federation.fetch import Guard, Signer, parse_retry_after
from migrantnet.federation.fetch_errors import (
    AddressNotAllowed,
    ConnectionFailed,
    FetchTimeout,
    HTTPStatusError,
    ResponseTooLarge,
)
from migrantnet.federation.fetch_policy import FetchPolicy
from migrantnet.federation.pinned import ConnectRefused, shared_ssl_context
from migrantnet.federation.pinned_resolver import PinnedResolver

#: A signer that may hand the RSA step to another process (`signing_pool.py`): same arguments
#: and answer as `Signer`, awaited.
AsyncSigner = Callable[[str, str, dict[str, str], bytes | None], Awaitable[dict[str, str]]]

KEEPALIVE_SECONDS = 4.0  # under uvicorn's default 5 s keep-alive: we close idle ones first
_READ_CHUNK = 16_384


@dataclass(frozen=True, slots=True)
class Delivered:
    """A POST's answer below 400 (2xx, or a 3xx that was not followed)."""

    url: str
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes


#: Whether the connection the current request got had already carried an answer. Set by the
#: connector within the request's own task (aiohttp awaits `connect` there), read by `post`.
_REUSED: ContextVar[bool] = ContextVar("delivery_connection_reused", default=False)


class _ReuseAwareConnector(aiohttp.TCPConnector):
    """aiohttp's connector, telling `post` whether a connection came from the pool: a POST is
    sent again only when a kept-alive connection turned out closed, never a fresh one. (A
    TraceConfig could tell too, at ~10 signal sends per request.)"""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._handed_out: weakref.WeakSet[object] = weakref.WeakSet()

    async def connect(
        self,
        req: ClientRequest,
        traces: list[Trace],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 - aiohttp's interface
    ) -> Connection:
        connection = await super().connect(req, traces, timeout)
        protocol = connection.protocol
        if protocol is not None:
            if protocol in self._handed_out:
                _REUSED.set(True)
            else:
                self._handed_out.add(protocol)
        return connection


class DeliveryClient:
    """The worker's sender; ``await client.aclose()`` when the worker stops.

    ``limit`` bounds the open connections of the whole client; the worker bounds concurrency
    overall and per host with its own semaphores, so the pool never queues much."""

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        guard: Guard | None = None,
        resolver: Resolver | None = None,
        limit: int | None = None,
        keepalive_timeout: float = KEEPALIVE_SECONDS,
    ) -> None:
        self._policy = policy
        self._guard = guard
        self._resolver = resolver if resolver is not None else system_resolver
        self._limit = limit if limit is not None else policy.max_connections
        self._keepalive = keepalive_timeout
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        self._timeout = aiohttp.ClientTimeout(
            total=policy.total_timeout,
            sock_connect=policy.connect_timeout,
            sock_read=policy.read_timeout,
        )

    @property
    def policy(self) -> FetchPolicy:
        return self._policy

    def _open(self) -> aiohttp.ClientSession:
        """The session, made on first use: aiohttp wants a running event loop for it."""
        if self._closed:
            raise RuntimeError("the delivery client is closed")
        if self._session is None:
            connector = _ReuseAwareConnector(
                resolver=PinnedResolver(
                    allow_private_addresses=self._policy.allow_private_addresses,
                    resolver=self._resolver,
                    timeout=self._policy.connect_timeout,
                ),
                ssl=shared_ssl_context(),
                limit=self._limit,
                limit_per_host=0,
                keepalive_timeout=self._keepalive,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                trust_env=False,
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=("Accept-Encoding",),
                raise_for_status=False,
            )
        return self._session

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()

    async def post(
        self,
        url: str,
        body: bytes,
        *,
        headers: Mapping[str, str] | None = None,
        sign: Signer | None = None,
        sign_async: AsyncSigner | None = None,
    ) -> Delivered:
        """POST `body` to `url`, signed by `sign` or `sign_async` (called with the headers
        about to be sent, ``Host`` included, and returning the headers to send).

        Raises :class:`HTTPStatusError` (with ``Retry-After``) for a status >= 400, and the
        other :class:`FetchError` subclasses for everything that is not an answer."""
        session = self._open()
        target = self._checked(url)
        if self._guard is not None:
            await self._guard(url)
        sent_headers: dict[str, str] = {"User-Agent": self._policy.user_agent}
        sent_headers.update(headers or {})
        sent_headers["Host"] = _authority(target)
        if sign_async is not None:
            sent_headers = await sign_async("POST", url, sent_headers, body)
        elif sign is not None:
            sent_headers = sign("POST", url, sent_headers, body)
        with _translated(url):
            started = time.monotonic()
            _REUSED.set(False)
            try:
                return await self._send(session, target, url, sent_headers, body, self._timeout)
            except aiohttp.ServerDisconnectedError:
                if not _REUSED.get():
                    raise
            # The retry gets what is left of the whole exchange's time.
            left = self._policy.total_timeout - (time.monotonic() - started)
            if left <= 0:
                raise FetchTimeout(url, f"no answer within {self._policy.total_timeout} s")
            retry_timeout = aiohttp.ClientTimeout(
                total=left,
                sock_connect=self._policy.connect_timeout,
                sock_read=self._policy.read_timeout,
            )
            return await self._send(session, target, url, sent_headers, body, retry_timeout)

    async def _send(
        self,
        session: aiohttp.ClientSession,
        target: URL,
        url: str,
        headers: dict[str, str],
        body: bytes,
        limits: aiohttp.ClientTimeout,
    ) -> Delivered:
        async with session.post(
            target, data=body, headers=headers, allow_redirects=False, timeout=limits
        ) as response:
            status = response.status
            if status >= 400:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                # Read what fits so the connection can be kept; a longer body closes it.
                with contextlib.suppress(ResponseTooLarge, aiohttp.ClientError, TimeoutError):
                    await self._read_capped(response, url)
                raise HTTPStatusError(url, status, retry_after)
            return Delivered(url, status, response.headers, await self._read_capped(response, url))

    async def _read_capped(self, response: aiohttp.ClientResponse, url: str) -> bytes:
        limit = self._policy.max_body_bytes
        declared = response.content_length
        if declared is not None and declared > limit:
            response.close()
            raise ResponseTooLarge(url, f"declared body of {declared} bytes exceeds {limit}")
        if declared is not None:
            return await response.content.readexactly(declared)  # within the cap: checked
        body = bytearray()
        while True:
            chunk = await response.content.read(min(_READ_CHUNK, limit + 1 - len(body)))
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > limit:
                response.close()  # what is left is never read
                raise ResponseTooLarge(url, f"body larger than {limit} bytes")

    def _checked(self, url: str) -> URL:
        """The URL as aiohttp will use it, refused early if the policy forbids it; host names
        are judged again at connect time by the resolver, literals here once and for all."""
        try:
            target = URL(url)
        except (TypeError, ValueError) as exc:
            raise AddressNotAllowed(url, f"invalid URL: {exc}") from exc
        schemes = ("http", "https") if self._policy.allow_http else ("https",)
        if target.scheme not in schemes:
            raise AddressNotAllowed(url, f"scheme {target.scheme!r} not allowed")
        if target.raw_user is not None or target.raw_password is not None:
            raise AddressNotAllowed(url, "credentials in URLs are not allowed")
        host = target.raw_host
        if not host:
            raise AddressNotAllowed(url, "URL has no host")
        if (
            not self._policy.allow_private_addresses
            and parse_ip(host) is not None
            and not is_public_ip_text(host)
        ):
            raise AddressNotAllowed(url, f"{host} is not a public address")
        return target


def _authority(url: URL) -> str:
    """``host[:port]`` as the request's Host header (and its signature) must carry it."""
    host = url.raw_host or ""
    if ":" in host:
        host = f"[{host}]"
    return host if url.explicit_port is None or url.is_default_port() else f"{host}:{url.port}"


@contextlib.contextmanager
def _translated(url: str) -> Iterator[None]:
    """aiohttp's exceptions as the :class:`FetchError` family SafeClient raises."""
    try:
        yield
    except ConnectRefused as exc:
        raise AddressNotAllowed(url, str(exc)) from exc
    except TimeoutError as exc:  # aiohttp's timeouts all derive from it
        raise FetchTimeout(url, f"{type(exc).__name__}: {exc}") from exc
    except aiohttp.InvalidURL as exc:
        raise AddressNotAllowed(url, f"{type(exc).__name__}: {exc}") from exc
    except (aiohttp.ClientError, OSError, EOFError) as exc:  # EOFError: a body cut short
        raise ConnectionFailed(url, f"{type(exc).__name__}: {exc}") from exc
