"""Every URI of the node is minted and recognised here, for routes and serialisers alike.

It sits at the top of the package, below `content`, because publishing needs ids as much as
federation does; it knows nothing but the node's base URL.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

NODE_ACTOR_PATH = "/actor"
SHARED_INBOX_PATH = "/inbox"


@dataclass(frozen=True, slots=True)
class Uris:
    base_url: str  # scheme://host[:port], no trailing slash

    @property
    def host(self) -> str:
        """host[:port] as it appears in URLs and in `acct:` handles of this node."""
        return urlsplit(self.base_url).netloc

    def absolute(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def actor(self, slug: str) -> str:
        return f"{self.base_url}/@{slug}"

    def inbox(self, slug: str) -> str:
        return f"{self.actor(slug)}/inbox"

    def outbox(self, slug: str) -> str:
        return f"{self.actor(slug)}/outbox"

    def followers(self, slug: str) -> str:
        return f"{self.actor(slug)}/followers"

    def following(self, slug: str) -> str:
        return f"{self.actor(slug)}/following"

    def featured(self, slug: str) -> str:
        return f"{self.actor(slug)}/featured"

    def object(self, slug: str, public_id: str) -> str:
        return f"{self.actor(slug)}/objects/{public_id}"

    @staticmethod
    def replies(object_ap_id: str) -> str:
        """The `replies` collection of one of our objects."""
        return f"{object_ap_id}/replies"

    def shared_inbox(self) -> str:
        return self.absolute(SHARED_INBOX_PATH)

    def node_actor(self) -> str:
        return self.absolute(NODE_ACTOR_PATH)

    def node_inbox(self) -> str:
        return f"{self.node_actor()}/inbox"

    def node_outbox(self) -> str:
        return f"{self.node_actor()}/outbox"

    def node_followers(self) -> str:
        return f"{self.node_actor()}/followers"

    def activity(self, public_id: str | None = None) -> str:
        return self.absolute(f"/activities/{public_id or new_public_id()}")

    @staticmethod
    def key_id(actor_ap_id: str) -> str:
        return f"{actor_ap_id}#main-key"

    def is_local(self, url: str) -> bool:
        """True for a URL on this node, however it is spelled: any case, a trailing dot, the
        default port written out or left out, http for https, `localhost` for `127.0.0.1`.

        A literal comparison once let a follower whose inbox was `https://NODE.EXAMPLE/inbox`
        make the node deliver to itself and overwrite its own objects.
        """
        theirs = _origin(url)
        return theirs is not None and theirs == _origin(self.base_url)


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, int] | None:
    """(host, port) in one spelling; the scheme only decides the default port, and 80/443 of
    the same host count as one (a reverse proxy answers both)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except (ValueError, AttributeError):
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return None
    host = _canonical_host(parts)
    if host is None:
        return None
    port = port or DEFAULT_PORTS[scheme]
    return host, 443 if port == 80 else port


def _canonical_host(parts: SplitResult) -> str | None:
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    address = getattr(address, "ipv4_mapped", None) or address
    return "loopback" if address.is_loopback else str(address)


def new_public_id() -> str:
    return uuid.uuid4().hex
