"""The node's route templates, and the recognising of paths a request or an id carries.

Routers declare the `*_PATH` constants and `Uris` fills them in, so a path is spelled once.
"""

from __future__ import annotations

import re

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
# A group's threads (pages and their forms), `content/group_threads.py`.
GROUP_THREADS_PATH = ACTOR_PATH + "/threads"
GROUP_THREAD_PATH = GROUP_THREADS_PATH + "/{thread_id}"
GROUP_THREAD_REPLY_PATH = GROUP_THREAD_PATH + "/reply"
GROUP_THREAD_MODERATE_PATH = GROUP_THREAD_PATH + "/moderate"
# A remote group's threads as this node keeps them, by its handle (`name@host`): read, and
# answered by the member associations of ours (`web/remote_group_thread_pages.py`).
REMOTE_GROUP_THREADS_PATH = "/groups/{handle}/threads"
REMOTE_GROUP_THREAD_PATH = REMOTE_GROUP_THREADS_PATH + "/{thread_id}"
REMOTE_GROUP_THREAD_REPLY_PATH = REMOTE_GROUP_THREAD_PATH + "/reply"
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
RESET_PREFIX = "/reset/"
RESET_PATH = RESET_PREFIX + "{token}"
INVITE_PREFIX = "/invite/"
INVITE_PATH = INVITE_PREFIX + "{token}"
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
