"""Rendered JSON of what peers fetch most (actors, objects, WebFinger, NodeInfo), kept as bytes.

A boosted post brings thousands of fetches of the same actor and object in minutes; each
would otherwise cost a database round trip and a serialisation. Entries are dropped at once
when this process commits a change to local content (models/changes.py), and when another
process (the CLI, a worker, another web process) did: every `check_seconds` one request reads
the `content` generation from the database and clears the cache if it moved. Bounded in
entries and bytes (least recently used go first), so random URLs cannot grow it.

The same store keeps the anonymous HTML pages (`web/page_cache.py`), under another
generation (`pages`, moved by every change a public page can show) and with a time to live.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi.responses import Response
from sqlalchemy import select
from starlette.types import Send

from migrantnet.db import Database, database_unavailable
from migrantnet.models.counts import CONTENT_GENERATION, NodeCounter

RawHeaders = tuple[tuple[bytes, bytes], ...]


@dataclass(frozen=True, slots=True)
class Rendered:
    status: int
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()
    # The headers exactly as the response that was kept sent them (ASGI form); made from
    # the fields above when not given.
    raw_headers: RawHeaders = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if not self.raw_headers:
            raw = tuple(response_of(self).raw_headers)
            object.__setattr__(self, "raw_headers", raw)

    async def send(self, send: Send) -> None:
        """Answer with this rendering as the kept response did, byte for byte (a fresh header
        list each time: outer middlewares edit it in place)."""
        await send(
            {
                "type": "http.response.start",
                "status": self.status,
                "headers": list(self.raw_headers),
            }
        )
        await send({"type": "http.response.body", "body": self.body})


class RenderedCache:
    def __init__(
        self,
        db: Database,
        *,
        entries: int,
        check_seconds: float,
        generation: str = CONTENT_GENERATION,
        listeners: list[Callable[[], None]] | None = None,
        max_bytes: int | None = None,
        ttl_seconds: float | None = None,
    ) -> None:
        self.db = db
        self.entries = entries
        self.check_seconds = check_seconds
        self.generation = generation
        self.max_bytes = max_bytes
        self.ttl_seconds = ttl_seconds
        self._items: OrderedDict[str, tuple[Rendered, float]] = OrderedDict()
        self._bytes = 0
        # Grows on every clear: a rendering begun before a clear is not stored after it.
        self.epoch = 0
        self._generation: int | None = None
        self._checked_at = float("-inf")
        (db.content_listeners if listeners is None else listeners).append(self.clear)

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0
        self.epoch += 1

    @property
    def size_bytes(self) -> int:
        """The bodies kept, in bytes."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    async def get(self, key: str) -> Rendered | None:
        if self.entries == 0:
            return None
        await self._check_generation()
        found = self._items.get(key)
        if found is None:
            return None
        rendered, stored_at = found
        if self.ttl_seconds is not None and time.monotonic() - stored_at > self.ttl_seconds:
            self._drop(key)
            return None
        self._items.move_to_end(key)
        return rendered

    def put(self, key: str, value: Rendered, epoch: int) -> None:
        """Keep `value`, rendered from what the database held at `epoch` (read just after
        the `get` that missed)."""
        if self.entries == 0 or epoch != self.epoch:
            return
        if self.max_bytes is not None and len(value.body) > self.max_bytes:
            return
        if key in self._items:
            self._drop(key)
        self._items[key] = (value, time.monotonic())
        self._bytes += len(value.body)
        while len(self._items) > self.entries or (
            self.max_bytes is not None and self._bytes > self.max_bytes
        ):
            self._drop(next(iter(self._items)))

    def _drop(self, key: str) -> None:
        rendered, _stored_at = self._items.pop(key)
        self._bytes -= len(rendered.body)

    async def _check_generation(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < self.check_seconds:
            return
        self._checked_at = now  # before the await: one request checks, the others go on
        try:
            async with self.db.session() as session:
                generation = await session.scalar(
                    select(NodeCounter.value).where(NodeCounter.name == self.generation)
                )
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            # Nothing can change while the database is gone: what is kept stays good, and a
            # miss reaches the route, whose 503 the error handlers give (this runs before).
            return
        if generation != self._generation:
            self.clear()
            self._generation = generation


def response_of(rendered: Rendered) -> Response:
    return Response(
        rendered.body,
        status_code=rendered.status,
        media_type=rendered.media_type,
        headers=dict(rendered.headers),
    )


def rendered_of(response: Response) -> Rendered:
    """What to keep of a response this node just built (its body is already bytes)."""
    headers = tuple(
        (name, value)
        for name, value in response.headers.items()
        if name not in {"content-length", "content-type"}
    )
    return Rendered(response.status_code, bytes(response.body), response.media_type or "", headers)


CACHED_STATUSES = frozenset({200, 410})


async def cached(
    cache: RenderedCache, key: str, build: Callable[[], Awaitable[Response]]
) -> Response:
    """The kept rendering of `key`, or `build()`'s response, kept when it is a document
    (200) or a tombstone (410); errors are never kept."""
    hit = await cache.get(key)
    if hit is not None:
        return response_of(hit)  # the fast path (federation/fast_path.py) sends it sooner
    epoch = cache.epoch
    response = await build()
    if response.status_code in CACHED_STATUSES:
        cache.put(key, rendered_of(response), epoch)
    return response
