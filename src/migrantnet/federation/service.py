"""The federation service of one node: its settings, URIs, database and outgoing client.

Made once by the app factory (or the CLI) and handed to routes, handlers and the worker, so no
module keeps a global client or reads settings on its own.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from migrantnet import __version__
from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.federation.blocklist import BlockList
from migrantnet.federation.fetch import SafeClient, Signer
from migrantnet.federation.fetch_policy import FetchPolicy
from migrantnet.federation.inbox_guard import InboxGuard
from migrantnet.federation.inbox_intake import InboxIntake
from migrantnet.federation.known_keys import KnownKeys
from migrantnet.federation.rendered import RenderedCache
from migrantnet.federation.signatures.cavage import sign_request
from migrantnet.federation.signatures.primitives import load_private_key
from migrantnet.federation.unavailable_hosts import UnavailableHosts
from migrantnet.models import Actor, InboxActivity
from migrantnet.uris import Uris

if TYPE_CHECKING:
    from migrantnet.federation.inbox_processing import InboxApplier


class Federation:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.uris = Uris(settings.base_url)
        self.policy = FetchPolicy(
            allow_private_addresses=settings.allow_private_addresses,
            user_agent=f"migrantnet/{__version__} (+{settings.base_url})",
        )
        # What moderators blocked is neither fetched nor delivered to (every hop is asked).
        self.blocklist = BlockList(db, check_seconds=settings.render_cache_check_seconds)
        self.client = SafeClient(self.policy, guard=self.blocklist.guard)
        # Signers' keys and the hosts we gave up on, so the inbox reads them from memory.
        self.known_keys = KnownKeys(check_seconds=settings.render_cache_check_seconds)
        self.unavailable_hosts = UnavailableHosts(
            db, check_seconds=settings.render_cache_check_seconds
        )
        self.rendered = RenderedCache(
            db,
            entries=settings.render_cache_entries,
            check_seconds=settings.render_cache_check_seconds,
        )
        self.inbox_guard = InboxGuard(
            actor_per_minute=settings.inbox_actor_per_minute,
            domain_per_minute=settings.inbox_domain_per_minute,
            key_fetches_per_minute=settings.inbox_key_fetches_per_minute,
            failed_key_seconds=settings.inbox_failed_key_minutes * 60,
        )
        # Set when work is queued in this process, so an in-process worker starts at once.
        self.wakeup = asyncio.Event()
        # Stores accepted activities, those that arrive together in one transaction.
        self.inbox_intake = InboxIntake(db, InboxActivity.__table__, "ap_id")  # type: ignore[arg-type]
        # Applies accepted activities in batches (`inbox_processing.applier_for`).
        self.inbox_applier: InboxApplier | None = None

    @property
    def discovery_scheme(self) -> str:
        """https in production; plain http only on a node that itself runs without TLS (demos)."""
        return self.settings.scheme

    async def aclose(self) -> None:
        await self.client.aclose()

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


def signer_for(actor: Actor) -> Signer:
    """Sign each request when it is sent (and each redirect hop afresh), never ahead of time."""
    if actor.private_key_pem is None or actor.public_key_id is None:
        raise ValueError(f"actor {actor.ap_id} has no private key")
    private_key = load_private_key(actor.private_key_pem)
    key_id = actor.public_key_id

    def sign(method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        return sign_request(
            method,
            url,
            headers,
            body,
            key_id=key_id,
            private_key=private_key,
            now=datetime.now(UTC),
        )

    return sign
