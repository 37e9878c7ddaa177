"""SafeClient against a real HTTP server on 127.0.0.1.

Only loopback is ever contacted: every test runs under a guard that fails if
httpcore is asked to dial anything else, and checks on non-loopback addresses
use the address functions, fake resolvers or an in-memory transport.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpcore
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from migrantnet.federation import fetch
from migrantnet.federation.addresses import is_public_address, is_public_ip_text
from migrantnet.federation.fetch import (
    WEBFINGER_JSON_TYPES,
    AddressNotAllowed,
    BadContentType,
    BadDocument,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    PinnedNetworkBackend,
    ResponseTooLarge,
    SafeClient,
    TooManyRedirects,
    parse_retry_after,
)
from migrantnet.federation.fetch_policy import FetchPolicy, check_destination
from migrantnet.federation.pinned import ConnectRefused

UA = "migrantnet-test/1.0 (+http://127.0.0.1/)"
AS = "application/activity+json"
TWO_MB = 2 * 1024 * 1024


def policy(**overrides: Any) -> FetchPolicy:
    values: dict[str, Any] = {"user_agent": UA, "allow_private_addresses": True}
    values.update(overrides)
    return FetchPolicy(**values)


# --------------------------------------------------------------------------- test server


def _json(data: Any, media_type: str = AS, status: int = 200, **headers: str) -> Response:
    return Response(json.dumps(data), status_code=status, media_type=media_type, headers=headers)


async def doc(request: Request) -> Response:
    return _json({"id": str(request.url), "type": "Note"})


async def typed(request: Request) -> Response:
    media_type = request.query_params["type"]
    return _json({"type": "Note"}, media_type=media_type)


async def array(request: Request) -> Response:
    return _json([1, 2, 3])


async def not_json(request: Request) -> Response:
    return Response("{not json", media_type=AS)


async def redirect(request: Request) -> Response:
    left = int(request.path_params["n"])
    if left == 0:
        return await doc(request)
    return Response(status_code=302, headers={"Location": f"/redirect/{left - 1}"})


async def redirect_to(request: Request) -> Response:
    status = int(request.query_params.get("status", "302"))
    return Response(status_code=status, headers={"Location": request.query_params["location"]})


async def temp_redirect(request: Request) -> Response:
    left = int(request.path_params["n"])
    if left == 0:
        return await echo(request)
    return Response(status_code=307, headers={"Location": f"/temp-redirect/{left - 1}"})


async def echo(request: Request) -> Response:
    body = await request.body()
    return _json(
        {
            "method": request.method,
            "path": request.url.path,
            "headers": dict(request.headers),
            "body": body.decode(),
        }
    )


async def status(request: Request) -> Response:
    code = int(request.path_params["code"])
    headers = {"Retry-After": "120"} if code == 429 else {}
    return _json({"error": code}, status=code, **headers)


async def big(request: Request) -> Response:
    return Response(b"x" * TWO_MB, media_type=AS)


async def big_stream(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(32):
            yield b"x" * 65536

    return StreamingResponse(chunks(), media_type=AS)


async def sized(request: Request) -> Response:
    size = int(request.path_params["n"])

    async def chunks() -> AsyncIterator[bytes]:
        yield b"y" * size

    return StreamingResponse(chunks(), media_type="application/octet-stream")


BOMB = gzip.compress(b"\0" * (20 * 1024 * 1024))


async def bomb(request: Request) -> Response:
    return Response(BOMB, media_type=AS, headers={"Content-Encoding": "gzip"})


async def gzipped(request: Request) -> Response:
    body = gzip.compress(json.dumps({"type": "Note", "zipped": True}).encode())
    return Response(body, media_type=AS, headers={"Content-Encoding": "gzip"})


async def slow(request: Request) -> Response:
    await asyncio.sleep(1.0)
    return _json({"late": True})


async def drip(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            await asyncio.sleep(0.1)
            yield b" "

    return StreamingResponse(chunks(), media_type=AS)


async def set_cookie(request: Request) -> Response:
    response = _json({"ok": True})
    response.set_cookie("session", "planted")
    return response


app = Starlette(
    routes=[
        Route("/doc", doc),
        Route("/typed", typed),
        Route("/array", array),
        Route("/not-json", not_json),
        Route("/redirect/{n:int}", redirect),
        Route("/redirect-to", redirect_to, methods=["GET", "POST"]),
        Route("/temp-redirect/{n:int}", temp_redirect, methods=["GET", "POST"]),
        Route("/echo", echo, methods=["GET", "POST"]),
        Route("/status/{code:int}", status),
        Route("/big", big),
        Route("/big-stream", big_stream),
        Route("/sized/{n:int}", sized),
        Route("/bomb", bomb),
        Route("/gzip", gzipped),
        Route("/slow", slow),
        Route("/drip", drip),
        Route("/set-cookie", set_cookie),
    ]
)


@dataclass(frozen=True)
class LocalServer:
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield LocalServer(port=sock.getsockname()[1])
    finally:
        uv.should_exit = True
        thread.join(timeout=5)
        sock.close()


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail, instead of sending traffic, if anything dials a non-loopback address."""
    dialled: list[str] = []
    original = httpcore.AnyIOBackend.connect_tcp

    async def guarded(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        dialled.append(host)
        if not ipaddress.ip_address(host).is_loopback:
            raise AssertionError(f"test tried to connect to {host}")
        return await original(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", guarded)
    return dialled


@pytest.fixture
def idle_listener() -> Iterator[socket.socket]:
    """A loopback port that is listening but never accepts: shows whether we connected."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def assert_never_connected(sock: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        sock.accept()


def fake_resolver(
    table: dict[str, Sequence[str]], calls: list[str] | None = None
) -> fetch.Resolver:
    async def resolve(host: str, port: int) -> Sequence[str]:
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown host")
        return table[host]

    return resolve


async def no_dns(host: str, port: int) -> Sequence[str]:
    raise AssertionError(f"unexpected DNS lookup of {host}")


# --------------------------------------------------------------------------- address policy


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.254",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "64:ff9b::a00:1",
        "2002:a00:1::1",
        "2002:7f00:1::1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))
    assert not is_public_ip_text(address)


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


def test_text_that_is_not_an_address_is_refused() -> None:
    assert not is_public_ip_text("example.com")
    assert not is_public_ip_text("")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fd00::1]:8080/",
    ],
)
async def test_check_destination_refuses_private_literals(url: str) -> None:
    with pytest.raises(AddressNotAllowed):
        await check_destination(url, policy(allow_private_addresses=False), resolver=no_dns)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "http://user:secret@example.com/",
        "http:///no-host",
        "not a url",
    ],
)
async def test_check_destination_refuses_malformed_urls(url: str) -> None:
    with pytest.raises(AddressNotAllowed):
        await check_destination(url, policy(allow_private_addresses=True), resolver=no_dns)


async def test_check_destination_can_require_https() -> None:
    strict = policy(allow_http=False)
    with pytest.raises(AddressNotAllowed, match="scheme"):
        await check_destination("http://example.com/", strict, resolver=no_dns)
    await check_destination("https://example.com/", strict, resolver=no_dns)


async def test_check_destination_refuses_if_any_resolved_address_is_private() -> None:
    resolver = fake_resolver(
        {"mixed.test": ["93.184.216.34", "10.1.2.3"], "public.test": ["93.184.216.34"]}
    )
    strict = policy(allow_private_addresses=False)
    with pytest.raises(AddressNotAllowed, match=r"10\.1\.2\.3"):
        await check_destination("https://mixed.test/", strict, resolver=resolver)
    await check_destination("https://public.test/", strict, resolver=resolver)


async def test_check_destination_uses_real_dns_for_localhost() -> None:
    with pytest.raises(AddressNotAllowed):
        await check_destination("http://localhost/", policy(allow_private_addresses=False))


async def test_unresolvable_host_is_a_connection_failure() -> None:
    with pytest.raises(ConnectionFailed):
        await check_destination(
            "https://nowhere.test/",
            policy(allow_private_addresses=False),
            resolver=fake_resolver({}),
        )


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        FetchPolicy(user_agent="a\r\nX-Injected: 1")
    with pytest.raises(ValueError):
        FetchPolicy(user_agent=UA, read_timeout=0)
    defaults = FetchPolicy(user_agent=UA)
    assert defaults.allow_private_addresses is False
    assert (defaults.connect_timeout, defaults.read_timeout, defaults.write_timeout) == (5, 10, 10)
    assert (defaults.max_body_bytes, defaults.max_redirects) == (1_048_576, 3)


# ------------------------------------------------------------------ refusal before connecting


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
async def test_loopback_refused_before_connecting(
    host: str, idle_listener: socket.socket, loopback_only: list[str]
) -> None:
    port = idle_listener.getsockname()[1]
    async with SafeClient(policy(allow_private_addresses=False)) as client:
        with pytest.raises(AddressNotAllowed):
            await client.request("GET", f"http://{host}:{port}/")
    assert loopback_only == []
    assert_never_connected(idle_listener)


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1/", "http://169.254.169.254/", "http://100.64.0.1/"]
)
async def test_private_urls_never_reach_the_transport(url: str) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200)

    client = SafeClient(
        policy(allow_private_addresses=False), transport=httpx.MockTransport(handler)
    )
    async with client:
        with pytest.raises(AddressNotAllowed):
            await client.request("GET", url)
    assert seen == []


async def test_every_redirect_hop_is_checked() -> None:
    """A public first hop redirecting inward is stopped before the second request."""
    seen: list[str] = []
    lookups: list[str] = []
    resolver = fake_resolver(
        {"public.example": ["93.184.216.34"], "internal.example": ["10.0.0.1"]}, lookups
    )

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://internal.example/admin"})

    client = SafeClient(
        policy(allow_private_addresses=False),
        transport=httpx.MockTransport(handler),
        resolver=resolver,
    )
    async with client:
        with pytest.raises(AddressNotAllowed) as excinfo:
            await client.request("GET", "https://public.example/start")
    assert seen == ["https://public.example/start"]
    assert lookups == ["public.example", "internal.example"]
    assert excinfo.value.url == "http://internal.example/admin"


async def test_dns_rebinding_is_caught_at_connect_time(
    idle_listener: socket.socket, loopback_only: list[str]
) -> None:
    """The early check sees a public address; the connect-time lookup sees loopback."""
    port = idle_listener.getsockname()[1]
    answers = iter([["93.184.216.34"]])

    async def rebinding(host: str, port: int) -> Sequence[str]:
        return next(answers, ["127.0.0.1"])

    async with SafeClient(policy(allow_private_addresses=False), resolver=rebinding) as client:
        with pytest.raises(AddressNotAllowed, match=r"127\.0\.0\.1"):
            await client.request("GET", f"http://rebind.test:{port}/")
    assert loopback_only == []
    assert_never_connected(idle_listener)


class RecordingBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, failing: set[str]) -> None:
        self.dialled: list[str] = []
        self.failing = failing

    async def connect_tcp(
        self, host: str, port: int, *args: Any, **kwargs: Any
    ) -> httpcore.AsyncNetworkStream:
        self.dialled.append(host)
        if host in self.failing:
            raise httpcore.ConnectError("refused")
        return httpcore.AsyncNetworkStream()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def test_backend_dials_only_checked_addresses() -> None:
    inner = RecordingBackend(failing={"2606:4700::1"})
    backend = PinnedNetworkBackend(
        resolver=fake_resolver({"host.test": ["2606:4700::1", "93.184.216.34"]}), inner=inner
    )
    await backend.connect_tcp("host.test", 443, timeout=1)
    assert inner.dialled == ["2606:4700::1", "93.184.216.34"]

    refusing = PinnedNetworkBackend(
        resolver=fake_resolver({"host.test": ["93.184.216.34", "192.168.0.1"]}), inner=inner
    )
    with pytest.raises(ConnectRefused):
        await refusing.connect_tcp("host.test", 443, timeout=1)
    with pytest.raises(ConnectRefused):
        await refusing.connect_tcp("169.254.169.254", 80, timeout=1)
    assert inner.dialled == ["2606:4700::1", "93.184.216.34"]


async def test_connections_go_to_the_resolved_address(
    server: LocalServer, loopback_only: list[str]
) -> None:
    resolver = fake_resolver({"social.test": ["127.0.0.1"]})
    async with SafeClient(policy(), resolver=resolver) as client:
        response = await client.request("GET", f"http://social.test:{server.port}/echo")
    assert json.loads(response.body)["headers"]["host"] == f"social.test:{server.port}"
    assert loopback_only == ["127.0.0.1"]


# --------------------------------------------------------------------------- fetching


def typed_url(server: LocalServer, media_type: str) -> str:
    return str(httpx.URL(f"{server.base}/typed", params={"type": media_type}))


async def test_fetches_activity_document(server: LocalServer) -> None:
    async with SafeClient(policy()) as client:
        document = await client.get_document(f"{server.base}/doc")
        data = await client.get_json(f"{server.base}/doc")
    assert document.url == f"{server.base}/doc"
    assert document.data == data == {"id": f"{server.base}/doc", "type": "Note"}


async def test_sends_user_agent_and_accept(server: LocalServer) -> None:
    async with SafeClient(policy()) as client:
        data = await client.get_json(f"{server.base}/echo")
    assert data["headers"]["user-agent"] == UA
    assert "application/activity+json" in data["headers"]["accept"]


@pytest.mark.parametrize(
    "media_type",
    [
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/ld+json",
        "application/activity+json; charset=utf-8",
    ],
)
async def test_accepts_activitystreams_media_types(server: LocalServer, media_type: str) -> None:
    async with SafeClient(policy()) as client:
        data = await client.get_json(typed_url(server, media_type))
    assert data == {"type": "Note"}


@pytest.mark.parametrize("media_type", ["text/html; charset=utf-8", "application/json"])
async def test_refuses_other_media_types(server: LocalServer, media_type: str) -> None:
    async with SafeClient(policy()) as client:
        with pytest.raises(BadContentType):
            await client.get_json(typed_url(server, media_type))


async def test_webfinger_types_when_allowed(server: LocalServer) -> None:
    url = typed_url(server, "application/jrd+json")
    async with SafeClient(policy()) as client:
        with pytest.raises(BadContentType):
            await client.get_json(url)
        data = await client.get_json(
            url, accept="application/jrd+json", allowed_types=WEBFINGER_JSON_TYPES
        )
    assert data == {"type": "Note"}


@pytest.mark.parametrize("path", ["/array", "/not-json"])
async def test_refuses_documents_that_are_not_json_objects(server: LocalServer, path: str) -> None:
    async with SafeClient(policy()) as client:
        with pytest.raises(BadDocument):
            await client.get_json(server.base + path)


async def test_decodes_gzip(server: LocalServer) -> None:
    async with SafeClient(policy()) as client:
        assert await client.get_json(f"{server.base}/gzip") == {"type": "Note", "zipped": True}


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize("hops", [1, 2, 3])
async def test_follows_up_to_three_redirects(server: LocalServer, hops: int) -> None:
    async with SafeClient(policy()) as client:
        document = await client.get_document(f"{server.base}/redirect/{hops}")
    assert document.url == f"{server.base}/redirect/0"
    assert document.data["id"] == f"{server.base}/redirect/0"


async def test_too_many_redirects(server: LocalServer) -> None:
    async with SafeClient(policy()) as client:
        with pytest.raises(TooManyRedirects):
            await client.get_json(f"{server.base}/redirect/4")
    async with SafeClient(policy(max_redirects=0)) as client:
        with pytest.raises(TooManyRedirects):
            await client.get_json(f"{server.base}/redirect/1")


@pytest.mark.parametrize(
    "location",
    [
        "ftp://127.0.0.1/doc",
        "http://user:secret@127.0.0.1/doc",
        "file:///etc/passwd",
    ],
)
async def test_redirect_to_forbidden_url_is_refused(server: LocalServer, location: str) -> None:
    url = str(httpx.URL(f"{server.base}/redirect-to", params={"location": location}))
    async with SafeClient(policy()) as client:
        with pytest.raises(AddressNotAllowed):
            await client.get_json(url)


async def test_unparseable_redirect_is_a_fetch_error(server: LocalServer) -> None:
    url = str(httpx.URL(f"{server.base}/redirect-to", params={"location": "http://[::1"}))
    async with SafeClient(policy()) as client:
        with pytest.raises(FetchError):
            await client.get_json(url)


async def test_sign_is_called_for_every_hop(server: LocalServer) -> None:
    calls: list[tuple[str, str, dict[str, str], bytes | None]] = []

    def sign(method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        calls.append((method, url, dict(headers), body))
        return {**headers, "Signature": f"signed {url}", "Content-Type": AS}

    body = b'{"type": "Create"}'
    async with SafeClient(policy()) as client:
        response = await client.request(
            "POST", f"{server.base}/temp-redirect/2", content=body, sign=sign
        )
    hop_urls = [f"{server.base}/temp-redirect/{n}" for n in (2, 1, 0)]
    assert [call[1] for call in calls] == hop_urls
    assert all(call[0] == "POST" and call[3] == body for call in calls)
    assert all(call[2]["Host"] == f"127.0.0.1:{server.port}" for call in calls)
    echoed = json.loads(response.body)
    assert response.url == hop_urls[-1]
    assert echoed["method"] == "POST"
    assert echoed["body"] == body.decode()
    assert echoed["headers"]["signature"] == f"signed {hop_urls[-1]}"


async def test_post_is_not_turned_into_get_by_a_302(server: LocalServer) -> None:
    calls: list[str] = []

    def sign(method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        calls.append(url)
        return headers

    url = str(httpx.URL(f"{server.base}/redirect-to", params={"location": "/echo"}))
    async with SafeClient(policy()) as client:
        response = await client.request("POST", url, content=b"{}", sign=sign)
    assert response.status == 302
    assert not response.is_success
    assert calls == [url]


async def test_credentials_are_not_sent_to_another_origin(server: LocalServer) -> None:
    resolver = fake_resolver({"elsewhere.test": ["127.0.0.1"]})
    target = f"http://elsewhere.test:{server.port}/echo"
    url = str(httpx.URL(f"{server.base}/redirect-to", params={"location": target}))
    async with SafeClient(policy(), resolver=resolver) as client:
        response = await client.request("GET", url, headers={"Authorization": "Bearer t"})
    data = json.loads(response.body)
    assert response.url == target
    assert "authorization" not in data["headers"]


# --------------------------------------------------------------------------- limits and errors


@pytest.mark.parametrize("path", ["/big", "/big-stream", "/bomb"])
async def test_body_over_the_cap_is_refused(server: LocalServer, path: str) -> None:
    async with SafeClient(policy()) as client:
        with pytest.raises(ResponseTooLarge):
            await client.request("GET", server.base + path)


async def test_body_cap_boundary(server: LocalServer) -> None:
    async with SafeClient(policy(max_body_bytes=100)) as client:
        response = await client.request("GET", f"{server.base}/sized/100")
        assert len(response.body) == 100
        with pytest.raises(ResponseTooLarge):
            await client.request("GET", f"{server.base}/sized/101")


async def test_slow_server_times_out(server: LocalServer) -> None:
    async with SafeClient(policy(read_timeout=0.3)) as client:
        with pytest.raises(FetchTimeout):
            await client.get_json(f"{server.base}/slow")


async def test_dripping_server_hits_the_total_deadline(server: LocalServer) -> None:
    started = time.monotonic()
    async with SafeClient(policy(read_timeout=1, total_timeout=0.5)) as client:
        with pytest.raises(FetchTimeout):
            await client.request("GET", f"{server.base}/drip")
    assert time.monotonic() - started < 1.5


async def test_error_status(server: LocalServer) -> None:
    async with SafeClient(policy()) as client:
        with pytest.raises(HTTPStatusError) as excinfo:
            await client.get_json(f"{server.base}/status/500")
        response = await client.request("GET", f"{server.base}/status/500", raise_for_status=False)
    assert excinfo.value.status == 500
    assert excinfo.value.retry_after is None
    assert response.status == 500
    assert json.loads(response.body) == {"error": 500}


async def test_too_many_requests_carries_retry_after(server: LocalServer) -> None:
    async with SafeClient(policy()) as client:
        with pytest.raises(HTTPStatusError) as excinfo:
            await client.request("GET", f"{server.base}/status/429")
    assert excinfo.value.status == 429
    assert excinfo.value.retry_after == 120


async def test_closed_port_is_a_connection_failure() -> None:
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    async with SafeClient(policy()) as client:
        with pytest.raises(ConnectionFailed):
            await client.request("GET", f"http://127.0.0.1:{port}/")


async def test_cookies_are_not_kept(server: LocalServer) -> None:
    async with SafeClient(policy()) as client:
        await client.request("GET", f"{server.base}/set-cookie")
        data = await client.get_json(f"{server.base}/echo")
    assert "cookie" not in data["headers"]


def test_parse_retry_after() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 0 ") == 0
    assert (
        parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90
    )
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0
    for junk in (None, "", "-5", "soon", "1.5", "\u00b2", "9" * 5000):
        assert parse_retry_after(junk, now=now) is None
