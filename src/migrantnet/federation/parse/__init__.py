"""Tolerant parsers turning federated JSON into small frozen records.

Every function here is pure and raises only :class:`ParseError`, for documents
that cannot serve their purpose; all other oddities are folded away.
"""

from migrantnet.federation.parse.activity import ParsedActivity, parse_activity
from migrantnet.federation.parse.actor import ACTOR_TYPES, ParsedActor, parse_actor
from migrantnet.federation.parse.collection import ParsedCollection, parse_collection
from migrantnet.federation.parse.errors import ParseError
from migrantnet.federation.parse.event import (
    ParsedEvent,
    ParsedPlace,
    parse_event,
    parse_location,
)
from migrantnet.federation.parse.objects import (
    ParsedAttachment,
    ParsedObject,
    ParsedTag,
    parse_object,
)
from migrantnet.federation.parse.webfinger import WebFingerResult, parse_webfinger

__all__ = [
    "ACTOR_TYPES",
    "ParseError",
    "ParsedActivity",
    "ParsedActor",
    "ParsedAttachment",
    "ParsedCollection",
    "ParsedEvent",
    "ParsedObject",
    "ParsedPlace",
    "ParsedTag",
    "WebFingerResult",
    "parse_activity",
    "parse_actor",
    "parse_collection",
    "parse_event",
    "parse_location",
    "parse_object",
    "parse_webfinger",
]
