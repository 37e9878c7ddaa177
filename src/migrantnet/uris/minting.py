"""`Uris`: the ids, links and sub-resources of one node, filled in from the route templates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urlencode, urlsplit

from migrantnet.uris.origins import origin_of
from migrantnet.uris.paths import (
    ACTIVITY_PATH,
    ACTOR_CALENDAR_PATH,
    ACTOR_INBOX_PATH,
    ACTOR_PATH,
    AGENDA_CALENDAR_PATH,
    AGENDA_MONTH_PATH,
    AGENDA_PATH,
    ATOM_FEED_PATH,
    AUTHORIZE_INTERACTION_PATH,
    DIRECTORY_FOLLOW_PATH,
    DIRECTORY_PATH,
    EVENT_CALENDAR_PATH,
    FEATURED_PATH,
    FOLLOWERS_PATH,
    FOLLOWING_PATH,
    GROUP_THREAD_MODERATE_PATH,
    GROUP_THREAD_PATH,
    GROUP_THREAD_REPLY_PATH,
    GROUP_THREADS_PATH,
    INVITE_PATH,
    MEDIA_PREFIX,
    NODE_ACTOR_PATH,
    NODE_FOLLOWERS_PATH,
    NODE_INBOX_PATH,
    NODE_OUTBOX_PATH,
    NODEINFO_20_PATH,
    NODEINFO_21_PATH,
    OBJECT_ACTIVITY_PATH,
    OBJECT_PATH,
    OUTBOX_PATH,
    REMOTE_FOLLOW_PATH,
    REMOTE_GROUP_THREAD_PATH,
    REMOTE_GROUP_THREAD_REPLY_PATH,
    REMOTE_GROUP_THREADS_PATH,
    RESET_PATH,
    RSS_FEED_PATH,
    SHARED_INBOX_PATH,
    TAG_PATH,
    WEBFINGER_PATH,
)


def _with_kind(path: str, kind: str | None) -> str:
    return path + (f"?kind={kind}" if kind else "")


@dataclass(frozen=True, slots=True)
class Uris:
    base_url: str  # scheme://host[:port], no trailing slash
    # The base URL's origin, worked out once: `is_local` is asked several times an activity.
    _origin: tuple[str, int] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_origin", origin_of(self.base_url))

    @property
    def host(self) -> str:
        """host[:port] as it appears in URLs and in `acct:` handles of this node."""
        return urlsplit(self.base_url).netloc

    def absolute(self, path: str) -> str:
        return f"{self.base_url}{path}"

    # Paths (no host), for links between our own pages.

    @staticmethod
    def directory_path(query: str = "") -> str:
        return DIRECTORY_PATH + query

    @staticmethod
    def directory_follow_path(ap_id: str) -> str:
        """The Follow page of an actor elsewhere that the directory lists."""
        return f"{DIRECTORY_FOLLOW_PATH}?{urlencode({'id': ap_id})}"

    @staticmethod
    def group_threads_path(slug: str, before: str | None = None) -> str:
        path = GROUP_THREADS_PATH.format(slug=slug)
        return f"{path}?{urlencode({'before': before})}" if before else path

    @staticmethod
    def group_thread_path(slug: str, thread_id: int, reply_to: int | None = None) -> str:
        path = GROUP_THREAD_PATH.format(slug=slug, thread_id=thread_id)
        return f"{path}?reply_to={reply_to}#reply-form" if reply_to is not None else path

    @staticmethod
    def group_thread_reply_path(slug: str, thread_id: int) -> str:
        return GROUP_THREAD_REPLY_PATH.format(slug=slug, thread_id=thread_id)

    @staticmethod
    def remote_group_threads_path(handle: str, before: str | None = None) -> str:
        """A remote group's threads as this node keeps them (`handle`: `name@host`)."""
        path = REMOTE_GROUP_THREADS_PATH.format(handle=quote(handle, safe="@:"))
        return f"{path}?{urlencode({'before': before})}" if before else path

    @staticmethod
    def remote_group_thread_path(handle: str, thread_id: int, reply_to: int | None = None) -> str:
        path = REMOTE_GROUP_THREAD_PATH.format(handle=quote(handle, safe="@:"), thread_id=thread_id)
        return f"{path}?reply_to={reply_to}#reply-form" if reply_to is not None else path

    @staticmethod
    def remote_group_thread_reply_path(handle: str, thread_id: int) -> str:
        return REMOTE_GROUP_THREAD_REPLY_PATH.format(
            handle=quote(handle, safe="@:"), thread_id=thread_id
        )

    @staticmethod
    def group_thread_moderate_path(slug: str, thread_id: int) -> str:
        return GROUP_THREAD_MODERATE_PATH.format(slug=slug, thread_id=thread_id)

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
        default port written out or left out, http for https, `localhost` for `127.0.0.1`."""
        origin = origin_of(url)
        return origin is not None and origin == self._origin


def new_public_id() -> str:
    return uuid.uuid4().hex
