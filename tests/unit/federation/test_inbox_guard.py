"""The inbox's rate limits and failed-key memory, on a clock the test moves."""

from __future__ import annotations

import pytest

from migrantnet.federation.errors import RateLimited
from migrantnet.federation.inbox_guard import MAX_TRACKED, FailedKeys, InboxGuard, TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_a_burst_then_refills_at_its_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(60, clock)  # one a second on average
    assert [buckets.take("a") for _ in range(60)] == [0.0] * 60
    assert buckets.take("a") == pytest.approx(1.0)
    clock.now += 2.5
    assert buckets.take("a") == 0.0 and buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    assert buckets.take("b") == 0.0  # another key has its own budget


def test_buckets_and_failed_keys_stay_bounded() -> None:
    clock = Clock()
    buckets, failed = TokenBuckets(10, clock), FailedKeys(60, clock)
    for i in range(MAX_TRACKED + 500):
        buckets.take(f"actor{i}")
        failed.remember(f"key{i}")
    assert len(buckets.buckets) == MAX_TRACKED
    assert len(failed.failed) == MAX_TRACKED


def test_a_failed_key_is_forgotten_after_its_time() -> None:
    clock = Clock()
    failed = FailedKeys(600, clock)
    failed.remember("https://peer.example/users/a#main-key")
    assert failed.recently_failed("https://peer.example/users/a#main-key")
    clock.now += 601
    assert not failed.recently_failed("https://peer.example/users/a#main-key")


def test_admit_names_the_wait_and_charges_nobody_when_refused() -> None:
    clock = Clock()
    guard = InboxGuard(
        actor_per_minute=2,
        domain_per_minute=3,
        key_fetches_per_minute=1,
        failed_key_seconds=60,
        clock=clock,
    )
    guard.admit("https://a.example/u/1", "a.example")
    guard.admit("https://a.example/u/1", "a.example")
    with pytest.raises(RateLimited) as refused:
        guard.admit("https://a.example/u/1", "a.example")
    assert refused.value.retry_after == 30
    assert refused.value.headers == {"Retry-After": "30"}
    guard.admit("https://a.example/u/2", "a.example")  # the refusal spent no domain token
    with pytest.raises(RateLimited, match=r"a\.example"):
        guard.admit("https://a.example/u/3", "a.example")
