"""A remote ActivityPub peer for inbox tests: real keys, a real HTTP server, real signatures.

`PeerServer` is a small Starlette app run by uvicorn in a background thread on a free
loopback port. It serves the documents registered on it (actors, objects, anything), answers
404 for the rest, accepts POSTs to any path (a peer inbox) and logs every request, so a test
can say "the node never fetched this actor".

`RemoteActor` is one account on such a server: an RSA key pair, an actor document built on
each request (so a key rotation shows at once), and `signed_post`, which signs exactly as a
peer would (`migrantnet.federation.signatures`) and posts through the given httpx client.

The few database helpers at the end read the node's tables in a fresh session each time, so
a check never sees a stale snapshot.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import uvicorn
from sqlalchemy import func, make_url, select
from sqlalchemy.sql import ColumnElement
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from migrantnet.content.key_pairs import generate_key_pair
from migrantnet.db import Database
from migrantnet.federation.signatures.cavage import sign_request
from migrantnet.federation.signatures.primitives import load_private_key
from migrantnet.federation.signatures.rfc9421 import sign_request as sign_request_rfc9421
from migrantnet.models import Base, InboxActivity

ASSOCIATION_SLUG = "tunis_migrants"
INBOX = f"/@{ASSOCIATION_SLUG}/inbox"
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTIVITY_JSON = "application/activity+json"

M = TypeVar("M", bound=Base)
Document = dict[str, Any] | Callable[[], dict[str, Any] | None]

# RSA-2048 generation costs ~0.1 s; tests get distinct keys from a pool made once per run.
_KEY_POOL: list[tuple[str, str]] = []


def pooled_key_pair(index: int) -> tuple[str, str]:
    while len(_KEY_POOL) <= index:
        _KEY_POOL.append(generate_key_pair())
    return _KEY_POOL[index]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port_url(path: str = "/users/ghost") -> str:
    """A URL on a loopback port nobody listens on (connecting is refused)."""
    return f"http://127.0.0.1:{free_port()}{path}"


@dataclass(frozen=True, slots=True)
class SeenRequest:
    method: str
    path: str
    body: bytes


def after_a_commit_elsewhere(database_url: str, document: dict[str, Any]) -> Document:
    """`document`, served once another connection has committed a write to the node's
    SQLite file, as the inbox does while a form waits on a fetch. On PostgreSQL just the
    document (a transaction there can write whatever was committed meanwhile)."""
    url = make_url(database_url)
    path = url.database if url.get_backend_name() == "sqlite" else None

    def answer() -> dict[str, Any]:
        if path:
            with sqlite3.connect(path, timeout=10) as other:
                other.execute(
                    "INSERT INTO node_counters (name, value) VALUES ('elsewhere', 1)"
                    " ON CONFLICT (name) DO UPDATE SET value = value + 1"
                )
        return document

    return answer


class PeerServer:
    """A loopback HTTP server serving registered JSON documents and recording requests."""

    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.media_types: dict[str, str] = {}
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])])
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.domain}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def serve(self, path_or_url: str, document: Document, media_type: str = ACTIVITY_JSON) -> None:
        """Serve `document` (a dict, or a callable making one; None means 404) at a path."""
        path = path_or_url.removeprefix(self.base_url)
        self.documents[path] = document
        self.media_types[path] = media_type

    def gets(self, path_or_url: str) -> int:
        path = path_or_url.split("#", 1)[0].removeprefix(self.base_url)
        with self._lock:
            return sum(1 for r in self.requests if r.method == "GET" and r.path == path)

    def seen_under(self, prefix: str) -> list[SeenRequest]:
        """Every request whose path starts with `prefix` (a URL or a path)."""
        path = prefix.removeprefix(self.base_url)
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path)]

    def posts(self, path_or_url: str) -> list[bytes]:
        path = path_or_url.removeprefix(self.base_url)
        with self._lock:
            return [r.body for r in self.requests if r.method == "POST" and r.path == path]

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            self.requests.append(SeenRequest(request.method, request.url.path, body))
        if request.method == "POST":
            return JSONResponse({}, status_code=202)
        document = self.documents.get(request.url.path)
        doc = document() if callable(document) else document
        if doc is None:
            return JSONResponse({"error": "Not Found"}, status_code=404)
        media_type = self.media_types.get(request.url.path, ACTIVITY_JSON)
        return Response(json.dumps(doc), media_type=media_type)

    def start(self) -> PeerServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the peer server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@dataclass
class RemoteActor:
    """One account on a `PeerServer`, served at `/<namespace>/users/<username>` (a server
    shared by several tests gives each its own namespace)."""

    server: PeerServer
    username: str
    private_pem: str
    public_pem: str
    also_known_as: list[str] = field(default_factory=list)
    actor_type: str = "Person"
    namespace: str = ""
    extra_fields: dict[str, Any] = field(default_factory=dict)  # merged into the document

    def __post_init__(self) -> None:
        self.server.serve(self.path, self.document)

    # -- identity ---------------------------------------------------------------------

    @property
    def path(self) -> str:
        prefix = f"/{self.namespace}" if self.namespace else ""
        return f"{prefix}/users/{self.username}"

    @property
    def actor_id(self) -> str:
        return self.server.url(self.path)

    @property
    def key_id(self) -> str:
        return f"{self.actor_id}#main-key"

    @property
    def inbox(self) -> str:
        return f"{self.actor_id}/inbox"

    @property
    def followers(self) -> str:
        return f"{self.actor_id}/followers"

    @property
    def domain(self) -> str:
        return self.server.domain

    def document(self) -> dict[str, Any]:
        return {
            "@context": [AS_CONTEXT, "https://w3id.org/security/v1"],
            "id": self.actor_id,
            "type": self.actor_type,
            "preferredUsername": self.username,
            "name": self.username.title(),
            "inbox": self.inbox,
            "outbox": f"{self.actor_id}/outbox",
            "followers": self.followers,
            "following": f"{self.actor_id}/following",
            "endpoints": {"sharedInbox": self.server.url("/inbox")},
            "alsoKnownAs": list(self.also_known_as),
            "publicKey": {
                "id": self.key_id,
                "owner": self.actor_id,
                "publicKeyPem": self.public_pem,
            },
            **self.extra_fields,
        }

    def rotate_key(self) -> None:
        """A new key pair under the same key id, as an account does after a key leak."""
        self.private_pem, self.public_pem = generate_key_pair()

    # -- documents --------------------------------------------------------------------

    def new_id(self, kind: str = "activities") -> str:
        return f"{self.actor_id}/{kind}/{uuid.uuid4().hex}"

    def activity(self, kind: str, obj: Any, **extra: Any) -> dict[str, Any]:
        return {
            "@context": AS_CONTEXT,
            "id": self.new_id(),
            "type": kind,
            "actor": self.actor_id,
            "object": obj,
            **extra,
        }

    def note(
        self,
        content_map: dict[str, str],
        *,
        to: Iterable[str] = (PUBLIC,),
        cc: Iterable[str] = (),
        ap_id: str | None = None,
    ) -> dict[str, Any]:
        return {
            "id": ap_id or self.new_id("notes"),
            "type": "Note",
            "attributedTo": self.actor_id,
            "contentMap": dict(content_map),
            "to": list(to),
            "cc": list(cc),
            "published": "2025-03-01T10:00:00Z",
        }

    # -- sending ----------------------------------------------------------------------

    async def signed_post(
        self,
        client: httpx.AsyncClient,
        path: str,
        activity: Any,
        *,
        key: str | None = None,
        key_id: str | None = None,
        date: datetime | None = None,
        body_override: bytes | None = None,
        rfc9421: bool = False,
        content_type: str = ACTIVITY_JSON,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Sign `activity` (a JSON value, or bytes as they are) and POST it to the node.

        `key` is a private key PEM (default: ours), `date` the signing time, `body_override`
        bytes sent instead of the signed body, `headers` set after signing (a tampered Digest).
        The URL signed is the client's base URL (the node's public URL) plus `path`, and
        `Host` is the node's domain, as a peer on the network would send them.
        """
        body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        url = str(client.base_url).rstrip("/") + path
        sign = sign_request_rfc9421 if rfc9421 else sign_request
        signed = sign(
            "POST",
            url,
            {"Content-Type": content_type, "Accept": ACTIVITY_JSON},
            body,
            key_id=key_id or self.key_id,
            private_key=load_private_key(key or self.private_pem),
            now=date or datetime.now(UTC),
        )
        signed.update(headers or {})
        return await client.post(
            path, content=body if body_override is None else body_override, headers=signed
        )


# -- database checks ------------------------------------------------------------------


async def count(db: Database, model: type[Base], *where: ColumnElement[bool]) -> int:
    async with db.session() as session:
        query = select(func.count()).select_from(model)
        for clause in where:
            query = query.where(clause)
        return int(await session.scalar(query) or 0)


async def rows(db: Database, model: type[M], *where: ColumnElement[bool]) -> list[M]:
    async with db.session() as session:
        query = select(model)
        for clause in where:
            query = query.where(clause)
        return list(await session.scalars(query.order_by(*model.__table__.primary_key)))


async def one(db: Database, model: type[M], *where: ColumnElement[bool]) -> M:
    found = await rows(db, model, *where)
    assert len(found) == 1, f"expected one {model.__name__}, found {len(found)}"
    return found[0]


async def deliver(
    db: Database,
    client: httpx.AsyncClient,
    peer: RemoteActor,
    activity: dict[str, Any],
    path: str = INBOX,
) -> InboxActivity:
    """Post a signed activity, expect 202, and return its inbox row (processed by then: the
    app applies it in a background task that runs before the ASGI call returns)."""
    response = await peer.signed_post(client, path, activity)
    assert response.status_code == 202, response.text
    return await one(db, InboxActivity, InboxActivity.ap_id == activity["id"])
