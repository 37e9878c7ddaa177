"""A remote ActivityPub actor run by bovine, an independent Python ActivityPub library.

Everything cryptographic is bovine's own code: outgoing requests are signed by
`bovine.clients.signed_http.SignedHttpClient` (draft-cavage signatures with a `digest`), and
incoming ones are checked by the verifier of `bovine.crypto.build_validate_http_signature_raw`,
whose key retriever dereferences the signer's key over real HTTP (a GET signed by bovine too).
Documents come from `bovine.activitystreams` (actor, Follow, Accept) and
`bovine.utils.webfinger_response_json`.

The peer is an aiohttp app on 127.0.0.1, run on an event loop of its own in a background
thread, so a synchronous test can drive a node process and the peer side by side.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from bovine.activitystreams import Actor, factories_for_actor_object
from bovine.activitystreams.utils import id_for_object
from bovine.clients import lookup_uri_with_webfinger
from bovine.clients.signed_http import SignedHttpClient
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.types import CryptographicIdentifier
from bovine.utils import webfinger_response_json

from nodes import free_port

T = TypeVar("T")

AP_JSON = "application/activity+json"
logger = logging.getLogger("tests.bovine_peer")


@dataclass(frozen=True)
class Verified:
    """A request whose HTTP signature bovine accepted, and who signed it."""

    method: str
    path: str
    signer: str
    activity: dict[str, Any] | None = None


class BovinePeer:
    """A Person `@<username>@127.0.0.1:<port>` whose server side is bovine."""

    def __init__(self, username: str = "bessie") -> None:
        self.username = username
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.actor_id = f"{self.base_url}/users/{username}"
        self.inbox_url = f"{self.actor_id}/inbox"
        public_pem, self._private_pem = generate_rsa_public_private_key()
        self.actor = Actor(
            id=self.actor_id,
            type="Person",
            name="Bessie (bovine)",
            preferred_username=username,
            inbox=self.inbox_url,
            outbox=f"{self.actor_id}/outbox",
            followers=f"{self.actor_id}/followers",
            following=f"{self.actor_id}/following",
            public_key=public_pem,
            public_key_name="main-key",
        )
        self.key_id = f"{self.actor_id}#main-key"
        self.profile: dict[str, Any] = self.actor.build()
        self.activity_factory, self.object_factory = factories_for_actor_object(
            self.profile, id_generator=lambda: f"{self.base_url}/activities/{uuid.uuid4()}"
        )
        self._lock = threading.Lock()
        self._received: list[Verified] = []
        self._verified_gets: list[Verified] = []
        self._failures: list[str] = []
        self._sent: list[tuple[str, int]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._client: SignedHttpClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._verify = build_validate_http_signature_raw(self._retrieve_key)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        self.run(self._start())

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            self.run(self._stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run a coroutine on the peer's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _start(self) -> None:
        self._session = aiohttp.ClientSession()
        self._client = SignedHttpClient(self._session, self.key_id, self._private_pem)
        app = web.Application()
        app.router.add_get("/.well-known/webfinger", self._webfinger)
        app.router.add_get(f"/users/{self.username}", self._actor_document)
        app.router.add_post(f"/users/{self.username}/inbox", self._inbox)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    # -- what the test reads -----------------------------------------------------------------

    @property
    def received(self) -> list[Verified]:
        with self._lock:
            return list(self._received)

    @property
    def verified_gets(self) -> list[Verified]:
        with self._lock:
            return list(self._verified_gets)

    @property
    def failures(self) -> list[str]:
        with self._lock:
            return list(self._failures)

    @property
    def sent(self) -> list[tuple[str, int]]:
        """(activity id, HTTP status) of each activity the peer POSTed on its own."""
        with self._lock:
            return list(self._sent)

    def wait_for(
        self, predicate: Callable[[Verified], bool], *, timeout: float = 15, what: str = ""
    ) -> Verified:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in self.received:
                if predicate(item):
                    return item
            if self.failures:
                break
            time.sleep(0.05)
        raise AssertionError(
            f"peer never received {what or 'the expected activity'}; "
            f"received {[item.activity for item in self.received]}, failures {self.failures}"
        )

    # -- outgoing, signed by bovine ----------------------------------------------------------

    async def fetch(self, url: str) -> dict[str, Any]:
        """GET an ActivityPub document with a request signed by bovine."""
        assert self._client is not None
        response = await self._client.get(url)
        async with response:
            if response.status != 200:
                raise RuntimeError(f"GET {url} answered {response.status}")
            data = await response.json(content_type=None)
        if not isinstance(data, dict):
            raise RuntimeError(f"GET {url} is not a JSON object")
        return data

    async def post(self, inbox: str, activity: dict[str, Any]) -> int:
        """POST an activity, signed by bovine; returns the HTTP status."""
        assert self._client is not None
        response = await self._client.post(inbox, json.dumps(activity))
        async with response:
            await response.read()
            return response.status

    async def lookup(self, handle: str, origin: str) -> str | None:
        """Resolve `name@host` to an actor id with bovine's WebFinger client."""
        assert self._session is not None
        actor_id, _ = await lookup_uri_with_webfinger(
            self._session, f"acct:{handle}", domain=origin
        )
        return actor_id

    # -- incoming, verified by bovine --------------------------------------------------------

    async def _retrieve_key(self, key_id: str) -> CryptographicIdentifier | None:
        """Dereference a key id: fetch the document without the fragment, take its publicKey."""
        document = await self.fetch(key_id.split("#", 1)[0])
        keys = document.get("publicKey")
        for key in keys if isinstance(keys, list) else [keys]:
            if isinstance(key, dict) and key.get("id") == key_id:
                return CryptographicIdentifier.from_public_key(key)
        logger.warning("%s lists no key %s", key_id.split("#", 1)[0], key_id)
        return None

    def _fail(self, message: str) -> web.Response:
        with self._lock:
            self._failures.append(message)
        return web.json_response({"error": message}, status=401)

    async def _check(self, request: web.Request) -> str | None:
        """The controller of the key that signed the request, as bovine verifies it."""
        return await self._verify(request.method, str(request.url), request.headers, request.read)

    async def _webfinger(self, request: web.Request) -> web.Response:
        resource = request.query.get("resource", "")
        if resource not in {f"acct:{self.username}@127.0.0.1:{self.port}", self.actor_id}:
            return web.json_response({"error": "not found"}, status=404)
        body = webfinger_response_json(resource, self.actor_id)
        return web.json_response(body, content_type="application/jrd+json")

    async def _actor_document(self, request: web.Request) -> web.Response:
        """Served to anyone; a signed GET is checked too, and a bad signature recorded."""
        if "signature" in request.headers:
            signer = await self._check(request)
            if signer is None:
                return self._fail(f"GET {request.path}: bovine refused the signature")
            with self._lock:
                self._verified_gets.append(Verified("GET", request.path, signer))
        return web.json_response(self.profile, content_type=AP_JSON)

    async def _inbox(self, request: web.Request) -> web.Response:
        signer = await self._check(request)
        if signer is None:
            return self._fail(f"POST {request.path}: bovine refused the signature")
        try:
            activity = json.loads(await request.read())
        except ValueError:
            return self._fail(f"POST {request.path}: body is not JSON")
        if not isinstance(activity, dict):
            return self._fail(f"POST {request.path}: body is not a JSON object")
        actor = id_for_object(activity.get("actor"))
        if actor != signer:
            return self._fail(f"POST {request.path}: signed by {signer}, actor is {actor}")
        with self._lock:
            self._received.append(Verified("POST", request.path, signer, activity))
        if activity.get("type") == "Follow" and id_for_object(activity.get("object")) == (
            self.actor_id
        ):
            task = asyncio.create_task(self._accept(activity))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return web.json_response({}, status=202)

    async def _accept(self, follow: dict[str, Any]) -> None:
        """Accept a follower as servers do: after answering, with the Follow embedded."""
        accept = self.activity_factory.accept(follow, include_activity=True).build()
        try:
            follower = await self.fetch(str(id_for_object(follow.get("actor"))))
            status = await self.post(str(follower["inbox"]), accept)
        except Exception as exc:
            with self._lock:
                self._failures.append(f"sending Accept failed: {exc!r}")
            return
        with self._lock:
            self._sent.append((str(accept.get("id")), status))
