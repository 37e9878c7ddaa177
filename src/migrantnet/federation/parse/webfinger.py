"""WebFinger JRD documents (RFC 7033), as answered by fediverse servers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from migrantnet.federation.normalize import bounded, is_http_uri

__all__ = ["WebFingerResult", "parse_webfinger"]

_PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
_SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
_AS_PROFILE = "https://www.w3.org/ns/activitystreams"


@dataclass(frozen=True, slots=True)
class WebFingerResult:
    subject: str | None
    actor_url: str | None
    profile_url: str | None
    subscribe_template: str | None
    aliases: tuple[str, ...]


def parse_webfinger(jrd: Mapping[str, Any]) -> WebFingerResult:
    """Read a JRD.  Never raises: a JRD without a ``self`` link simply yields
    no ``actor_url`` (old GNU social), and the caller decides what that means."""
    if not isinstance(jrd, Mapping):
        return WebFingerResult(None, None, None, None, ())
    links = [link for link in bounded(jrd.get("links")) if isinstance(link, Mapping)]
    subject = jrd.get("subject")
    return WebFingerResult(
        subject=subject.strip() if isinstance(subject, str) and subject.strip() else None,
        actor_url=_actor_url(links),
        profile_url=_profile_url(links),
        subscribe_template=_subscribe_template(links),
        aliases=tuple(_aliases(jrd.get("aliases"))),
    )


def _rel(link: Mapping[str, Any]) -> str:
    rel = link.get("rel")
    return rel.strip() if isinstance(rel, str) else ""


def _is_activity_type(media_type: Any) -> bool:
    if not isinstance(media_type, str):
        return False
    value = media_type.strip().lower()
    if value.startswith("application/activity+json"):
        return True
    if value.startswith("application/ld+json"):
        return _AS_PROFILE in value.replace("'", '"')
    return False


def _actor_url(links: list[Mapping[str, Any]]) -> str | None:
    untyped: str | None = None
    for link in links:
        if _rel(link) != "self" or not is_http_uri(link.get("href")):
            continue
        if _is_activity_type(link.get("type")):
            return link["href"]
        if link.get("type") is None and untyped is None:
            untyped = link["href"]
    return untyped


def _profile_url(links: list[Mapping[str, Any]]) -> str | None:
    for link in links:
        if _rel(link) == _PROFILE_PAGE and is_http_uri(link.get("href")):
            media_type = link.get("type")
            if media_type is None or str(media_type).startswith("text/html"):
                return link["href"]
    return None


def _subscribe_template(links: list[Mapping[str, Any]]) -> str | None:
    for link in links:
        template = link.get("template")
        if _rel(link) == _SUBSCRIBE and isinstance(template, str) and "{uri}" in template:
            return template.strip()
    return None


def _aliases(value: Any) -> list[str]:
    """Aliases that are URIs (``https:``, ``acct:``); bare handles are dropped."""
    result: dict[str, None] = {}
    for item in bounded(value):
        if not isinstance(item, str) or not item.strip():
            continue
        alias = item.strip()
        try:
            scheme = urlsplit(alias).scheme
        except ValueError:
            continue
        usable = (scheme in ("http", "https") and is_http_uri(alias)) or scheme == "acct"
        if usable:
            result.setdefault(alias, None)
    return list(result)
