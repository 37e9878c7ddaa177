"""No request body is read past a cap, before anything parses it or checks a token.

FastAPI parses a JSON body before the route's dependencies run, so the API once read 200 MB
sent without any token into memory before answering 401. Here the declared length is checked
before the first byte is read and the stream is counted as it arrives: a body over the cap
ends in 413 at once.
Uploads (multipart) get the media cap; everything else the JSON cap; a few paths their own
(`larger`: an association's export uploaded to import it).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPART_OVERHEAD = 64 * 1024  # boundaries and the other form fields around a file


class BodyTooLarge(HTTPException):
    """Raised from `receive` when the streamed body passes the cap (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


class BodyLimit:
    """ASGI middleware capping request bodies: `json_max` bytes, `upload_max` for multipart."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        json_max: int,
        upload_max: int,
        larger: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.json_max = json_max
        self.upload_max = upload_max + MULTIPART_OVERHEAD
        self.larger = {path: cap + MULTIPART_OVERHEAD for path, cap in (larger or {}).items()}

    def limit_for(self, scope: Scope) -> int:
        for name, value in scope["headers"]:
            if name == b"content-type":
                if value.lower().startswith(b"multipart/form-data"):
                    return self.larger.get(scope["path"], self.upload_max)
                break
        return self.json_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _declared_length(scope)
        received = 0

        async def counted() -> Message:
            # Raised as an HTTP error, so `web/errors.py` answers it like any other (413).
            nonlocal received
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 19 else None
    return None
