"""Public HTML pages kept for readers who are not signed in.

The home page, an association's page, an object's page and the agenda cost 5-35 ms of CPU to
build (queries, views, Jinja2); most readers of a busy node are anonymous and see the same
bytes. This ASGI middleware keeps the rendered page and answers the next such reader with it.

- Only a plain GET of those paths, from a browser with no cookie other than the interface
  language's (`lang`): a session, a pre-session (forms' CSRF token) or the agenda's zone
  cookie means the page may be someone's own, and it goes to the app untouched. Never for
  ActivityStreams (`wants_activity_json`, the routes' own rule) nor an `Authorization`.
- Kept only when the app answered 200 with an HTML body, no `Set-Cookie` and nothing in
  `Cache-Control` forbidding it (`no-store`, `private`).
- Keyed by path and query, the interface language as `web/interface_language.py` resolved it
  (`?lang`, cookie, Accept-Language) and the reader's ordered Accept-Language (which text of
  a multilingual object is shown): two readers share a page only when both would get the
  same one. The pages already send `Vary: Accept-Language, Cookie`.
- Dropped at once on any committed change a public page can show (the `pages` generation of
  `models/changes.py`, read from the database by other processes every few seconds), and
  after `page_cache_seconds` whatever happens: the agenda's "upcoming" moves with the clock.
- Bounded in entries and bytes (least recently used go first).
- One rendering per page at a time: readers asking for a page while it is being built wait
  for that rendering (at most `WAIT_SECONDS`) instead of building it again, so an expired
  page under 50 concurrent readers costs one render, not 50 (the p99 of a page was the time
  of 50 renders in a row).

It sits inside every other middleware, so a kept page gets the same security headers,
compression and `Vary` as a fresh one.
"""

from __future__ import annotations

import asyncio
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from migrantnet.federation.context import wants_activity_json
from migrantnet.federation.rendered import Rendered, RenderedCache
from migrantnet.web.i18n import accepted_languages
from migrantnet.web.interface_language import COOKIE as LANGUAGE_COOKIE
from migrantnet.web.interface_language import language_of_scope

PAGES = re.compile(r"^(/|/agenda|/agenda/month/[^/]+|/@[^/]+|/@[^/]+/objects/[^/]+)$")
# A page larger than this is not kept (ours are 10-100 KB).
MAX_PAGE_BYTES = 512 * 1024
_NOT_KEPT = ("no-store", "private")
WAIT_SECONDS = 5.0


def only_language_cookie(header: str) -> bool:
    """True when the Cookie header holds nothing but the interface language."""
    for part in header.split(";"):
        name = part.split("=", 1)[0].strip()
        if name and name != LANGUAGE_COOKIE:
            return False
    return True


def page_key(scope: Scope, accept_language: str | None) -> str:
    language = scope.get("state", {}).get("interface_language") or language_of_scope(scope)
    query: bytes = scope.get("query_string", b"")
    wanted = ",".join(accepted_languages(accept_language))
    return f"{language}|{wanted}|{scope['path']}?{query.decode('latin-1')}"


class AnonymousPageCache:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Pages being built, by key: the cache's epoch when it began, and its outcome.
        self._building: dict[str, tuple[int, asyncio.Future[Rendered | None]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cache = self._cache_for(scope)
        if cache is None:
            await self.app(scope, receive, send)
            return
        accept = accept_language = None
        for name, value in scope["headers"]:
            if name == b"cookie" and not only_language_cookie(value.decode("latin-1")):
                await self.app(scope, receive, send)
                return
            if name == b"authorization":
                await self.app(scope, receive, send)
                return
            if name == b"accept" and accept is None:
                accept = value.decode("latin-1")
            elif name == b"accept-language" and accept_language is None:
                accept_language = value.decode("latin-1")
        if wants_activity_json(accept):
            await self.app(scope, receive, send)
            return
        key = page_key(scope, accept_language)
        hit = await cache.get(key)
        if hit is None:
            hit = await self._built_meanwhile(cache, key)
        if hit is not None:
            await hit.send(send)
            return
        future: asyncio.Future[Rendered | None] = asyncio.get_running_loop().create_future()
        self._building[key] = (cache.epoch, future)
        keeper = _Keeper(cache, key, send)
        try:
            await self.app(scope, receive, keeper)
        finally:
            if self._building.get(key, (0, None))[1] is future:
                del self._building[key]
            future.set_result(keeper.kept)

    async def _built_meanwhile(self, cache: RenderedCache, key: str) -> Rendered | None:
        """The page another request is building now, when it began after the last change."""
        building = self._building.get(key)
        if building is None or building[0] != cache.epoch:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(building[1]), WAIT_SECONDS)
        except TimeoutError:
            return None

    @staticmethod
    def _cache_for(scope: Scope) -> RenderedCache | None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope.get("root_path")
            or not PAGES.match(scope["path"])
        ):
            return None
        cache: RenderedCache | None = getattr(scope["app"].state, "page_cache", None)
        return cache


class _Keeper:
    """Passes the response on, and keeps a copy when it may be served to others."""

    def __init__(self, cache: RenderedCache, key: str, send: Send) -> None:
        self.cache = cache
        self.key = key
        self.send = send
        self.epoch = cache.epoch  # a change committed while rendering: not kept
        self.status = 0
        self.headers: tuple[tuple[bytes, bytes], ...] = ()
        self.media_type = ""
        self.chunks: list[bytes] | None = None
        self.size = 0
        self.kept: Rendered | None = None  # the whole page, when others may be sent it

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            # Copied before passing it on: outer middlewares add their headers in place.
            self.headers = tuple(message.get("headers", ()))
            self.status = message["status"]
            self.chunks = [] if self._keepable() else None
        elif message["type"] == "http.response.body" and self.chunks is not None:
            body: bytes = message.get("body", b"")
            self.size += len(body)
            if self.size > MAX_PAGE_BYTES:
                self.chunks = None
            else:
                self.chunks.append(body)
                if not message.get("more_body", False):
                    self._keep(b"".join(self.chunks))
        await self.send(message)

    def _keepable(self) -> bool:
        if self.status != 200:
            return False
        for name, value in self.headers:
            if name == b"set-cookie":
                return False
            if name == b"cache-control" and any(v in value.decode("latin-1") for v in _NOT_KEPT):
                return False
            if name == b"content-type":
                self.media_type = value.decode("latin-1")
        return self.media_type.startswith("text/html")

    def _keep(self, body: bytes) -> None:
        self.kept = Rendered(self.status, body, self.media_type, raw_headers=self.headers)
        self.cache.put(self.key, self.kept, self.epoch)
