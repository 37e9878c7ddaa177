"""DeliveryClient against real HTTP servers on 127.0.0.1 (aiohttp's server, and a raw asyncio
one where a test needs a connection to misbehave).

Nothing leaves loopback: the only host name resolved is `localhost`, by the system resolver
or by a resolver given here that answers for it without any DNS.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from aiohttp import web

from migrantnet.federation.delivery_client import DeliveryClient
from migrantnet.federation.fetch_errors import (
    AddressNotAllowed,
    ConnectionFailed,
    FetchTimeout,
    HostBlocked,
    HTTPStatusError,
    ResponseTooLarge,
)
from migrantnet.federation.fetch_policy import FetchPolicy

UA = "migrantnet-test/1.0 (+http://127.0.0.1/)"
BODY = b'{"type": "Create"}'


def policy(**overrides: Any) -> FetchPolicy:
    values: dict[str, Any] = {"user_agent": UA, "allow_private_addresses": True}
    values.update(overrides)
    return FetchPolicy(**values)


class Peer:
    """An aiohttp server on a loopback port; `seen` lists (method, path, headers, body)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        self.client_ports: list[int] = []  # the connection each request came on
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> Peer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # handler_cancellation: a handler still sleeping for a test that gave up ends with it.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append((request.method, request.path, dict(request.headers), body))
        assert request.transport is not None
        self.client_ports.append(request.transport.get_extra_info("peername")[1])
        return await ROUTES.get(request.path, accepted)(request)


async def accepted(request: web.Request) -> web.StreamResponse:
    return web.Response(status=202, body=b"{}")


async def too_many(request: web.Request) -> web.StreamResponse:
    return web.Response(status=429, headers={"Retry-After": "120"})


async def unavailable_until(request: web.Request) -> web.StreamResponse:
    when = datetime.now(UTC) + timedelta(seconds=600)
    return web.Response(status=503, headers={"Retry-After": format_datetime(when, usegmt=True)})


async def broken(request: web.Request) -> web.StreamResponse:
    return web.Response(status=500, body=b"oops")


async def gone(request: web.Request) -> web.StreamResponse:
    return web.Response(status=410)


async def moved(request: web.Request) -> web.StreamResponse:
    return web.Response(status=307, headers={"Location": "/elsewhere"})


async def found(request: web.Request) -> web.StreamResponse:
    return web.Response(status=302, headers={"Location": "/elsewhere"})


async def exactly_1000(request: web.Request) -> web.StreamResponse:
    return web.Response(status=202, body=b"y" * 1000)


async def declared_2000(request: web.Request) -> web.StreamResponse:
    return web.Response(status=202, body=b"y" * 2000)


async def endless(request: web.Request) -> web.StreamResponse:
    """A chunked body that never ends: only a cap stops the reader."""
    response = web.StreamResponse(status=202)
    await response.prepare(request)
    while True:
        await response.write(b"z" * 4096)
        await asyncio.sleep(0)


async def slow(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(5)
    return web.Response(status=202)


ROUTES: dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]] = {
    "/429": too_many,
    "/503": unavailable_until,
    "/500": broken,
    "/410": gone,
    "/307": moved,
    "/302": found,
    "/exactly-1000": exactly_1000,
    "/declared-2000": declared_2000,
    "/endless": endless,
    "/slow": slow,
}


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    server = await Peer().start()
    yield server
    await server.stop()


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., DeliveryClient]]:
    clients: list[DeliveryClient] = []

    def make(fetch_policy: FetchPolicy | None = None, **options: Any) -> DeliveryClient:
        client = DeliveryClient(fetch_policy or policy(), **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def localhost_resolver(
    answer: Sequence[str], asked: list[str]
) -> Callable[[str, int], Awaitable[Sequence[str]]]:
    """A resolver that knows `localhost` only (no DNS), and records what it was asked."""

    async def resolve(host: str, port: int) -> Sequence[str]:
        asked.append(host)
        if host != "localhost":
            raise OSError(f"{host}: not resolved in tests")
        return list(answer)

    return resolve


# --------------------------------------------------------------------------- sending


async def test_posts_the_signed_headers_and_body(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    given: list[dict[str, str]] = []

    def sign(method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        given.append(dict(headers))
        assert (method, url, body) == ("POST", peer.url("/inbox"), BODY)
        return {**headers, "Signature": "made-by-the-test"}

    client = make_client()
    answer = await client.post(
        peer.url("/inbox"),
        BODY,
        headers={"Content-Type": "application/activity+json"},
        sign=sign,
    )

    assert answer.status == 202 and answer.body == b"{}"
    assert given[0]["Host"] == f"127.0.0.1:{peer.port}"  # what a signature covers
    method, path, headers, body = peer.seen[0]
    assert (method, path, body) == ("POST", "/inbox", BODY)
    assert headers["Signature"] == "made-by-the-test"
    assert headers["Host"] == f"127.0.0.1:{peer.port}"
    assert headers["User-Agent"] == UA
    assert headers["Content-Type"] == "application/activity+json"
    assert "Accept-Encoding" not in headers  # the answer is not decoded, so none is asked


async def test_an_awaited_signer_is_awaited_and_wins_over_the_other(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    """The signing pool's signer is awaited with the same arguments; when both are given,
    the synchronous one is not called."""

    def not_this(
        method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> dict[str, str]:
        raise AssertionError("the synchronous signer was called")

    async def sign(
        method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> dict[str, str]:
        await asyncio.sleep(0)
        assert (method, url, body, headers["Host"]) == (
            "POST",
            peer.url("/inbox"),
            BODY,
            f"127.0.0.1:{peer.port}",
        )
        return {**headers, "Signature": "awaited"}

    client = make_client()
    answer = await client.post(peer.url("/inbox"), BODY, sign=not_this, sign_async=sign)

    assert answer.status == 202
    assert peer.seen[0][2]["Signature"] == "awaited"


async def test_proxies_of_the_environment_are_ignored(
    peer: Peer, make_client: Callable[..., DeliveryClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: nothing answers
    answer = await make_client().post(peer.url("/inbox"), BODY)
    assert answer.status == 202 and len(peer.seen) == 1


# --------------------------------------------------------------------------- addresses


async def test_a_name_resolving_to_loopback_is_refused_at_connect_time(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    client = make_client(policy(allow_private_addresses=False))
    with pytest.raises(AddressNotAllowed, match="non-public address"):
        await client.post(peer.url("/inbox", host="localhost"), BODY)
    assert peer.seen == []


async def test_one_private_address_among_public_ones_refuses_the_host(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    asked: list[str] = []
    client = make_client(
        policy(allow_private_addresses=False),
        resolver=localhost_resolver(["93.184.216.34", "127.0.0.1"], asked),
    )
    with pytest.raises(AddressNotAllowed, match=r"non-public address 127\.0\.0\.1"):
        await client.post(peer.url("/inbox", host="localhost"), BODY)
    assert asked == ["localhost"] and peer.seen == []


async def test_the_address_dialled_is_the_one_resolved(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    """With private addresses allowed (tests, benchmarks), names still go through our resolver:
    the connection goes where it said, with the name kept in the Host header."""
    asked: list[str] = []
    client = make_client(resolver=localhost_resolver(["127.0.0.1"], asked))
    answer = await client.post(peer.url("/inbox", host="localhost"), BODY)
    assert answer.status == 202 and asked == ["localhost"]
    assert peer.seen[0][2]["Host"] == f"localhost:{peer.port}"


async def test_a_private_ip_literal_is_refused_before_any_connection(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    client = make_client(policy(allow_private_addresses=False))
    for url in (peer.url("/inbox"), f"http://[::1]:{peer.port}/inbox"):
        with pytest.raises(AddressNotAllowed, match="not a public address"):
            await client.post(url, BODY)
    assert peer.seen == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://127.0.0.1/inbox", "scheme"),
        ("http://user:secret@127.0.0.1/inbox", "credentials"),
        ("http:///inbox", "no host"),
    ],
)
async def test_urls_the_policy_refuses(
    url: str, reason: str, make_client: Callable[..., DeliveryClient]
) -> None:
    with pytest.raises(AddressNotAllowed, match=reason):
        await make_client().post(url, BODY)


async def test_https_only_refuses_http(make_client: Callable[..., DeliveryClient]) -> None:
    with pytest.raises(AddressNotAllowed, match="scheme 'http'"):
        await make_client(policy(allow_http=False)).post("http://127.0.0.1:9/inbox", BODY)


async def test_a_blocked_host_is_refused_before_connecting(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    asked: list[str] = []

    async def guard(url: str) -> None:
        asked.append(url)
        raise HostBlocked(url, "blocked by this node's moderators")

    with pytest.raises(HostBlocked):
        await make_client(guard=guard).post(peer.url("/inbox"), BODY)
    assert asked == [peer.url("/inbox")]
    assert peer.seen == []


# --------------------------------------------------------------------------- answers


async def test_429_and_503_carry_their_retry_after(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    client = make_client()
    with pytest.raises(HTTPStatusError) as too_many_error:
        await client.post(peer.url("/429"), BODY)
    assert (too_many_error.value.status, too_many_error.value.retry_after) == (429, 120.0)

    with pytest.raises(HTTPStatusError) as unavailable:
        await client.post(peer.url("/503"), BODY)
    assert unavailable.value.status == 503
    assert unavailable.value.retry_after is not None
    assert 590 <= unavailable.value.retry_after <= 600


@pytest.mark.parametrize("status", [500, 410])
async def test_errors_are_http_status_errors_and_the_connection_is_kept(
    status: int, peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    client = make_client()
    with pytest.raises(HTTPStatusError) as error:
        await client.post(peer.url(f"/{status}"), BODY)
    assert (error.value.status, error.value.retry_after) == (status, None)
    assert (await client.post(peer.url("/inbox"), BODY)).status == 202


@pytest.mark.parametrize("status", [307, 302])
async def test_redirects_are_not_followed(
    status: int, peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    answer = await make_client().post(peer.url(f"/{status}"), BODY)
    assert answer.status == status
    assert [path for _, path, _, _ in peer.seen] == [f"/{status}"]


async def test_a_body_at_the_cap_is_read(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    answer = await make_client(policy(max_body_bytes=1000)).post(peer.url("/exactly-1000"), BODY)
    assert answer.body == b"y" * 1000


async def test_a_declared_body_over_the_cap_is_refused(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    client = make_client(policy(max_body_bytes=1000))
    with pytest.raises(ResponseTooLarge, match="declared body of 2000"):
        await client.post(peer.url("/declared-2000"), BODY)


async def test_an_endless_body_stops_at_the_cap(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    client = make_client(policy(max_body_bytes=100_000))
    async with asyncio.timeout(5):
        with pytest.raises(ResponseTooLarge, match="larger than 100000"):
            await client.post(peer.url("/endless"), BODY)


async def test_a_peer_that_does_not_answer_in_time_is_a_fetch_timeout(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    client = make_client(policy(read_timeout=0.3, total_timeout=2))
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        await client.post(peer.url("/slow"), BODY)
    assert time.monotonic() - started < 1.5  # the read timeout, not the total


async def test_the_whole_exchange_is_bounded(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    client = make_client(policy(read_timeout=10, total_timeout=0.4))
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        await client.post(peer.url("/slow"), BODY)
    assert time.monotonic() - started < 1.5


async def test_a_closed_port_is_a_connection_failure(
    make_client: Callable[..., DeliveryClient],
) -> None:
    with pytest.raises(ConnectionFailed):
        await make_client().post("http://127.0.0.1:9/inbox", BODY)


async def test_a_closed_client_sends_nothing(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    client = make_client()
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.post(peer.url("/inbox"), BODY)
    assert peer.seen == []


# --------------------------------------------------------------------------- keep-alive


class Closer:
    """A raw HTTP/1.1 server that answers `answered` requests per connection (keeping it
    open, as keep-alive promises), then closes the connection on the next request without a
    word: what a peer does when its idle timeout ends as our request is on its way."""

    def __init__(self, answered: int) -> None:
        self.answered = answered
        self.requests = 0
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> Closer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        answered = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode("latin-1").split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                self.requests += 1
                if answered == self.answered:
                    return  # closed without an answer
                answered += 1
                writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


async def test_a_kept_alive_connection_closed_by_the_peer_is_retried_once(
    make_client: Callable[..., DeliveryClient],
) -> None:
    closer = await Closer(answered=1).start()
    try:
        client = make_client()
        url = f"http://127.0.0.1:{closer.port}/inbox"
        assert (await client.post(url, BODY)).status == 202
        # Same connection, which the peer now closes: sent again on a new one.
        assert (await client.post(url, BODY)).status == 202
        assert (closer.requests, closer.connections) == (3, 2)
    finally:
        await closer.stop()


async def test_a_new_connection_closed_without_an_answer_is_a_failure(
    make_client: Callable[..., DeliveryClient],
) -> None:
    closer = await Closer(answered=0).start()
    try:
        with pytest.raises(ConnectionFailed, match="ServerDisconnectedError"):
            await make_client().post(f"http://127.0.0.1:{closer.port}/inbox", BODY)
        assert (closer.requests, closer.connections) == (1, 1)  # not sent twice
    finally:
        await closer.stop()


async def test_idle_connections_are_closed_before_the_peer_closes_them(
    peer: Peer, make_client: Callable[..., DeliveryClient]
) -> None:
    """A connection is reused while fresh, and dropped by us after `keepalive_timeout` (the
    worker's is shorter than uvicorn's 5 s, so we close first)."""
    client = make_client(keepalive_timeout=0.3)
    for pause in (0, 0, 0.8):
        await asyncio.sleep(pause)
        await client.post(peer.url("/inbox"), BODY)
    first, second, third = peer.client_ports
    assert first == second != third
