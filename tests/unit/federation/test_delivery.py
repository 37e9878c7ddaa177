"""The pure parts of durable delivery: back-off, Retry-After, audience, domain health, states."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import pytest

from migrantnet.federation.delivery import RETRYABLE_4XX, is_public, next_attempt, retry_delay
from migrantnet.models import DeliveryState, DomainHealth, FollowState, InboxState
from migrantnet.models.lifecycle import TRANSITIONS, InvalidTransition, check_transition

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def bounds(attempts: int, scale: float) -> tuple[timedelta, timedelta]:
    """Mastodon's attempts^4 + 15 s, plus at most half of attempts^4 and (attempts+1) s."""
    low = attempts**4 + 15
    high = low + 0.5 * attempts**4 + (attempts + 1)
    return timedelta(seconds=low * scale), timedelta(seconds=high * scale)


# -- retry_delay --------------------------------------------------------------------------


@pytest.mark.parametrize("attempts", [1, 2, 3, 5, 8, 15])
@pytest.mark.parametrize("scale", [1.0, 0.01])
def test_retry_delay_is_attempts_to_the_fourth_plus_15_with_bounded_jitter(
    attempts: int, scale: float
) -> None:
    low, high = bounds(attempts, scale)
    rng = random.Random(attempts)
    for _ in range(200):
        assert low <= retry_delay(attempts, scale, rng) <= high


def test_first_retry_comes_after_about_16_seconds() -> None:
    delays = [retry_delay(1, 1.0) for _ in range(100)]  # the module's own randomness
    assert all(timedelta(seconds=16) <= d <= timedelta(seconds=18.5) for d in delays)
    assert len(set(delays)) > 1, "jitter spreads the retries of many jobs failing together"


def test_scale_multiplies_the_whole_delay() -> None:
    for attempts in (1, 4, 12):
        full = retry_delay(attempts, 1.0, random.Random(7))
        scaled = retry_delay(attempts, 0.001, random.Random(7))
        assert scaled.total_seconds() == pytest.approx(
            full.total_seconds() * 0.001,
            abs=1e-6,  # timedelta keeps microseconds
        )


def test_delays_grow_with_each_attempt() -> None:
    rng = random.Random(3)
    delays = [retry_delay(attempts, 1.0, rng) for attempts in range(1, 17)]
    assert delays == sorted(delays)


def test_sixteen_tries_span_about_three_days() -> None:
    """The default 16 attempts are 15 waits: between two and four days in all."""
    rng = random.Random(11)
    total = sum((retry_delay(attempts, 1.0, rng) for attempts in range(1, 16)), timedelta())
    assert timedelta(days=2) <= total <= timedelta(days=4)


# -- next_attempt -------------------------------------------------------------------------


def test_next_attempt_without_retry_after_is_the_backoff() -> None:
    low, high = bounds(2, 1.0)
    assert NOW + low <= next_attempt(NOW, 2, 1.0, None) <= NOW + high


def test_retry_after_longer_than_the_backoff_wins() -> None:
    assert next_attempt(NOW, 1, 1.0, 120) == NOW + timedelta(seconds=120)


def test_retry_after_shorter_than_the_backoff_does_not_hasten_it() -> None:
    low, high = bounds(6, 1.0)  # 1311 s and more
    assert NOW + low <= next_attempt(NOW, 6, 1.0, 5) <= NOW + high
    assert NOW + bounds(1, 1.0)[0] <= next_attempt(NOW, 1, 1.0, 0)


def test_retry_after_is_capped_at_one_day() -> None:
    """A peer cannot park our jobs for a year with one header."""
    assert next_attempt(NOW, 1, 1.0, 365 * 86400) == NOW + timedelta(days=1)


def test_retry_after_is_not_scaled() -> None:
    """The scale shrinks our own back-off in tests; the peer's wish is kept as it said it."""
    assert next_attempt(NOW, 1, 0.001, 120) == NOW + timedelta(seconds=120)


def test_retryable_4xx_are_mastodons() -> None:
    assert frozenset({401, 408, 429}) == RETRYABLE_4XX


# -- is_public ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {"to": [PUBLIC]},
        {"to": PUBLIC},
        {"cc": [PUBLIC]},
        {"to": ["https://a.example/followers"], "cc": ["as:Public"]},
        {"to": "Public"},
    ],
)
def test_public_forms_are_recognised(payload: dict[str, object]) -> None:
    assert is_public(payload)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"to": None, "cc": None},
        {"to": ["https://a.example/users/x/followers"]},
        {"to": "https://a.example/users/bob", "cc": []},
        {"bto": [PUBLIC], "audience": PUBLIC},  # only to and cc decide
        {"to": [PUBLIC + "/"]},
    ],
)
def test_non_public_audiences(payload: dict[str, object]) -> None:
    assert not is_public(payload)


# -- DomainHealth -------------------------------------------------------------------------


def fresh(domain: str = "peer.example") -> DomainHealth:
    return DomainHealth(domain=domain, failure_days=[], unavailable=False, blocked=False)


def test_failures_on_the_same_day_count_once() -> None:
    health = fresh()
    for _ in range(10):
        health.record_failure(date(2025, 3, 1), 3)
    assert health.failure_days == ["2025-03-01"]
    assert not health.unavailable


def test_unavailable_after_the_threshold_of_distinct_days() -> None:
    health = fresh()
    days = [date(2025, 3, 1), date(2025, 3, 4), date(2025, 3, 9)]  # need not be consecutive
    for day in days[:-1]:
        health.record_failure(day, 3)
        assert not health.unavailable
    health.record_failure(days[-1], 3)
    assert health.unavailable
    assert health.failure_days == [day.isoformat() for day in days]


def test_failure_days_keep_only_the_last_threshold_days() -> None:
    health = fresh()
    for offset in range(10):
        health.record_failure(date(2025, 3, 1) + timedelta(days=offset), 7)
    assert len(health.failure_days) == 7
    assert health.failure_days[-1] == "2025-03-10"
    assert health.unavailable


def test_threshold_of_one_day_makes_the_first_failure_decisive() -> None:
    health = fresh()
    health.record_failure(date(2025, 3, 1), 1)
    assert health.unavailable


def test_success_resets_the_failures_and_revives_the_domain() -> None:
    health = fresh()
    for offset in range(3):
        health.record_failure(date(2025, 3, 1) + timedelta(days=offset), 3)
    assert health.unavailable
    health.record_success(NOW)
    assert health.failure_days == []
    assert not health.unavailable
    assert health.last_success_at == NOW
    health.record_failure(date(2025, 3, 5), 3)
    assert not health.unavailable, "counting starts again from nothing"


# -- lifecycle ----------------------------------------------------------------------------

FINAL_DELIVERY_STATES = [
    DeliveryState.SENT,
    DeliveryState.FAILED,
    DeliveryState.DEAD,
    DeliveryState.CANCELLED,
]


@pytest.mark.parametrize("kind", list(TRANSITIONS))
def test_every_state_is_declared_with_targets_of_its_own_kind(kind: type[StrEnum]) -> None:
    table = TRANSITIONS[kind]
    assert set(table) == set(kind)
    for targets in table.values():
        assert all(isinstance(target, kind) for target in targets)


@pytest.mark.parametrize("final", FINAL_DELIVERY_STATES)
def test_a_queued_delivery_may_end_in_any_final_state(final: DeliveryState) -> None:
    check_transition(DeliveryState.QUEUED, final)
    check_transition("queued", final)  # as read from the database


@pytest.mark.parametrize("final", FINAL_DELIVERY_STATES)
@pytest.mark.parametrize("new", list(DeliveryState))
def test_final_delivery_states_are_final(final: DeliveryState, new: DeliveryState) -> None:
    if new == final:
        check_transition(final, new)  # staying put is a no-op
        return
    with pytest.raises(InvalidTransition, match=f"{final} -> {new}"):
        check_transition(final, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (FollowState.PENDING, FollowState.ACCEPTED),
        (FollowState.ACCEPTED, FollowState.UNDONE),
        (FollowState.UNDONE, FollowState.PENDING),
        (FollowState.REJECTED, FollowState.PENDING),
        (InboxState.RECEIVED, InboxState.PROCESSING),
        (InboxState.PROCESSING, InboxState.RECEIVED),  # a stale claim is taken again
        (InboxState.PROCESSING, InboxState.FAILED),
    ],
)
def test_allowed_transitions(current: StrEnum, new: StrEnum) -> None:
    check_transition(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (FollowState.ACCEPTED, FollowState.PENDING),
        (FollowState.UNDONE, FollowState.ACCEPTED),
        (InboxState.RECEIVED, InboxState.DONE),  # never applied without a claim
        (InboxState.DONE, InboxState.PROCESSING),
        (InboxState.FAILED, InboxState.RECEIVED),
    ],
)
def test_forbidden_transitions(current: StrEnum, new: StrEnum) -> None:
    with pytest.raises(InvalidTransition):
        check_transition(current, new)


def test_an_unknown_current_state_is_refused() -> None:
    with pytest.raises(ValueError, match="bogus"):
        check_transition("bogus", DeliveryState.SENT)
