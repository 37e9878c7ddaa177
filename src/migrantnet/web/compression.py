"""gzip for what compresses: pages, JSON, CSS, JavaScript; never media.

A page of 20 items is ~25 KB of HTML and ~5 KB gzipped: on a cheap phone on a slow network
that is most of its load time. Starlette's middleware does the work; here is what it is told:
- below `MINIMUM_SIZE` bytes gzip costs more than it saves (WebFinger, small JSON);
- level 6: nearly the size of level 9 at a fraction of its CPU, per response;
- uploads (JPEG, PNG, WebP, GIF, PDF) are compressed already: they stream as they are, with
  their `Content-Length` and ranges; only a streamed text would be compressed chunk by chunk.
"""

from __future__ import annotations

from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

MINIMUM_SIZE = 1024
LEVEL = 6
EXCLUDED_TYPES = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf", "application/octet-stream")


class CompressWhenAsked:
    """Starlette's gzip layer, entered only by a request that accepts gzip.

    Starlette wraps every response, even for a client that asks no compression, only to add
    `Vary: Accept-Encoding` to it; for a cached ActivityPub document that wrapping was about
    a third of the node's own work per request (federating servers and load generators rarely
    ask gzip). An uncompressed answer without that `Vary` is still right for any client, so a
    shared cache that keeps it serves nothing wrong; a compressed one always carries it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(
            app,
            minimum_size=MINIMUM_SIZE,
            compresslevel=LEVEL,
            exclude_content_types=EXCLUDED_TYPES,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _accepts_gzip(scope):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _accepts_gzip(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return b"gzip" in value
    return False
