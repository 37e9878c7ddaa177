"""The border helpers that fold the fediverse's spellings into one shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from migrantnet.federation.normalize import (
    PUBLIC,
    addresses,
    as_list,
    first_id,
    get_prop,
    ids,
    is_http_uri,
    language_map,
    link_url,
    parse_datetime,
    parse_datetime_keep_offset,
    plain_text,
    repair_mojibake,
    type_names,
)

A = "https://a.example/users/alice"
B = "https://b.example/users/bob"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, []), ("x", ["x"]), ([1, 2], [1, 2]), ((1,), [1]), ({"id": A}, [{"id": A}]), ([], [])],
)
def test_as_list(value: Any, expected: list[Any]) -> None:
    assert as_list(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (A, A),
        ({"type": "Person", "id": A}, A),
        ({"type": "Link", "href": A}, A),
        ({"type": "Mention", "id": B, "href": A}, A),
        ([None, "not a url", {"id": "acct:x@y"}, {"id": A}, B], A),
        (["as:Public", A], A),
        ("example@elsewhere.com", None),
        ("javascript:alert(1)", None),
        ("https://", None),
        ("https://a.example/with space", None),
        (None, None),
        (42, None),
        ({}, None),
    ],
)
def test_first_id(value: Any, expected: str | None) -> None:
    assert first_id(value) == expected


def test_ids_keeps_order_and_drops_duplicates() -> None:
    assert ids([B, {"id": A}, B, "nope", None]) == [B, A]
    assert ids(None) == []


def test_is_http_uri_accepts_placeholder_hosts() -> None:
    assert is_http_uri("https://{{DOMAIN}}/actor")
    assert is_http_uri("HTTP://A.EXAMPLE/x")
    assert not is_http_uri("ftp://a.example/x")
    assert not is_http_uri("/relative/path")


def test_addresses_fold_public_spellings() -> None:
    assert addresses(["as:Public", "Public", PUBLIC, A]) == [PUBLIC, A]
    assert addresses(A) == [A]
    assert addresses(None) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-02-12T14:08:20Z", datetime(2018, 2, 12, 14, 8, 20, tzinfo=UTC)),
        ("2018-02-12T14:08:20z", datetime(2018, 2, 12, 14, 8, 20, tzinfo=UTC)),
        ("2018-02-12T14:08:20+00:00", datetime(2018, 2, 12, 14, 8, 20, tzinfo=UTC)),
        ("2021-07-14T17:30:57+02:00", datetime(2021, 7, 14, 15, 30, 57, tzinfo=UTC)),
        ("2021-07-14T17:30:57-0330", datetime(2021, 7, 14, 21, 0, 57, tzinfo=UTC)),
        ("2021-07-14T17:30:57+02", datetime(2021, 7, 14, 15, 30, 57, tzinfo=UTC)),
        ("2019-12-18T13:00:00", datetime(2019, 12, 18, 13, tzinfo=UTC)),  # no zone: UTC
        ("2019-12-18 13:00:00", datetime(2019, 12, 18, 13, tzinfo=UTC)),
        ("2019-12-18T13:00", datetime(2019, 12, 18, 13, tzinfo=UTC)),
        ("2019-12-18", datetime(2019, 12, 18, tzinfo=UTC)),
        ("2022-01-01T00:00:00.Z", datetime(2022, 1, 1, tzinfo=UTC)),  # 0 digits
        ("2022-01-01T00:00:00.5Z", datetime(2022, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)),
        ("2022-01-01T00:00:00.123456Z", datetime(2022, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        ("2023-01-01T12:00:00.123456789Z", datetime(2023, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)),
        (
            "2017-12-19T16:56:29.7576707+00:00",
            datetime(2017, 12, 19, 16, 56, 29, 757670, tzinfo=UTC),
        ),
        ("2022-12-31T24:00:00Z", datetime(2023, 1, 1, tzinfo=UTC)),
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("5353-05-03", datetime(5353, 5, 3, tzinfo=UTC)),
        (" 2019-12-18T13:00:00Z ", datetime(2019, 12, 18, 13, tzinfo=UTC)),
    ],
)
def test_parse_datetime(value: str, expected: datetime) -> None:
    parsed = parse_datetime(value)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [None, "", "yesterday", "2019-02-30T00:00:00Z", "2019-12-18T25:00:00Z", "0000-01-01",
     "2019-12-18T13:00:00+25:00", 1577836800, ["2019-12-18"], "2019-12-18T13:00:00Zjunk"],
)  # fmt: skip
def test_parse_datetime_rejects(value: Any) -> None:
    assert parse_datetime(value) is None


def test_parse_datetime_keep_offset() -> None:
    kept = parse_datetime_keep_offset("2021-07-14T17:30:57+02:00")
    assert kept is not None
    assert kept.utcoffset() == timedelta(hours=2)
    assert (kept.hour, kept.minute) == (17, 30)
    assert kept == datetime(2021, 7, 14, 15, 30, 57, tzinfo=UTC)
    naive = parse_datetime_keep_offset("2021-07-14T17:30:57")
    assert naive is not None and naive.tzinfo is UTC


def test_parse_datetime_accepts_datetimes() -> None:
    aware = datetime(2020, 1, 1, 12, tzinfo=timezone(timedelta(hours=1)))
    assert parse_datetime(aware) == datetime(2020, 1, 1, 11, tzinfo=UTC)
    assert parse_datetime(datetime(2020, 1, 1)) == datetime(2020, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"type": "Note"}, ["Note"]),
        ({"type": ["Person", "vcard:individual"]}, ["Person", "individual"]),
        ({"type": "as:Public"}, ["Public"]),
        ({"type": "https://www.w3.org/ns/activitystreams#Note"}, ["Note"]),
        ({"type": "http://schema.org/Place/"}, ["Place"]),
        ({"type": ["Note", "as:Note", 3, None, ""]}, ["Note"]),
        ({"@type": "Event"}, ["Event"]),
        ({}, []),
        ("Note", []),
    ],
)
def test_type_names(doc: Any, expected: list[str]) -> None:
    assert type_names(doc) == expected


def test_get_prop_reads_prefixed_keys() -> None:
    doc = {"sensitive": None, "as:sensitive": True, "toot:discoverable": False, "ical:status": "X"}
    assert get_prop(doc, "sensitive") is True
    assert get_prop(doc, "discoverable") is False
    assert get_prop(doc, "status") == "X"
    assert get_prop({"name": "plain", "as:name": "prefixed"}, "name") == "plain"
    assert get_prop({"https://x.example/ns#name": "iri"}, "name") is None
    assert get_prop({}, "name") is None


def test_language_map_plain_value_is_undetermined() -> None:
    assert language_map({"content": "<p>hi</p>"}, "content") == {"und": "<p>hi</p>"}


def test_language_map_prefers_the_map_for_the_same_text() -> None:
    doc = {"content": "<p>tag</p>", "contentMap": {"ja": "<p>tag</p>"}}
    assert language_map(doc, "content") == {"ja": "<p>tag</p>"}
    spaced = {"content": "<p>a  <b>b</b></p>", "contentMap": {"de": "<bdi>a b</bdi>"}}
    assert language_map(spaced, "content") == {"de": "<bdi>a b</bdi>"}


def test_language_map_keeps_other_text() -> None:
    doc = {"content": "other", "contentMap": {"en": "english", "fr": "français"}}
    assert language_map(doc, "content") == {"en": "english", "fr": "français", "und": "other"}


def test_language_map_declared_languages() -> None:
    lemmy = {"name": "Titre", "language": {"identifier": "fr", "name": "Français"}}
    assert language_map(lemmy, "name") == {"fr": "Titre"}
    context = {"@context": ["https://www.w3.org/ns/activitystreams", {"@language": "de"}],
               "summary": "Hallo"}  # fmt: skip
    assert language_map(context, "summary") == {"de": "Hallo"}
    mobilizon = {"inLanguage": "en", "content": "Hi"}
    assert language_map(mobilizon, "content") == {"en": "Hi"}
    bogus = {"language": "not a language!", "content": "Hi"}
    assert language_map(bogus, "content") == {"und": "Hi"}


def test_language_map_drops_blanks_and_junk() -> None:
    doc = {"summary": "", "summaryMap": {"en": " ", "": "x", "fr": None, "de": "Hallo"}}
    assert language_map(doc, "summary") == {"de": "Hallo"}
    assert language_map({"content": None, "contentMap": "nope"}, "content") == {}
    assert language_map({"as:content": "prefixed"}, "content") == {"und": "prefixed"}


def test_link_url_prefers_html() -> None:
    links = [
        {"type": "Link", "mediaType": "application/x-mpegURL", "href": "https://v.example/x.m3u8"},
        {"type": "Link", "mimeType": "text/html", "href": "https://v.example/watch"},
    ]
    assert link_url(links) == "https://v.example/watch"
    assert link_url(links, prefer="application/") == "https://v.example/x.m3u8"
    assert link_url({"type": "Link", "href": A}) == A
    assert link_url(A) == A
    assert link_url({"type": "Image", "url": [{"href": B}]}) == B
    assert link_url("not a url") is None


def test_plain_text_and_mojibake() -> None:
    assert plain_text("  Testing &amp; Development ") == "Testing & Development"
    assert plain_text(" ") is None
    assert plain_text(None) is None
    assert repair_mojibake("ì\x97\x90ì\x95\x8c") == "에알"
    assert repair_mojibake("café") == "café"  # genuine Latin-1 text stays
    assert repair_mojibake("naïve €") == "naïve €"
    assert repair_mojibake("plain") == "plain"
