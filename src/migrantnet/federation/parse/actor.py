"""Actor documents (Person, Group, Organization, Application, Service …).

What we must get right here is delivery and trust: the inbox we post to and
the key we verify signatures with.  Everything else is presentation and is
read leniently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from migrantnet.content.html import is_blank_html, sanitize_html
from migrantnet.federation.normalize import (
    bounded,
    first_id,
    get_prop,
    ids,
    is_http_uri,
    language_map,
    parse_datetime,
    plain_text,
    type_names,
)
from migrantnet.federation.normalize import link_url as _link_url
from migrantnet.federation.parse.actor_profile import actor_country, actor_topics
from migrantnet.federation.parse.errors import ParseError

__all__ = ["ACTOR_TYPES", "ParsedActor", "parse_actor"]

ACTOR_TYPES: frozenset[str] = frozenset(
    {"Person", "Group", "Organization", "Application", "Service", "Feed"}
)


@dataclass(frozen=True, slots=True)
class ParsedActor:
    ap_id: str
    type: str
    username: str | None
    name: str | None
    summary: str | None
    url: str | None
    inbox: str
    shared_inbox: str | None
    outbox: str | None
    followers: str | None
    following: str | None
    featured: str | None
    icon_url: str | None
    public_key_id: str | None
    public_key_pem: str | None
    manually_approves_followers: bool
    discoverable: bool
    published: datetime | None
    also_known_as: tuple[str, ...]
    moved_to: str | None
    country: str | None = None  # as written: a code or a name (`actor_profile`)
    topics: tuple[str, ...] = ()


def parse_actor(doc: Mapping[str, Any]) -> ParsedActor:
    """Read an actor; ``ParseError`` when it has no id or nowhere to deliver to."""
    if not isinstance(doc, Mapping):
        raise ParseError("", "actor document is not a JSON object")
    ap_id = _own_id(doc)
    if ap_id is None:
        raise ParseError("id", "actor has no usable http(s) id")
    inbox = first_id(doc.get("inbox"))
    if inbox is None:
        raise ParseError("inbox", "actor has no usable inbox")
    key_id, key_pem = _public_key(doc, ap_id)
    return ParsedActor(
        ap_id=ap_id,
        type=_actor_type(doc),
        username=plain_text(doc.get("preferredUsername")),
        name=_display_name(doc),
        summary=_summary(doc, ap_id),
        url=_link_url(doc.get("url")),
        inbox=inbox,
        shared_inbox=_shared_inbox(doc),
        outbox=first_id(doc.get("outbox")),
        followers=first_id(doc.get("followers")),
        following=first_id(doc.get("following")),
        featured=first_id(get_prop(doc, "featured")),
        icon_url=_icon_url(doc.get("icon"), ap_id),
        public_key_id=key_id,
        public_key_pem=key_pem,
        manually_approves_followers=get_prop(doc, "manuallyApprovesFollowers") is True,
        discoverable=get_prop(doc, "discoverable") is True,
        published=parse_datetime(doc.get("published")),
        also_known_as=tuple(ids(get_prop(doc, "alsoKnownAs"))),
        moved_to=first_id(get_prop(doc, "movedTo")),
        country=actor_country(doc),
        topics=actor_topics(doc),
    )


def _own_id(doc: Mapping[str, Any]) -> str | None:
    value = doc.get("id")
    return value if is_http_uri(value) else None


def _actor_type(doc: Mapping[str, Any]) -> str:
    names = type_names(doc)
    for name in names:
        if name in ACTOR_TYPES:
            return name
    return names[0] if names else "Person"


def _display_name(doc: Mapping[str, Any]) -> str | None:
    name = plain_text(doc.get("name"))
    if name is None:
        for value in language_map(doc, "name").values():
            name = plain_text(value)
            if name:
                break
    return name


def _summary(doc: Mapping[str, Any], ap_id: str) -> str | None:
    for value in language_map(doc, "summary").values():
        cleaned = sanitize_html(value, base_url=ap_id)
        if not is_blank_html(cleaned):
            return cleaned
    return None


def _shared_inbox(doc: Mapping[str, Any]) -> str | None:
    endpoints = doc.get("endpoints")
    if isinstance(endpoints, Mapping):
        found = first_id(get_prop(endpoints, "sharedInbox"))
        if found:
            return found
    # Discourse and Misskey also put it at the top level.  A bare URL string in
    # ``endpoints`` (Kroeg) points at an endpoints object, not at an inbox.
    return first_id(get_prop(doc, "sharedInbox"))


def _icon_url(value: Any, base: str) -> str | None:
    """Pick the avatar: a URL string, an Image, or a list of sizes (largest wins)."""
    best: tuple[int, int, str] | None = None
    for position, item in enumerate(bounded(value, 64)):
        url = _image_url(item, base)
        if url is None:
            continue
        width = item.get("width") if isinstance(item, Mapping) else None
        size = width if isinstance(width, int) and not isinstance(width, bool) else -1
        rank = (size, -position, url)
        if best is None or rank > best:
            best = rank
    return best[2] if best else None


def _image_url(item: Any, base: str) -> str | None:
    raw: Any = item
    if isinstance(item, Mapping):
        raw = item.get("url") if item.get("url") is not None else item.get("href")
        if isinstance(raw, Mapping | list):
            return _link_url(raw, prefer="image/")
    if not isinstance(raw, str) or not raw.strip():
        return None
    if is_http_uri(raw):
        return raw
    # Some servers send a path relative to the actor (Mastodon's old ``image``).
    joined = urljoin(base, raw.strip())
    return joined if is_http_uri(joined) else None


def _public_key(doc: Mapping[str, Any], ap_id: str) -> tuple[str | None, str | None]:
    """The actor's own key: among several, the one whose owner is the actor.

    A key that names a different owner is never returned — taking it would let
    one document vouch for another actor's signatures.
    """
    ownerless: tuple[str | None, str | None] | None = None
    for key in bounded(doc.get("publicKey"), 16):
        if not isinstance(key, Mapping):
            continue
        pem = key.get("publicKeyPem")
        if not isinstance(pem, str) or "BEGIN" not in pem:
            continue
        key_id = key.get("id") if is_http_uri(key.get("id")) else None
        owner = first_id(key.get("owner"))
        if owner == ap_id:
            return key_id, pem.strip() + "\n"
        if owner is None and ownerless is None:
            ownerless = (key_id, pem.strip() + "\n")
    return ownerless or (None, None)
