"""JSON-LD contexts we emit, bundled: we never fetch a `@context` at run time.

Peers do not JSON-LD-process ordinary payloads (Mastodon only checks that the ActivityStreams
IRI is present), but terms we use beyond ActivityStreams are declared so a processor can.
"""

from __future__ import annotations

from typing import Any

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_FORMS = frozenset({PUBLIC, "as:Public", "Public"})
MIGRANTNET_NS = "https://migrantnet.org/ns#"

AP_CONTENT_TYPE = "application/activity+json"
LD_CONTENT_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

EXTENSION_TERMS: dict[str, Any] = {
    "mn": MIGRANTNET_NS,
    "toot": "http://joinmastodon.org/ns#",
    "schema": "http://schema.org#",
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
}

ACTOR_CONTEXT: list[Any] = [AS_CONTEXT, SECURITY_CONTEXT, EXTENSION_TERMS]
OBJECT_CONTEXT: list[Any] = [AS_CONTEXT, EXTENSION_TERMS]


def is_activity_json(content_type: str | None) -> bool:
    """Tolerant, as peers are: activity+json, ld+json (with or without profile), plain json."""
    if not content_type:
        return False
    media = content_type.split(";")[0].strip().lower()
    return media in {"application/activity+json", "application/ld+json", "application/json"}


def wants_activity_json(accept: str | None) -> bool:
    """Content negotiation: any Accept naming activity+json or ld+json gets ActivityStreams."""
    accept = (accept or "").lower()
    return "application/activity+json" in accept or "application/ld+json" in accept
