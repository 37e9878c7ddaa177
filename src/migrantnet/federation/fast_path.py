"""Cached ActivityPub and discovery documents answered before routing.

A boosted post brings thousands of GETs of the same actor and object. Their renderings are
kept (`federation/rendered.py`), but a route reaches that cache only after FastAPI has matched
the nested routers and solved the page's dependencies (session, templates, settings): for
`/@slug`, whose route is also the HTML page's, that was ~1 ms of CPU for a cache hit against
~0.14 ms for a bare endpoint. This ASGI middleware asks the same cache, under the same keys,
first: a hit is answered with the kept bytes and headers; anything else goes on to the app.

It sits inside the fetch gate and every other middleware, so a fast answer gets the same
security headers, compression and `Vary` as the route's, and blocked signers are refused
before it. It steps aside, leaving the route to decide, for anything but a plain GET: under
authorized fetch, for a signed request (its signature is the gate's and the route's
business), for an HTML reader of a negotiating URL (`wants_activity_json` is the one
negotiation rule, as in the routes), and for a path the routes would not answer from the
cache.
"""

from __future__ import annotations

from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from migrantnet.federation.context import wants_activity_json
from migrantnet.federation.rendered import RenderedCache
from migrantnet.uris.paths import (
    ACTOR_PREFIX,
    HOST_META_PATH,
    NODE_ACTOR_PATH,
    NODEINFO_20_PATH,
    NODEINFO_21_PATH,
    NODEINFO_LINKS_PATH,
    WEBFINGER_PATH,
    parse_actor_path,
    parse_object_path,
)

# Paths answered the same whatever the Accept header, with their cache keys.
FIXED_KEYS = {
    NODE_ACTOR_PATH: "actor:",
    NODEINFO_21_PATH: "nodeinfo:2.1",
    NODEINFO_20_PATH: "nodeinfo:2.0",
    NODEINFO_LINKS_PATH: "nodeinfo:links",
    HOST_META_PATH: "host-meta",
}
# A request carrying any of these is signed (or authenticated): the slow path decides.
SIGNED = frozenset({b"signature", b"signature-input", b"authorization"})


def cache_key(path: str, query_string: bytes, accept: str | None) -> str | None:
    """The key under which the route keeps its rendering for this request, or None when the
    route would not answer it from the cache."""
    fixed = FIXED_KEYS.get(path)
    if fixed is not None:
        return fixed
    if path == WEBFINGER_PATH:
        resource = QueryParams(query_string.decode("latin-1")).get("resource")
        return f"webfinger:{resource}" if resource else None
    if not path.startswith(ACTOR_PREFIX) or not wants_activity_json(accept):
        return None
    if (slug := parse_actor_path(path)) is not None:
        return f"actor:{slug}"
    if (found := parse_object_path(path)) is not None:
        return f"object:{found[0]}/{found[1]}"
    return None


class ActivityFastPath:
    def __init__(self, app: ASGIApp, *, authorized_fetch: bool) -> None:
        self.app = app
        self.authorized_fetch = authorized_fetch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.authorized_fetch
            or scope["type"] != "http"
            or scope["method"] != "GET"
            or scope.get("root_path")
        ):
            await self.app(scope, receive, send)
            return
        accept: str | None = None
        for name, value in scope["headers"]:
            if name in SIGNED:
                await self.app(scope, receive, send)
                return
            if name == b"accept" and accept is None:  # the first, as Starlette's headers read
                accept = value.decode("latin-1")
        key = cache_key(scope["path"], scope.get("query_string", b""), accept)
        cache = _cache_of(scope) if key is not None else None
        hit = await cache.get(key) if cache is not None and key is not None else None
        if hit is None:
            await self.app(scope, receive, send)
            return
        await hit.send(send)


def _cache_of(scope: Scope) -> RenderedCache | None:
    fed = getattr(scope["app"].state, "federation", None)
    return fed.rendered if fed is not None else None
