"""Applying activities without waiting on the network inside a transaction.

A batch of inbox activities is applied in one transaction, which on SQLite holds the write
lock: a handler that fetched there (an object sent by id, an announced post, an unknown
actor) would make every accepted delivery wait on a remote server, a slow one for its whole
timeout. So inside `replaying(tape)`, the outgoing client does not send: it answers from the
tape what was fetched for this activity before, and for anything else it notes the request
and raises `NetworkDeferred`. The batch undoes that activity, the noted requests are sent
with no transaction open (`Tape.fetch`), and the activity is applied again from the tape.
The note holds even when a handler catches the exception and carries on: the tape, not the
exception, decides.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from migrantnet.federation.fetch import FetchResponse

_current: ContextVar[Tape | None] = ContextVar("fetch_tape", default=None)

RequestKey = tuple[str, str, bool]  # method, URL, whether a status >= 400 raises


class NetworkDeferred(Exception):
    """A request was about to be sent while replaying; nothing was sent."""

    def __init__(self, url: str) -> None:
        super().__init__(f"not fetched inside a transaction: {url}")
        self.url = url


@dataclass
class Tape:
    """What one activity's handling fetched: answers (or the errors they raised) by request,
    and the requests asked for and not yet sent."""

    answers: dict[RequestKey, FetchResponse | Exception] = field(default_factory=dict)
    wanted: dict[RequestKey, Callable[[], Awaitable[FetchResponse]]] = field(default_factory=dict)

    def answer(
        self, key: RequestKey, send: Callable[[], Awaitable[FetchResponse]]
    ) -> FetchResponse:
        """The recorded answer to `key`; else note `send` for later and raise."""
        if key in self.answers:
            answer = self.answers[key]
            if isinstance(answer, Exception):
                raise answer
            return answer
        self.wanted[key] = send
        raise NetworkDeferred(key[1])

    async def fetch(self) -> None:
        """Send what was asked for, all at once, and record the answers (errors included:
        the handler meets them again as it would have met them then)."""
        wanted, self.wanted = self.wanted, {}
        keys = list(wanted)
        results = await asyncio.gather(*(wanted[key]() for key in keys), return_exceptions=True)
        for key, result in zip(keys, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result
            self.answers[key] = result


@contextmanager
def replaying(tape: Tape) -> Iterator[Tape]:
    """Within this block (this task and the tasks it starts), requests are answered from
    `tape` or noted on it, never sent."""
    token = _current.set(tape)
    try:
        yield tape
    finally:
        _current.reset(token)


def current_tape() -> Tape | None:
    return _current.get()
