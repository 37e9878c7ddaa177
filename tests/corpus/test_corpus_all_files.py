"""Every corpus file goes through the parser that fits it without crashing.

The only exception allowed out of a parser is ``ParseError``, and only where
``EXPECTED_ERRORS`` says so — each listed document really lacks what its
purpose needs, and the test checks that the error names that field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from migrantnet.federation.normalize import type_names
from migrantnet.federation.parse import (
    ACTOR_TYPES,
    ParseError,
    parse_activity,
    parse_actor,
    parse_collection,
    parse_location,
    parse_object,
    parse_webfinger,
)

ACTIVITY_TYPES = frozenset(
    {
        "Accept", "Add", "Announce", "Block", "Create", "Delete", "Dislike", "EmojiReact",
        "Flag", "Follow", "Ignore", "Invite", "Join", "Leave", "Like", "Lock", "Move",
        "Reject", "Remove", "TentativeAccept", "Undo", "Update", "View",
    }
)  # fmt: skip
COLLECTION_TYPES = frozenset(
    {"Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"}
)

# "<file>" for the top-level document, "<file>#object" for the embedded object.
EXPECTED_ERRORS: dict[str, str] = {
    "mastodon/http-actor-noinbox.txt": "inbox",
    # Account deletion: the object is a {type: Person, id} stub, not a full actor.
    "mastodon/delete-actor.json#object": "inbox",
    # Test template: the embedded Follow's actor is the placeholder "{{ap_id}}".
    "activityrelay/accept-follow.json#object": "actor",
}


def kind_of(doc: Any) -> str:
    if isinstance(doc, list):
        return "location"
    if not isinstance(doc, Mapping):
        return "unknown"
    names = set(type_names(doc))
    if not names and ("links" in doc or "subject" in doc):
        return "webfinger"
    if names & ACTOR_TYPES:
        return "actor"
    if names & ACTIVITY_TYPES:
        return "activity"
    if names & COLLECTION_TYPES:
        return "collection"
    if names & {"Place", "VirtualLocation"}:
        return "location"
    return "object"


def dispatch(doc: Any, where: str, seen: list[str]) -> None:
    """Parse ``doc`` (and, for activities, the embedded object) by kind."""
    kind = kind_of(doc)
    seen.append(f"{where}:{kind}")
    try:
        if kind == "actor":
            parse_actor(doc)
        elif kind == "activity":
            activity = parse_activity(doc)
            if activity.object is not None:
                dispatch(activity.object, f"{where}#object", seen)
        elif kind == "collection":
            parse_collection(doc)
        elif kind == "webfinger":
            parse_webfinger(doc)
        elif kind == "location":
            parse_location(doc)
        else:
            parse_object(doc)
    except ParseError as error:
        expected = EXPECTED_ERRORS.get(where)
        assert expected is not None, f"{where}: unexpected ParseError {error}"
        assert error.path == expected, f"{where}: ParseError path {error.path!r}"
        seen.append(f"{where}:ParseError")
        return
    assert where not in EXPECTED_ERRORS, f"{where}: expected ParseError({EXPECTED_ERRORS[where]})"


def test_file_parses(
    corpus_path: Path, corpus_dir: Path, read_corpus_file: Callable[[Path], Any]
) -> None:
    doc = read_corpus_file(corpus_path)
    name = corpus_path.relative_to(corpus_dir).as_posix()
    seen: list[str] = []
    dispatch(doc, name, seen)
    assert seen and not seen[0].endswith(":unknown")


def test_expected_errors_exist(corpus_dir: Path) -> None:
    for key in EXPECTED_ERRORS:
        assert (corpus_dir / key.split("#")[0]).is_file(), key


@pytest.mark.parametrize(
    ("doc", "kind"),
    [
        ([{"type": "Place"}], "location"),
        ({"subject": "acct:a@b"}, "webfinger"),
        ({"type": ["Person", "vcard:individual"]}, "actor"),
        ({"type": "as:Announce"}, "activity"),
        ({"type": "ChatMessage"}, "object"),
    ],
)
def test_kind_of(doc: Any, kind: str) -> None:
    assert kind_of(doc) == kind
