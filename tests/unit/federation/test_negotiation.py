"""One content negotiation for objects and for error answers, so they never disagree."""

from __future__ import annotations

import pytest

from migrantnet.federation.context import wants_activity_json, wants_html

CASES = [
    # (Accept, ActivityStreams?, HTML?)
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False, True),  # Firefox
    ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True, False),
    ("application/activity+json, application/ld+json", True, False),  # Mastodon
    ("text/html, application/activity+json", True, False),  # a peer listing both: JSON
    ("application/json, text/html", False, False),  # a script: JSON errors
    ("text/html;q=0.9, application/json", False, True),
    ("TEXT/HTML", False, True),
    ("*/*", False, False),
    ("", False, False),
    (None, False, False),
]


@pytest.mark.parametrize(("accept", "activity", "html"), CASES)
def test_an_accept_header_gets_one_answer(accept: str | None, activity: bool, html: bool) -> None:
    assert (wants_activity_json(accept), wants_html(accept)) == (activity, html)
    assert not (wants_activity_json(accept) and wants_html(accept))
