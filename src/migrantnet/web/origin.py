"""Every request is taken as addressed to the node's own origin, whatever `Host` it sent.

Starlette builds redirects (`/@demo/` -> `/@demo`) and `url_for` from the request's `Host`
header, so `Host: evil.test` once came back as `Location: http://evil.test/@demo` — a cache or
a proxy in front could then send visitors elsewhere. The node knows its domain; it uses it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class PinnedOrigin:
    """ASGI middleware: `Host` becomes the configured domain, the scheme the configured one."""

    def __init__(self, app: ASGIApp, *, domain: str, scheme: str) -> None:
        self.app = app
        self.host = domain.encode("latin-1")
        self.scheme = scheme

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            headers.append((b"host", self.host))
            scope = {**scope, "headers": headers, "scheme": self.scheme}
            if scope["type"] == "websocket":
                scope["scheme"] = "wss" if self.scheme == "https" else "ws"
        await self.app(scope, receive, send)
