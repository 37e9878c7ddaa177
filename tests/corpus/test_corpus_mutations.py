"""Corpus documents with one read field replaced by junk parse or fail cleanly.

Real payloads differ from the corpus in ways nobody has captured yet; this
checks that a wrong shape in any single top-level field ends in a result or a
``ParseError``, never in a ``TypeError`` or ``AttributeError``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from migrantnet.federation.parse import (
    ParseError,
    parse_activity,
    parse_actor,
    parse_collection,
    parse_event,
    parse_location,
    parse_object,
    parse_webfinger,
)

# The fields some parser reads; mutating the others would only burn time.
READ_FIELDS = frozenset(
    {
        "id", "type", "actor", "object", "target", "to", "cc", "audience", "attributedTo",
        "inReplyTo", "url", "published", "updated", "name", "nameMap", "summary", "summaryMap",
        "content", "contentMap", "mediaType", "sensitive", "tag", "tags", "attachment",
        "startTime", "endTime", "location", "timezone", "eventStatus", "status", "ical:status",
        "joinMode", "externalParticipationUrl", "category", "isOnline", "inbox", "outbox",
        "followers", "following", "featured", "endpoints", "sharedInbox", "icon", "publicKey",
        "preferredUsername", "manuallyApprovesFollowers", "discoverable", "alsoKnownAs",
        "movedTo", "language", "inLanguage", "totalItems", "first", "items", "orderedItems",
        "subject", "links", "aliases", "address", "latitude", "longitude", "geo", "href",
    }
)  # fmt: skip
JUNK: tuple[Any, ...] = (None, 7, "", {}, [None, {"id": 3}], {"href": "/r"})
PARSERS: tuple[Callable[[Any], Any], ...] = (
    parse_actor,
    parse_object,
    parse_activity,
    parse_collection,
    parse_webfinger,
    parse_location,
    parse_event,
)


def _survives(doc: Any) -> None:
    for parser in PARSERS:
        with contextlib.suppress(ParseError):
            parser(doc)


def _shorten(value: Any) -> Any:
    """Cut long texts: the shapes matter here, and sanitising a 78 KB article
    hundreds of times would only slow the suite down."""
    if isinstance(value, str):
        return value[:500]
    if isinstance(value, list):
        return [_shorten(v) for v in value[:5]]
    if isinstance(value, Mapping):
        return {k: _shorten(v) for k, v in value.items() if k != "@context"}
    return value


def test_junk_in_any_field(corpus_path: Path, read_corpus_file: Callable[[Path], Any]) -> None:
    doc = _shorten(read_corpus_file(corpus_path))
    targets = [doc]
    if isinstance(doc, Mapping) and isinstance(doc.get("object"), Mapping):
        targets.append(doc["object"])
    for target in targets:
        _survives(target)
        if not isinstance(target, Mapping):
            continue
        for key in READ_FIELDS.intersection(target):
            for junk in JUNK:
                _survives({**target, key: junk})


def test_junk_documents() -> None:
    for junk in (*JUNK, [1, "x"], {"type": 5}, {"type": "Event", "id": "https://a.example/e"}):
        _survives(junk)
