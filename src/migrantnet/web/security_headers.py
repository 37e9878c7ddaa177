"""Headers that make the browser refuse what our pages never do: inline scripts, framing,
sniffing a file as another type, leaking the page a visitor came from.

A Content-Security-Policy without `'unsafe-inline'` would have stopped the stored XSS of event
organizers and of association summaries on its own; the pages ship no inline script or style,
so nothing of ours needs it. A response that sets its own policy (uploaded media) keeps it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Swagger UI (/api/docs, web/api_docs.py) styles its elements inline.
DOCS_PATHS = frozenset({"/api/docs"})


def page_policy(https: bool) -> str:
    """The CSP of our HTML pages. Links and forms may lead to other servers (a visitor's home
    server for remote follow), over http too on a node that itself runs without TLS."""
    remote = "https:" if https else "https: http:"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: {remote}",
            f"media-src 'self' {remote}",
            "font-src 'self'",
            "connect-src 'self'",
            f"form-action 'self' {remote}",
            "base-uri 'none'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        )
    )


DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)

ALWAYS = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
)


class SecurityHeaders:
    """ASGI middleware: the headers above on every response, the CSP on HTML ones."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.policy = page_policy(https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope.get("path") in DOCS_PATHS else self.policy

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS:
                    if name not in headers:
                        headers[name] = value
                is_html = headers.get("content-type", "").startswith("text/html")
                if is_html and "content-security-policy" not in headers:
                    headers["content-security-policy"] = policy
            await send(message)

        await self.app(scope, receive, send_with_headers)
