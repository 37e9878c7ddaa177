"""Every URI of the node is minted and recognised here, for routes and serialisers alike.

It sits at the top of the package, below `content`, because publishing needs ids as much as
federation does; it knows nothing but the node's base URL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

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
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.base_url


def new_public_id() -> str:
    return uuid.uuid4().hex
