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

FEP_8A8E = "https://w3id.org/fep/8a8e/"

# What content objects add: events as FEP-8a8e, Mobilizon and Gancio write them, and the
# project's own terms (FEDERATION.md, "Content types"). Terms that ActivityStreams already
# defines (`location`, `startTime`, `audience`...) are never redefined.
CONTENT_TERMS: dict[str, Any] = {
    "mz": "https://joinmobilizon.org/ns#",
    "fedibird": "http://fedibird.com/ns#",
    "searchableBy": {"@id": "fedibird:searchableBy", "@type": "@id"},
    "ical": "http://www.w3.org/2002/12/cal/ical#",
    "timezone": f"{FEP_8A8E}timezone",
    "eventStatus": {"@id": f"{FEP_8A8E}eventStatus", "@type": "@vocab"},
    "EventScheduled": "schema:EventScheduled",
    "EventCancelled": "schema:EventCancelled",
    "EventTentative": f"{FEP_8A8E}EventTentative",
    "organizers": {"@id": f"{FEP_8A8E}organizers", "@type": "@id"},
    "joinMode": f"{FEP_8A8E}joinMode",
    "externalParticipationUrl": {"@id": f"{FEP_8A8E}externalParticipationUrl", "@type": "@id"},
    "category": f"{FEP_8A8E}category",
    "isOnline": "mz:isOnline",
    "PostalAddress": "schema:PostalAddress",
    "VirtualLocation": "schema:VirtualLocation",
    "address": "schema:address",
    "streetAddress": "schema:streetAddress",
    "addressLocality": "schema:addressLocality",
    "addressRegion": "schema:addressRegion",
    "postalCode": "schema:postalCode",
    "addressCountry": "schema:addressCountry",
    "kind": "mn:kind",
    "struggle": {"@id": "mn:struggle", "@type": "@id"},
    "struggleStatus": "mn:struggleStatus",
    "countries": "mn:countries",
    "topics": "mn:topics",
    "startedOn": {"@id": "mn:startedOn", "@type": "http://www.w3.org/2001/XMLSchema#date"},
    "adoptedOn": {"@id": "mn:adoptedOn", "@type": "http://www.w3.org/2001/XMLSchema#date"},
    "adoptedAt": "mn:adoptedAt",
    "signatories": {"@id": "mn:signatories", "@type": "@id"},
    "resourceKind": "mn:resourceKind",
    "languages": "mn:languages",
    # `audience` is ActivityStreams' (FEP-1b12 groups); a resource's readers are mn:audience.
    "resourceAudience": "mn:audience",
    "outcome": "mn:outcome",
    # Recurring events (no ActivityStreams, Mobilizon or Mastodon term exists): RFC 5545 values.
    "rrule": "mn:rrule",
    "exdate": {"@id": "mn:exdate", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
    "movedOccurrences": "mn:movedOccurrences",
    "recurrenceId": {
        "@id": "mn:recurrenceId",
        "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
    },
}

ACTOR_CONTEXT: list[Any] = [AS_CONTEXT, SECURITY_CONTEXT, EXTENSION_TERMS]
OBJECT_CONTEXT: list[Any] = [AS_CONTEXT, {**EXTENSION_TERMS, **CONTENT_TERMS}]


def is_activity_json(content_type: str | None) -> bool:
    """Tolerant, as peers are: activity+json, ld+json (with or without profile), plain json."""
    if not content_type:
        return False
    media = content_type.split(";")[0].strip().lower()
    return media in {"application/activity+json", "application/ld+json", "application/json"}


def wants_activity_json(accept: str | None) -> bool:
    """Content negotiation: any Accept naming activity+json or ld+json gets ActivityStreams
    (browsers never name them; peers sometimes list text/html too, and still want JSON)."""
    accept = (accept or "").lower()
    return "application/activity+json" in accept or "application/ld+json" in accept


def wants_html(accept: str | None) -> bool:
    """A browser: it asks for text/html and names no ActivityStreams type. The one other half
    of `wants_activity_json`, so an object and its error page never disagree. Of HTML and
    JSON, the type listed first wins (`application/json, text/html` is a script)."""
    if wants_activity_json(accept):
        return False
    for part in (accept or "").lower().split(","):
        media = part.split(";")[0].strip()
        if media == "text/html":
            return True
        if "json" in media:
            return False
    return False
