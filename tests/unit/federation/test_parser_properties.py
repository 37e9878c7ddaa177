"""Property tests (hypothesis) of the pure parsers on arbitrary JSON-like documents.

A peer can send anything. Whatever the document, each parser returns its record or raises
its own `ParseError`, never another exception, and in bounded time; the helpers of
`normalize` never raise at all. The documents mix arbitrary JSON with the ActivityStreams
terms the parsers look up (`type`, `id`, `actor`, `object`, `tag`, `startTime`, `mn:` terms,
...), with values of every JSON type, nested, so generation reaches past the first checks.

The budget is fixed: a few hundred examples per property and a deadline per example, the
whole file in a few seconds; a failure prints the smallest document that shows it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrantnet.federation import normalize
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
from migrantnet.federation.parse.content import ap_to_content
from migrantnet.federation.payload import decode_json

BUDGET = settings(
    max_examples=40,
    deadline=400,  # ms per example: a loaded CI machine, yet far below any freeze
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples on every run: CI stays reproducible
    database=None,  # nothing kept between runs (derandomized anyway)
)
SLOWEST_SECONDS = 0.5  # one document, however hostile, parsed within this

TERMS = [
    "@context", "id", "type", "actor", "object", "target", "to", "cc", "bto", "audience",
    "attributedTo", "content", "contentMap", "name", "nameMap", "summary", "summaryMap",
    "published", "updated", "startTime", "endTime", "location", "tag", "attachment", "url",
    "href", "mediaType", "inReplyTo", "inbox", "outbox", "followers", "following",
    "endpoints", "sharedInbox", "publicKey", "publicKeyPem", "owner", "preferredUsername",
    "icon", "image", "alsoKnownAs", "movedTo", "first", "next", "items", "orderedItems",
    "totalItems", "subject", "links", "rel", "template", "sensitive", "latitude",
    "longitude", "address", "timezone", "mn:kind", "kind", "mn:status", "mn:struggle",
    "mn:organizers", "organizers", "mn:signatories", "duration", "width", "height",
    "blurhash", "focalPoint", "source", "quoteUrl", "replies",
]  # fmt: skip
TYPES = [
    "Create", "Update", "Delete", "Follow", "Accept", "Reject", "Undo", "Announce", "Like",
    "Block", "Flag", "Move", "Add", "Remove", "Note", "Article", "Page", "Event", "Place",
    "Question", "Tombstone", "Person", "Group", "Organization", "Service", "Application",
    "Hashtag", "Mention", "Document", "Image", "Video", "Link", "Collection",
    "OrderedCollection", "CollectionPage", "OrderedCollectionPage",
]  # fmt: skip
URLS = st.sampled_from(
    [
        "https://peer.example/users/alice",
        "https://peer.example/notes/1",
        "https://www.w3.org/ns/activitystreams#Public",
        "http://127.0.0.1:1/x",
        "javascript:alert(1)",
        "data:text/html,<b>",
        "https://ÿ.example/%00",
        "//no-scheme.example/a",
        "",
    ]
)
DATES = st.sampled_from(
    [
        "2026-12-02T05:00:00Z",
        "2026-12-02T05:00:00+01:00",
        "2026-02-30T25:61:00Z",
        "99999-01-01T00:00:00Z",
        "0001-01-01T00:00:00-23:59",
        "2026-12-02",
        "yesterday",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=16)
    | URLS
    | DATES
    | st.sampled_from(TYPES)
)


def json_like(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """JSON values whose object keys are mostly the parsers' own terms."""
    keys = st.sampled_from(TERMS) | st.text(max_size=8)
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=6) | st.dictionaries(keys, children, max_size=8)
        ),
        max_leaves=8,
    )


VALUES = json_like(SCALARS)
DOCUMENTS = st.dictionaries(st.sampled_from(TERMS) | st.text(max_size=8), VALUES, max_size=8)


def typed(types: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A document of one of `types` with an id, so parsers go past their first check."""
    return st.builds(
        lambda doc, kind, ap_id: {**doc, "type": kind, "id": ap_id},
        DOCUMENTS,
        st.sampled_from(types),
        URLS,
    )


def parses_or_refuses(parser: Callable[[Any], Any], doc: Any) -> None:
    started = time.perf_counter()
    try:
        parser(doc)
    except ParseError as exc:
        assert isinstance(exc.path, str) and isinstance(exc.message, str)
    assert time.perf_counter() - started < SLOWEST_SECONDS


PARSERS: list[tuple[Callable[[Any], Any], list[str]]] = [
    (parse_activity, ["Create", "Update", "Delete", "Follow", "Undo", "Announce", "Flag"]),
    (parse_actor, ["Person", "Group", "Organization", "Service", "Application"]),
    (parse_object, ["Note", "Article", "Event", "Page", "Question", "Document"]),
    (ap_to_content, ["Note", "Article", "Event", "Page"]),
    (parse_event, ["Event"]),
    (parse_collection, ["OrderedCollection", "CollectionPage", "Collection"]),
]


@BUDGET
@given(doc=DOCUMENTS)
def test_parsers_take_any_document(doc: dict[str, Any]) -> None:
    for parser, _types in PARSERS:
        parses_or_refuses(parser, doc)


@settings(BUDGET, max_examples=20)  # each example draws a document per parser
@given(data=st.data())
def test_parsers_take_any_document_of_their_types(data: st.DataObject) -> None:
    for parser, types in PARSERS:
        doc = data.draw(typed(types))
        if parser is parse_activity:  # by an actor, about an object of any shape
            doc["actor"] = data.draw(URLS | VALUES)
            doc["object"] = data.draw(typed(["Note", "Event", "Person"]) | URLS | VALUES)
        elif parser is parse_actor:  # what an actor cannot do without
            doc["inbox"] = data.draw(URLS)
            doc["publicKey"] = data.draw(st.fixed_dictionaries({"id": URLS}) | VALUES)
        elif parser is parse_event:
            doc["startTime"] = data.draw(DATES)
        parses_or_refuses(parser, doc)


@BUDGET
@given(jrd=DOCUMENTS, links=st.lists(DOCUMENTS, max_size=3), location=VALUES)
def test_webfinger_and_locations_take_any_document(
    jrd: dict[str, Any], links: list[Any], location: Any
) -> None:
    parses_or_refuses(parse_webfinger, {**jrd, "links": links})
    parses_or_refuses(parse_location, location)


NORMALIZERS: list[Callable[[Any], Any]] = [
    normalize.as_list,
    normalize.bounded,
    normalize.is_http_uri,
    normalize.first_id,
    normalize.ids,
    normalize.parse_datetime,
    normalize.parse_datetime_keep_offset,
    normalize.type_names,
    normalize.addresses,
    normalize.link_url,
    normalize.plain_text,
]


@BUDGET
@given(value=VALUES, doc=DOCUMENTS, field=st.sampled_from(["content", "name", "summary"]))
def test_normalize_helpers_never_raise(value: Any, doc: dict[str, Any], field: str) -> None:
    started = time.perf_counter()
    for helper in NORMALIZERS:
        helper(value)
    found = normalize.language_map(doc, field)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in found.items())
    assert time.perf_counter() - started < SLOWEST_SECONDS


@BUDGET
@given(body=st.binary(max_size=200) | VALUES.map(lambda v: json.dumps(v).encode()))
def test_decoding_a_body_gives_json_or_a_value_error(body: bytes) -> None:
    with contextlib.suppress(ValueError):
        decode_json(body)
