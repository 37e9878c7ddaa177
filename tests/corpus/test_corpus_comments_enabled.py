"""Whether a corpus event takes comments, read as Mobilizon reads it
(`Converter.Event.get_options`): `repliesModerationOption` first ("allow_all",
"moderated": yes; "closed": no), then `commentsEnabled`, absent meaning yes. Mobilizon writes
`commentsEnabled` true only for "allow_all", so a moderated event says false and still takes
comments. The corpus holds only open events; the closed ones are those files as Mobilizon
writes an event whose organiser closed its comments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from test_corpus_events import EVENT_FILES

from migrantnet.federation.parse import parse_object
from migrantnet.federation.parse.content import ap_to_content, content_to_remote

Load = Callable[[str], Any]
MOBILIZON = "mobilizon/event.json"  # repliesModerationOption "allow_all", commentsEnabled true
OLDER = "mobilizon/event-mobilizon-org.json"  # 2019: the same two fields


def _event_doc(load_corpus: Load, name: str) -> dict[str, Any]:
    doc = load_corpus(name)
    inner = EVENT_FILES[name]
    return dict(doc[inner] if inner else doc)


def _comments_enabled(doc: dict[str, Any]) -> bool:
    parsed = parse_object(doc)
    assert parsed.event is not None
    return parsed.event.comments_enabled


@pytest.mark.parametrize("name", sorted(EVENT_FILES))
def test_every_corpus_event_takes_comments(load_corpus: Load, name: str) -> None:
    assert _comments_enabled(_event_doc(load_corpus, name))


@pytest.mark.parametrize("name", [MOBILIZON, OLDER])
def test_an_event_whose_organiser_closed_comments(load_corpus: Load, name: str) -> None:
    doc = _event_doc(load_corpus, name)
    assert doc["commentsEnabled"] is True and doc["repliesModerationOption"] == "allow_all"
    closed = {**doc, "repliesModerationOption": "closed", "commentsEnabled": False}
    assert not _comments_enabled(closed)
    # kept with the event's details, where the pages and the reply rules read it
    stored = content_to_remote(ap_to_content(closed), None, datetime(2025, 1, 1, tzinfo=UTC))
    assert stored.extra["event"]["comments_enabled"] is False
    opened = content_to_remote(ap_to_content(doc), None, datetime(2025, 1, 1, tzinfo=UTC))
    assert opened.extra["event"]["comments_enabled"] is True


def test_a_moderated_event_still_takes_comments(load_corpus: Load) -> None:
    doc = _event_doc(load_corpus, MOBILIZON)
    assert _comments_enabled(
        {**doc, "repliesModerationOption": "moderated", "commentsEnabled": False}
    )


def test_without_the_option_commentsenabled_decides_and_absent_means_yes(
    load_corpus: Load,
) -> None:
    doc = _event_doc(load_corpus, OLDER)
    del doc["repliesModerationOption"]
    assert not _comments_enabled({**doc, "commentsEnabled": False})
    assert _comments_enabled({k: v for k, v in doc.items() if k != "commentsEnabled"})
    # a value that is no boolean, or an option Mobilizon does not know, closes nothing
    assert _comments_enabled({**doc, "commentsEnabled": "no"})
    assert _comments_enabled({**doc, "repliesModerationOption": "someday"})
    # the prefixed spelling of a compacted document is read too
    assert not _comments_enabled(
        {**{k: v for k, v in doc.items() if k != "commentsEnabled"}, "pt:commentsEnabled": False}
    )
