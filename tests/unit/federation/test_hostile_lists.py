"""A peer's lists are read only so far, and de-duplicated in linear time (issue 9, item 1):
tags, attachments, types, locations; and numbers out of range are not JSON we keep."""

from __future__ import annotations

import pytest

from migrantnet.federation.normalize import MAX_LIST_ITEMS, bounded, type_names
from migrantnet.federation.parse import parse_object
from migrantnet.federation.parse.event import MAX_LOCATIONS, parse_location
from migrantnet.federation.parse.objects import MAX_ATTACHMENTS, MAX_TAGS
from migrantnet.federation.payload import decode_json

NOTE = {"id": "https://peer.example/notes/1", "type": "Note", "content": "<p>x</p>"}


def test_twenty_thousand_tags_are_cut_to_the_first_ones() -> None:
    tags = [{"type": "Hashtag", "name": f"#t{i}"} for i in range(20_000)]
    parsed = parse_object({**NOTE, "tag": tags})
    assert len(parsed.tags) == MAX_TAGS
    assert [tag.name for tag in parsed.tags[:3]] == ["#t0", "#t1", "#t2"]


def test_repeated_tags_and_attachments_are_kept_once_in_order() -> None:
    tags = [{"type": "Hashtag", "name": name} for name in ("#b", "#a", "#b", "#a", "#c")]
    files = [{"type": "Document", "url": f"https://peer.example/{n}"} for n in (2, 1, 2, 1)]
    parsed = parse_object({**NOTE, "tag": tags, "attachment": files})
    assert [tag.name for tag in parsed.tags] == ["#b", "#a", "#c"]
    assert [item.url for item in parsed.attachments] == [
        "https://peer.example/2",
        "https://peer.example/1",
    ]


def test_five_thousand_attachments_are_cut_to_the_first_ones() -> None:
    files = [{"type": "Document", "url": f"https://peer.example/{i}"} for i in range(5_000)]
    parsed = parse_object({**NOTE, "attachment": files})
    assert len(parsed.attachments) == MAX_ATTACHMENTS


def test_a_type_list_of_ten_thousand_names_is_read_only_at_its_head() -> None:
    names = type_names({"type": [f"T{i}" for i in range(10_000)]})
    assert names[:2] == ["T0", "T1"] and len(names) <= 16


def test_locations_are_bounded() -> None:
    places, _online = parse_location([{"type": "Place", "name": f"P{i}"} for i in range(5_000)])
    assert len(places) == MAX_LOCATIONS


def test_bounded_reads_lists_and_single_values() -> None:
    assert bounded(list(range(10_000))) == list(range(MAX_LIST_ITEMS))
    assert bounded("x") == ["x"] and bounded(None) == []


@pytest.mark.parametrize("text", ['{"a": 1e400}', '{"a": [-1e400]}', '{"a": 1E+999}'])
def test_numbers_that_become_infinite_are_not_json_we_keep(text: str) -> None:
    with pytest.raises(ValueError, match="out of range"):
        decode_json(text)


def test_ordinary_numbers_pass() -> None:
    assert decode_json('{"a": 1.5e10, "b": -2, "c": 10000000000000000000000}') == {
        "a": 1.5e10,
        "b": -2,
        "c": 10**22,
    }
