"""What tests of delivery share: peers' inboxes on loopback, followers, a published note.

Each `Sink` is a minimal HTTP/1.1 server (asyncio, in the test's own event loop) that records
every request and answers what the test told it to, per path: a status with headers, a held
answer released by the test, or none at all. `add_follower` makes a remote follower whose
inbox is on a sink; `publish` publishes a public note through the real services, which queues
one delivery per follower inbox.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from migrantnet.content.notes import publish_note
from migrantnet.db import Database
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, Follow, FollowState


@dataclass(frozen=True)
class Reply:
    status: int = 202
    headers: tuple[tuple[str, str], ...] = ()
    hold: asyncio.Event | None = None  # answer only once the test sets it


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    received_at: datetime

    @property
    def activity(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Sink:
    """A loopback HTTP server: `replies[path]` is a list of answers, used in turn, the last
    one for good (202 when none is set); `seen` holds every request received."""

    replies: dict[str, list[Reply]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _never: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> Sink:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.domain}{path}"

    def answer(self, path: str, *replies: Reply | int) -> None:
        self.replies[path] = [r if isinstance(r, Reply) else Reply(r) for r in replies]

    def hang(self) -> Reply:
        return Reply(hold=self._never)

    def posts(self, path: str | None = None) -> list[Seen]:
        return [s for s in self.seen if s.method == "POST" and path in (None, s.path)]

    async def wait_for(self, requests: int, timeout: float = 5) -> None:
        async with asyncio.timeout(timeout):
            while len(self.seen) < requests:
                await asyncio.sleep(0.005)

    def _next_reply(self, path: str) -> Reply:
        queue = self.replies.get(path)
        if not queue:
            return Reply()
        return queue.pop(0) if len(queue) > 1 else queue[0]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:  # keep-alive: several requests per connection
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, *lines = head.decode("latin-1").split("\r\n")[:-2]
                method, target, _version = request_line.split(" ", 2)
                headers: dict[str, str] = {}
                for line in lines:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.seen.append(Seen(method, target, headers, body, datetime.now(UTC)))
                reply = self._next_reply(target)
                if reply.hold is not None:
                    await reply.hold.wait()
                out = [
                    f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}",
                    "Content-Length: 0",
                    *(f"{name}: {value}" for name, value in reply.headers),
                ]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
                await writer.drain()
        finally:
            writer.close()
            self._tasks.discard(task)


async def add_follower(
    db: Database,
    followed: Actor,
    inbox: str,
    shared_inbox: str | None = None,
    state: FollowState = FollowState.ACCEPTED,
) -> None:
    ap_id = inbox.removesuffix("/inbox")
    async with db.session() as session, session.begin():
        follower = Actor(
            ap_id=ap_id,
            type="Person",
            local=False,
            username=ap_id.rsplit("/", 1)[-1],
            domain=urlsplit(inbox).netloc,
            inbox_url=inbox,
            shared_inbox_url=shared_inbox,
        )
        session.add(follower)
        await session.flush()
        session.add(
            Follow(
                ap_id=f"{ap_id}#follows/{uuid.uuid4().hex}",
                follower_id=follower.id,
                followed_id=followed.id,
                state=state,
            )
        )


async def publish(fed: Federation, author: Actor, text: str = "Permanence juridique") -> str:
    """Publish a public note and commit; its id."""
    async with fed.db.session() as session:
        actor = await session.get(Actor, author.id)
        assert actor is not None
        obj = await publish_note(
            session, fed.uris, ActivityPubNotifier(fed), actor, text={"en": text}
        )
        await session.commit()
        return obj.ap_id
