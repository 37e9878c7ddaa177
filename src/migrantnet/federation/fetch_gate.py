"""Who may read the node's ActivityPub documents: blocked peers never; under authorized fetch
only peers that sign their GETs.

An ASGI middleware, since ActivityStreams is served by many routes (the negotiating pages of
`web/` and the collections of `federation/routes`). It looks only at requests for ActivityPub
documents: GET and HEAD of an ActivityPub-only path, or of any page with an `Accept` naming
ActivityStreams. HTML pages for browsers, WebFinger, NodeInfo, the API and media are not its
concern.

- A signed request whose key is on a blocked host, or is the known key of a blocked account,
  is refused (403) before anything is fetched or read: checked against the block list in
  memory, so a flood of such GETs costs no database connection.
- With `MIGRANTNET_AUTHORIZED_FETCH` on, an unsigned request is refused (401), and a signature
  must verify (the signer's key may be fetched: no database connection is held meanwhile, as
  in the inbox). Actor documents (`/@slug`, `/actor`) stay readable unsigned: a peer needs our
  key to check our own signed requests and deliveries, as with Mastodon and GoToSocial.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from migrantnet.content.errors import Unavailable
from migrantnet.db import UNAVAILABLE_RETRY_AFTER, database_unavailable, unavailable_reason
from migrantnet.federation.actors import ActorUnavailable, host_of, store_actor
from migrantnet.federation.context import wants_activity_json
from migrantnet.federation.errors import (
    FederationError,
    NotAllowed,
    RateLimited,
    Unauthenticated,
)
from migrantnet.federation.service import Federation
from migrantnet.federation.signatures.cavage import parse_signature_header
from migrantnet.federation.signatures.primitives import SignatureError
from migrantnet.federation.signatures.verify import verify_request
from migrantnet.federation.signer_keys import KeyResolver
from migrantnet.logs import log_event
from migrantnet.uris.paths import (
    is_activitypub_only_path,
    is_actor_document_path,
    is_never_activitypub_path,
)

logger = logging.getLogger("migrantnet.federation.fetch_gate")

KEYID_9421 = re.compile(r'keyid="([^"]+)"', re.IGNORECASE)


def is_activitypub_read(method: str, path: str, accept: str | None) -> bool:
    if method not in ("GET", "HEAD") or is_never_activitypub_path(path):
        return False
    return is_activitypub_only_path(path) or wants_activity_json(accept)


def claimed_key_id(headers: Mapping[str, str]) -> str | None:
    """The key id a request says it is signed with (not yet verified)."""
    signature_input = headers.get("signature-input")
    if signature_input:
        match = KEYID_9421.search(signature_input)
        return match.group(1) if match else None
    signature = headers.get("signature")
    if not signature:
        return None
    try:
        return parse_signature_header(signature).get("keyId") or None
    except Exception:  # a malformed header is an unsigned request
        return None


class FetchGate:
    """`refuse` makes the answer to a refusal (one of `federation.errors`): the app passes
    `web.errors.scope_error_response`, so statuses stay in one table."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        authorized_fetch: bool,
        refuse: Callable[[Scope, Exception], Response],
    ) -> None:
        self.app = app
        self.authorized_fetch = authorized_fetch
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path: str = scope["path"]
        if not is_activitypub_read(scope["method"], path, headers.get("accept")):
            await self.app(scope, receive, send)
            return
        fed: Federation | None = getattr(scope["app"].state, "federation", None)
        refusal: Exception | None
        try:
            refusal = await self.check(fed, scope, headers) if fed is not None else None
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            # Outside the app's error handlers: the same 503 they give, said here.
            log_event(logger, "database_unavailable", reason=unavailable_reason(exc))
            refusal = Unavailable(
                "this node cannot reach its database just now: try again later",
                headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER)},
            )
        if refusal is not None:
            await self.refuse(scope, refusal)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def check(
        self, fed: Federation, scope: Scope, headers: Headers
    ) -> FederationError | None:
        """None to serve the request, else why it is refused."""
        key_id = claimed_key_id(headers)
        if key_id is not None:
            await fed.blocklist.refresh()
            if fed.blocklist.blocks_key(key_id):
                log_event(logger, "fetch_refused", reason="blocked", domain=host_of(key_id))
                return NotAllowed("this node does not serve its documents to your server")
        if not self.authorized_fetch or is_actor_document_path(scope["path"]):
            return None
        if key_id is None:
            log_event(logger, "fetch_refused", reason="unsigned")
            return Unauthenticated(
                "this node serves ActivityPub documents only to signed requests"
                " (authorized fetch): sign the GET with your actor's key",
                {"WWW-Authenticate": 'Signature realm="migrantnet"'},
            )
        return await self._verify(fed, scope, headers, key_id)

    async def _verify(
        self, fed: Federation, scope: Scope, headers: Headers, key_id: str
    ) -> FederationError | None:
        resolver = KeyResolver(fed)
        try:
            await verify_request(
                scope["method"],
                _external_url(fed, scope),
                headers,
                b"",
                key_lookup=resolver,
                now=datetime.now(UTC),
            )
        except SignatureError as exc:
            if isinstance(resolver.rate_limited, RateLimited):
                return resolver.rate_limited
            log_event(logger, "fetch_refused", reason="bad_signature", domain=host_of(key_id))
            return Unauthenticated(f"the signature was refused: {exc.reason}")
        if resolver.fetched is not None:
            async with fed.db.session(write=True) as session:
                try:
                    await store_actor(session, resolver.fetched, fed.now())
                    await session.commit()
                except (ActorUnavailable, IntegrityError):  # a race, an unusable id: serve anyway
                    await session.rollback()
        return None


def _external_url(fed: Federation, scope: Scope) -> str:
    """The URL as the signer saw it: our public base URL plus the raw, undecoded path."""
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    url = fed.settings.base_url + raw_path.decode("latin-1")
    query: bytes = scope.get("query_string", b"")
    return f"{url}?{query.decode('latin-1')}" if query else url
