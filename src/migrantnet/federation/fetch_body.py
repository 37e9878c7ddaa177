"""Reading a response for the safe client: a body bounded while it streams (gzip included),
and httpx's exceptions mapped onto the one `FetchError` family callers handle.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator
from typing import Any

import httpx

from migrantnet.federation.fetch_errors import (
    AddressNotAllowed,
    BadDocument,
    ConnectionFailed,
    FetchTimeout,
    ResponseTooLarge,
)
from migrantnet.federation.pinned import ConnectRefused


class BodyCollector:
    """Accumulate a response body, stopping as soon as it passes the cap.

    gzip is decoded here rather than by httpx so that decompression itself is
    bounded (``max_length``): a few kilobytes of gzip can inflate to gigabytes,
    and httpx would inflate each network chunk in one go.
    """

    def __init__(self, url: str, content_encoding: str | None, limit: int) -> None:
        self._url = url
        self._limit = limit
        self._raw_bytes = 0
        self._body = bytearray()
        codings = [
            coding.strip().lower()
            for coding in (content_encoding or "").split(",")
            if coding.strip() and coding.strip().lower() != "identity"
        ]
        self._inflater: Any = None
        if codings in (["gzip"], ["x-gzip"]):
            self._inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        elif codings:
            raise BadDocument(url, f"unsupported Content-Encoding {content_encoding!r}")

    def _too_large(self) -> ResponseTooLarge:
        return ResponseTooLarge(self._url, f"body larger than {self._limit} bytes")

    def feed(self, chunk: bytes) -> None:
        self._raw_bytes += len(chunk)
        if self._raw_bytes > self._limit:
            raise self._too_large()
        if self._inflater is None:
            self._body += chunk
            return
        data = chunk
        while data and not self._inflater.eof:
            room = self._limit - len(self._body)
            try:
                # One byte more than fits tells "exactly full" from "too big".
                self._body += self._inflater.decompress(data, room + 1)
            except zlib.error as exc:
                raise BadDocument(self._url, f"corrupt gzip body: {exc}") from exc
            if len(self._body) > self._limit:
                raise self._too_large()
            data = self._inflater.unconsumed_tail

    def finish(self) -> bytes:
        if self._inflater is not None and not self._inflater.eof:
            raise BadDocument(self._url, "truncated gzip body")
        return bytes(self._body)


@contextlib.contextmanager
def translated(url: str) -> Iterator[None]:
    """Map httpx's exceptions (and our connect-time refusal) onto :class:`FetchError`."""
    try:
        yield
    except ConnectRefused as exc:
        raise AddressNotAllowed(url, str(exc)) from exc
    except httpx.TimeoutException as exc:
        raise FetchTimeout(url, f"{type(exc).__name__}: {exc}") from exc
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise AddressNotAllowed(url, f"{type(exc).__name__}: {exc}") from exc
    except (httpx.HTTPError, OSError) as exc:
        raise ConnectionFailed(url, f"{type(exc).__name__}: {exc}") from exc
