"""Parsing a partner's .ics feed (pure): what is kept of each VEVENT, and what is refused."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from migrantnet.content.errors import InvalidInput
from migrantnet.content.ics_parse import MAX_EVENTS, FeedError, check_feed_url, parse_feed

FEED = "https://partner.example/cal.ics"
NOW = datetime(2026, 12, 2, tzinfo=UTC)


def _calendar(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "".join(events) + "END:VCALENDAR\r\n").encode()


def _event(uid: str, start: str) -> str:
    return f"BEGIN:VEVENT\r\nUID:{uid}\r\n{start}\r\nSUMMARY:Event {uid}\r\nEND:VEVENT\r\n"


def test_ten_thousand_events_are_refused_at_once_with_a_clear_message() -> None:
    body = _calendar(*(_event(f"e{i}", "DTSTART:20300101T100000Z") for i in range(10_000)))
    started = time.perf_counter()
    with pytest.raises(FeedError, match=f"10000 events, more than {MAX_EVENTS}"):
        parse_feed(FEED, body, NOW)
    assert time.perf_counter() - started < 1


def test_folded_lines_all_day_events_unknown_zones_and_events_without_start() -> None:
    body = _calendar(
        "BEGIN:VEVENT\r\nUID:folded\r\nDTSTART:20300101T100000Z\r\nSUMMARY:A long\r\n  title\r\n"
        "END:VEVENT\r\n",
        _event("all-day", "DTSTART;VALUE=DATE:20300105"),
        _event("mars", "DTSTART;TZID=Mars/Olympus:20300101T100000"),
        "BEGIN:VEVENT\r\nUID:no-start\r\nSUMMARY:Broken\r\nEND:VEVENT\r\n",
    )
    parsed = parse_feed(FEED, body, NOW)
    events = {event.uid: event.data for event in parsed.events}
    assert events["folded"].name_map == {"und": "A long title"}
    all_day = events["all-day"].values
    assert (all_day.ends_at - all_day.starts_at).days == 1
    assert events["mars"].values.starts_at.utcoffset() is not None  # an instant, never naive
    assert parsed.unreadable == {"no-start"}
    assert parsed.problems and "DTSTART" in parsed.problems[0]
    assert events["folded"].ap_id == "https://partner.example/cal.ics#uid=folded"


def test_not_a_calendar() -> None:
    with pytest.raises(FeedError, match="not an iCalendar feed"):
        parse_feed(FEED, b"<!doctype html><p>hello</p>", NOW)


def test_feed_addresses() -> None:
    assert check_feed_url("webcal://Partner.example/cal.ics#x") == FEED
    for bad in ("ftp://partner.example/a.ics", "https://user@partner.example/a.ics", "cal.ics"):
        with pytest.raises(InvalidInput):
            check_feed_url(bad)
