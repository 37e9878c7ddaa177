"""Objects fetched on hearsay (announced to us, or an event added by URL) are kept only when
they are what was asked for, public, and by an author on the object's own host."""

from __future__ import annotations

from typing import Any

import pytest

from migrantnet.federation.handlers.objects import is_own_public_object
from migrantnet.federation.parse.content import ap_to_content

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
URL = "https://events.example/e/1"


def note(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": URL,
        "type": "Note",
        "attributedTo": "https://events.example/users/org",
        "to": [PUBLIC],
        "content": "<p>hello</p>",
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def test_the_public_object_of_an_author_on_its_host_is_kept() -> None:
    assert is_own_public_object(ap_to_content(note()), URL)


@pytest.mark.parametrize(
    ("changes", "asked"),
    [
        ({}, "https://events.example/e/2"),  # served under another id than asked
        ({"attributedTo": "https://elsewhere.example/users/org"}, URL),  # author elsewhere
        ({"to": ["https://events.example/users/org/followers"]}, URL),  # not public
    ],
)
def test_anything_else_is_refused(changes: dict[str, Any], asked: str) -> None:
    assert not is_own_public_object(ap_to_content(note(**changes)), asked)
