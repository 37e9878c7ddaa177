"""Every URI of the node is minted and recognised here, for routes and serialisers alike.

It sits at the top of the package, below `content`, because publishing needs ids as much as
federation does; it knows nothing but the node's base URL.

The `*_PATH` constants are route templates: routers declare them, `Uris` fills them in, so a
path is spelled once. `tests/unit/test_uris_only_here.py` fails when a node path is written
anywhere else in `src/`.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import SplitResult, quote, urlencode, urlsplit

# An association (actor) and what hangs below it.
ACTOR_PREFIX = "/@"
ACTOR_PATH = ACTOR_PREFIX + "{slug}"
ACTOR_INBOX_PATH = ACTOR_PATH + "/inbox"
OUTBOX_PATH = ACTOR_PATH + "/outbox"
FOLLOWERS_PATH = ACTOR_PATH + "/followers"
FOLLOWING_PATH = ACTOR_PATH + "/following"
FEATURED_PATH = ACTOR_PATH + "/featured"
REMOTE_FOLLOW_PATH = ACTOR_PATH + "/follow"
ATOM_FEED_PATH = ACTOR_PATH + "/feed.atom"
RSS_FEED_PATH = ACTOR_PATH + "/feed.rss"
ACTOR_CALENDAR_PATH = ACTOR_PATH + "/agenda.ics"
OBJECT_PATH = ACTOR_PATH + "/objects/{public_id}"
OBJECT_ACTIVITY_PATH = OBJECT_PATH + "/activity"
SIGNATORIES_PATH = OBJECT_PATH + "/signatories"
REPLIES_PATH = OBJECT_PATH + "/replies"
# The node itself.
NODE_ACTOR_PATH = "/actor"
NODE_INBOX_PATH = NODE_ACTOR_PATH + "/inbox"
NODE_OUTBOX_PATH = NODE_ACTOR_PATH + "/outbox"
NODE_FOLLOWERS_PATH = NODE_ACTOR_PATH + "/followers"
SHARED_INBOX_PATH = "/inbox"
ACTIVITY_PATH = "/activities/{public_id}"
AUTHORIZE_INTERACTION_PATH = "/authorize_interaction"
# Pages and files.
TAG_PATH = "/tags/{tag}"
AGENDA_PATH = "/agenda"
AGENDA_MONTH_PATH = AGENDA_PATH + "/month/{month}"
AGENDA_CALENDAR_PATH = "/agenda.ics"
EVENT_CALENDAR_PATH = AGENDA_PATH + "/event.ics"
DIRECTORY_PATH = "/directory"
DIRECTORY_FOLLOW_PATH = DIRECTORY_PATH + "/follow"
MEDIA_PREFIX = "/media/"
# Links mailed to people: a password reset, an invitation.
RESET_PATH = "/reset/{token}"
INVITE_PATH = "/invite/{token}"
MEDIA_PATH = MEDIA_PREFIX + "{key:path}"
# Discovery (here and, for WebFinger, on other servers).
WELL_KNOWN_PREFIX = "/.well-known/"
WEBFINGER_PATH = WELL_KNOWN_PREFIX + "webfinger"
HOST_META_PATH = WELL_KNOWN_PREFIX + "host-meta"
NODEINFO_LINKS_PATH = WELL_KNOWN_PREFIX + "nodeinfo"
NODEINFO_PREFIX = "/nodeinfo/"
NODEINFO_21_PATH = NODEINFO_PREFIX + "2.1"
NODEINFO_20_PATH = NODEINFO_PREFIX + "2.0"
# Paths that are never ActivityPub documents, whatever a request's Accept says.
NOT_ACTIVITYPUB_PREFIXES = (
    WELL_KNOWN_PREFIX,
    NODEINFO_PREFIX,
    "/api/",
    "/static/",
    MEDIA_PREFIX,
    "/healthz",
)
# Paths that only ever answer ActivityStreams.
ACTIVITYPUB_ONLY_PATHS = (
    NODE_ACTOR_PATH,
    NODE_OUTBOX_PATH,
    NODE_FOLLOWERS_PATH,
    OUTBOX_PATH,
    FOLLOWERS_PATH,
    FOLLOWING_PATH,
    FEATURED_PATH,
    ACTIVITY_PATH,
    OBJECT_ACTIVITY_PATH,
    SIGNATORIES_PATH,
)
ACTOR_DOCUMENT_PATHS = (NODE_ACTOR_PATH, ACTOR_PATH)


def _matcher(*templates: str) -> re.Pattern[str]:
    """One pattern for route templates: each `{name}` is one non-empty path segment."""
    parts = (re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template)) for template in templates)
    return re.compile("^(" + "|".join(parts) + ")$")


_ACTIVITYPUB_ONLY = _matcher(*ACTIVITYPUB_ONLY_PATHS)
_ACTOR_DOCUMENTS = _matcher(*ACTOR_DOCUMENT_PATHS)


def _capturing(template: str) -> re.Pattern[str]:
    """A route template's pattern, each `{name}` captured as one path segment."""
    return re.compile(
        "^" + re.sub(r"\\\{([a-z_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
    )


_ACTOR_PATH = _capturing(ACTOR_PATH)
_OBJECT_PATH = _capturing(OBJECT_PATH)


def parse_actor_path(path: str) -> str | None:
    """The slug of an actor's path (`/@slug`), or None."""
    match = _ACTOR_PATH.match(path)
    return match["slug"] if match else None


def parse_object_path(path: str) -> tuple[str, str] | None:
    """(slug, public id) of an object's path (`/@slug/objects/id`), or None."""
    match = _OBJECT_PATH.match(path)
    return (match["slug"], match["public_id"]) if match else None


def is_activitypub_only_path(path: str) -> bool:
    return bool(_ACTIVITYPUB_ONLY.match(path))


def is_actor_document_path(path: str) -> bool:
    return bool(_ACTOR_DOCUMENTS.match(path))


def is_never_activitypub_path(path: str) -> bool:
    return path.startswith(NOT_ACTIVITYPUB_PREFIXES)


def webfinger_url(scheme: str, host: str) -> str:
    """The WebFinger endpoint of any server (ours or a peer's), without its query."""
    return f"{scheme}://{host}{WEBFINGER_PATH}"


def _with_kind(path: str, kind: str | None) -> str:
    return path + (f"?kind={kind}" if kind else "")


@dataclass(frozen=True, slots=True)
class Uris:
    base_url: str  # scheme://host[:port], no trailing slash

    @property
    def host(self) -> str:
        """host[:port] as it appears in URLs and in `acct:` handles of this node."""
        return urlsplit(self.base_url).netloc

    def absolute(self, path: str) -> str:
        return f"{self.base_url}{path}"

    # Paths (no host), for links between our own pages.

    @staticmethod
    def actor_path(slug: str) -> str:
        return ACTOR_PATH.format(slug=slug)

    @staticmethod
    def object_path(slug: str, public_id: str) -> str:
        return OBJECT_PATH.format(slug=slug, public_id=public_id)

    @staticmethod
    def kind_section_path(slug: str, kind: str) -> str:
        """An association's page narrowed to one kind of content."""
        return _with_kind(ACTOR_PATH.format(slug=slug), kind)

    @staticmethod
    def feed_path(slug: str, suffix: str, kind: str | None = None) -> str:
        """`suffix` is `atom` or `rss`; `kind` narrows the feed to one kind."""
        template = ATOM_FEED_PATH if suffix == "atom" else RSS_FEED_PATH
        return _with_kind(template.format(slug=slug), kind)

    @staticmethod
    def actor_calendar_path(slug: str) -> str:
        return ACTOR_CALENDAR_PATH.format(slug=slug)

    @staticmethod
    def remote_follow_path(slug: str) -> str:
        return REMOTE_FOLLOW_PATH.format(slug=slug)

    @staticmethod
    def tag_path(tag: str) -> str:
        return TAG_PATH.format(tag=tag)

    @staticmethod
    def media_path(storage_key: str) -> str:
        """Where an uploaded file is served (`web/media.py`), whatever the storage."""
        return MEDIA_PREFIX + storage_key

    @staticmethod
    def agenda_path(query: str = "") -> str:
        """`query` is the agenda's filters, `?...` or empty."""
        return AGENDA_PATH + query

    @staticmethod
    def directory_path(query: str = "") -> str:
        return DIRECTORY_PATH + query

    @staticmethod
    def directory_follow_path(ap_id: str) -> str:
        """The Follow page of an actor elsewhere that the directory lists."""
        return f"{DIRECTORY_FOLLOW_PATH}?{urlencode({'id': ap_id})}"

    @staticmethod
    def agenda_month_path(month: str, query: str = "") -> str:
        return AGENDA_MONTH_PATH.format(month=month) + query

    @staticmethod
    def agenda_calendar_path(query: str = "") -> str:
        """`query` is the agenda's filters, `?...` or empty."""
        return AGENDA_CALENDAR_PATH + query

    @staticmethod
    def event_calendar_path(event_ap_id: str) -> str:
        return f"{EVENT_CALENDAR_PATH}?{urlencode({'id': event_ap_id})}"

    @staticmethod
    def authorize_interaction_path(target: str, *, safe: str = "") -> str:
        """Our page to follow or co-sign `target`; `safe` are the characters left unquoted."""
        return f"{AUTHORIZE_INTERACTION_PATH}?uri={quote(target, safe=safe)}"

    # Absolute URIs: ids of actors, objects and collections, and links given to others.

    def actor(self, slug: str) -> str:
        return self.absolute(self.actor_path(slug))

    def inbox(self, slug: str) -> str:
        return self.absolute(ACTOR_INBOX_PATH.format(slug=slug))

    def outbox(self, slug: str) -> str:
        return self.absolute(OUTBOX_PATH.format(slug=slug))

    def followers(self, slug: str) -> str:
        return self.absolute(FOLLOWERS_PATH.format(slug=slug))

    def following(self, slug: str) -> str:
        return self.absolute(FOLLOWING_PATH.format(slug=slug))

    def featured(self, slug: str) -> str:
        return self.absolute(FEATURED_PATH.format(slug=slug))

    def object(self, slug: str, public_id: str) -> str:
        return self.absolute(self.object_path(slug, public_id))

    def object_activity(self, slug: str, public_id: str) -> str:
        """The Create of one of our objects, by the object's route."""
        return self.absolute(OBJECT_ACTIVITY_PATH.format(slug=slug, public_id=public_id))

    def page(self, slug: str, kind: str | None = None) -> str:
        """An association's page (optionally narrowed to one kind), absolute, for feeds."""
        return self.absolute(_with_kind(self.actor_path(slug), kind))

    def feed(self, slug: str, suffix: str, kind: str | None = None) -> str:
        return self.absolute(self.feed_path(slug, suffix, kind))

    def actor_calendar(self, slug: str) -> str:
        return self.absolute(self.actor_calendar_path(slug))

    def agenda_calendar(self, query: str = "") -> str:
        return self.absolute(self.agenda_calendar_path(query))

    def tag(self, tag: str) -> str:
        return self.absolute(self.tag_path(tag))

    def media(self, storage_key: str) -> str:
        return self.absolute(self.media_path(storage_key))

    def reset_link(self, token: str) -> str:
        return self.absolute(RESET_PATH.format(token=token))

    def invite_link(self, token: str) -> str:
        return self.absolute(INVITE_PATH.format(token=token))

    def authorize_interaction(self, target: str) -> str:
        return self.absolute(self.authorize_interaction_path(target))

    def authorize_interaction_template(self) -> str:
        """The OStatus subscribe template of WebFinger (`{uri}` left for the peer to fill)."""
        return self.absolute(f"{AUTHORIZE_INTERACTION_PATH}?uri={{uri}}")

    def webfinger_template(self) -> str:
        """host-meta's LRDD template (`{uri}` left for the peer to fill)."""
        return self.absolute(f"{WEBFINGER_PATH}?resource={{uri}}")

    def nodeinfo(self, version: str) -> str:
        return self.absolute(NODEINFO_21_PATH if version == "2.1" else NODEINFO_20_PATH)

    def shared_inbox(self) -> str:
        return self.absolute(SHARED_INBOX_PATH)

    def node_actor(self) -> str:
        return self.absolute(NODE_ACTOR_PATH)

    def node_inbox(self) -> str:
        return self.absolute(NODE_INBOX_PATH)

    def node_outbox(self) -> str:
        return self.absolute(NODE_OUTBOX_PATH)

    def node_followers(self) -> str:
        return self.absolute(NODE_FOLLOWERS_PATH)

    def activity(self, public_id: str | None = None) -> str:
        return self.absolute(ACTIVITY_PATH.format(public_id=public_id or new_public_id()))

    # Ids derived from another id: sub-resources of our objects and activities about them.

    @staticmethod
    def key_id(actor_ap_id: str) -> str:
        return f"{actor_ap_id}#main-key"

    @staticmethod
    def replies(object_ap_id: str) -> str:
        """The `replies` collection of one of our objects."""
        return f"{object_ap_id}/replies"

    @staticmethod
    def signatories(declaration_ap_id: str) -> str:
        """The co-signers collection of one of our declarations."""
        return f"{declaration_ap_id}/signatories"

    @staticmethod
    def create_of(object_ap_id: str) -> str:
        """The Create of one of our objects."""
        return f"{object_ap_id}/activity"

    @staticmethod
    def relay_of(object_ap_id: str) -> str:
        """The node actor's Announce of an object to the node's followers."""
        return f"{object_ap_id}/relay"

    @staticmethod
    def undo_of(activity_ap_id: str) -> str:
        return f"{activity_ap_id}/undo"

    @staticmethod
    def update_of(ap_id: str, now: datetime) -> str:
        """Each edit gets its own id, as Mastodon's `#updates/<time>`, so it is not deduplicated."""
        return f"{ap_id}#updates/{int(now.timestamp() * 1000)}"

    @staticmethod
    def delete_of(ap_id: str) -> str:
        return f"{ap_id}#delete"

    @staticmethod
    def collection_page(collection_id: str, **cursor: str | int | None) -> str:
        """A page of an ordered collection; cursor values left out when empty."""
        return f"{collection_id}?page=true" + "".join(
            f"&{name}={value}" for name, value in cursor.items() if value
        )

    # Recognising.

    @staticmethod
    def public_id_of(object_ap_id: str) -> str:
        """The public id of one of our objects: the last segment of its id."""
        return object_ap_id.rstrip("/").rsplit("/", 1)[-1]

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
