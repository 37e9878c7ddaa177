"""Rendered JSON of what peers fetch most (actors, objects, WebFinger, NodeInfo), kept as bytes.

A boosted post brings thousands of fetches of the same actor and object in minutes; each
would otherwise cost a database round trip and a serialisation. Entries are dropped at once
when this process commits a change to local content (models/changes.py), and when another
process (the CLI, a worker, another web process) did: every `check_seconds` one request reads
the `content` generation from the database and clears the cache if it moved. Bounded in
entries (least recently used go first), so random URLs cannot grow it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi.responses import Response
from sqlalchemy import select

from migrantnet.db import Database
from migrantnet.models.counts import CONTENT_GENERATION, NodeCounter


@dataclass(frozen=True, slots=True)
class Rendered:
    status: int
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()


class RenderedCache:
    def __init__(self, db: Database, *, entries: int, check_seconds: float) -> None:
        self.db = db
        self.entries = entries
        self.check_seconds = check_seconds
        self._items: OrderedDict[str, Rendered] = OrderedDict()
        # Grows on every clear: a rendering begun before a clear is not stored after it.
        self.epoch = 0
        self._generation: int | None = None
        self._checked_at = float("-inf")
        db.content_listeners.append(self.clear)

    def clear(self) -> None:
        self._items.clear()
        self.epoch += 1

    async def get(self, key: str) -> Rendered | None:
        if self.entries == 0:
            return None
        await self._check_generation()
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: str, value: Rendered, epoch: int) -> None:
        """Keep `value`, rendered from what the database held at `epoch` (read just after
        the `get` that missed)."""
        if self.entries == 0 or epoch != self.epoch:
            return
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.entries:
            self._items.popitem(last=False)

    async def _check_generation(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < self.check_seconds:
            return
        self._checked_at = now  # before the await: one request checks, the others go on
        async with self.db.session() as session:
            generation = await session.scalar(
                select(NodeCounter.value).where(NodeCounter.name == CONTENT_GENERATION)
            )
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
        return response_of(hit)
    epoch = cache.epoch
    response = await build()
    if response.status_code in CACHED_STATUSES:
        cache.put(key, rendered_of(response), epoch)
    return response
