"""Series of events: expanded in the event's wall-clock time across DST, always bounded,
cancelled and moved occurrences checked against the rule."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from migrantnet.content.errors import InvalidInput
from migrantnet.content.recurrence import (
    HORIZON,
    MAX_OCCURRENCES,
    check_rule,
    check_series,
    occurrences,
)

ROME = ZoneInfo("Europe/Rome")
# Tuesday 26 March 2030, 18:00 in Rome (CET); summer time starts on Sunday 31 March.
FIRST = datetime(2030, 3, 26, 18, 0, tzinfo=ROME).astimezone(UTC)
END = FIRST + timedelta(hours=2)


def test_weekly_stays_at_the_same_wall_clock_time_across_the_change() -> None:
    rule = check_rule("FREQ=WEEKLY;COUNT=3", FIRST, ROME)
    found = occurrences(rule, FIRST, END, ROME, [], [], window_start=FIRST)
    assert [o.starts_at.astimezone(ROME).hour for o in found] == [18, 18, 18]
    assert [o.starts_at for o in found] == [
        datetime(2030, 3, 26, 17, 0, tzinfo=UTC),
        datetime(2030, 4, 2, 16, 0, tzinfo=UTC),  # an hour earlier in UTC after the change
        datetime(2030, 4, 9, 16, 0, tzinfo=UTC),
    ]
    assert all(o.ends_at - o.starts_at == timedelta(hours=2) for o in found)


def test_until_is_stored_in_utc_and_a_day_means_its_end() -> None:
    assert check_rule("rrule:freq=weekly;until=20300409", FIRST, ROME) == (
        "FREQ=WEEKLY;UNTIL=20300409T215959Z"
    )
    rule = check_rule("FREQ=WEEKLY;UNTIL=20300409", FIRST, ROME)
    assert len(occurrences(rule, FIRST, END, ROME, [], [], window_start=FIRST)) == 3


def test_a_rule_without_end_is_bounded_and_expansion_is_quick() -> None:
    rule = check_rule("FREQ=DAILY", FIRST, ROME)
    assert "UNTIL=" in rule
    began = time.perf_counter()
    found = occurrences(rule, FIRST, END, ROME, [], [], window_start=FIRST)
    assert time.perf_counter() - began < 2
    assert len(found) <= MAX_OCCURRENCES
    assert found[-1].starts_at <= FIRST + HORIZON
    # a window far later holds nothing, without iterating forever
    assert occurrences(rule, FIRST, END, ROME, [], [], window_start=FIRST + 3 * HORIZON) == []


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=SECONDLY", "FREQ must be"),
        ("FREQ=WEEKLY;COUNT=100000", "COUNT must be"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20300409", "not both"),
        ("FREQ=WEEKLY;BYDAY=XX", "RRULE"),
        ("FREQ=WEEKLY;UNTIL=20200101", "before the first"),
        ("FREQ=WEEKLY;<script>", "not a part"),
    ],
)
def test_bad_rules_are_refused_clearly(rule: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_rule(rule, FIRST, ROME)


def test_one_occurrence_cancelled_and_one_moved() -> None:
    series = check_series(
        "FREQ=WEEKLY;COUNT=4",
        FIRST,
        END,
        ROME,
        cancelled=[datetime(2030, 4, 2, 18, 0)],  # wall-clock time in Rome
        moved=[
            (
                datetime(2030, 4, 9, 18, 0),
                datetime(2030, 4, 10, 19, 0),
                datetime(2030, 4, 10, 21, 0),
            )
        ],
    )
    found = occurrences(
        series.rule, FIRST, END, ROME, series.exdates, series.moved, window_start=FIRST
    )
    assert [
        (o.starts_at.astimezone(ROME).strftime("%d %H"), o.cancelled, o.moved) for o in found
    ] == [
        ("26 18", False, False),
        ("02 18", True, False),
        ("10 19", False, True),
        ("16 18", False, False),
    ]
    assert series.last_end == datetime(2030, 4, 16, 18, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="not a date of this series"):
        check_series("FREQ=WEEKLY;COUNT=4", FIRST, END, ROME, [datetime(2030, 4, 3, 18)], [])
