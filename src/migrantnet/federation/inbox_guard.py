"""What keeps the inbox standing under a flood: rate limits and a memory of failed key fetches.

Kept in this process's memory (one node is one process, or a few behind the same database:
each then allows its share), keyed by actor id and domain, never by IP address. Both tables are
bounded, so a flood of new names costs a fixed amount of memory.

- Verified deliveries count per actor and per domain (token buckets): past the limit the peer
  gets 429 with `Retry-After` and, as Mastodon and GoToSocial do, sends again later; nothing
  is stored, so nothing is lost. Only verified requests count, so nobody can spend another
  actor's budget by naming it in unsigned posts.
- A key that could not be fetched is not fetched again for a while: an unsigned POST with a
  fresh `keyId` made the node fetch a URL of the attacker's choosing every time. Fetches of
  unknown keys are also limited per key host.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from migrantnet.federation.errors import RateLimited

MAX_TRACKED = 10_000  # names kept per table; the least recently seen go first


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """`per_minute` events per key on average, bursts up to `per_minute`; bounded in size."""

    def __init__(self, per_minute: int, clock: Callable[[], float]) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def bucket(self, key: str) -> _Bucket:
        """The bucket of `key`, refilled for the time since it was last seen."""
        now = self.clock()
        bucket = self.buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(self.capacity, now)
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
            bucket.updated = now
        self.buckets[key] = bucket
        if len(self.buckets) > MAX_TRACKED:
            self.buckets.popitem(last=False)
        return bucket

    def wait(self, bucket: _Bucket) -> float:
        """Seconds until `bucket` holds a token again (0: it holds one now)."""
        return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate

    def take(self, key: str) -> float:
        """Spend one token for `key`: 0 when allowed, else the seconds until one is back."""
        bucket = self.bucket(key)
        wait = self.wait(bucket)
        if not wait:
            bucket.tokens -= 1
        return wait


class FailedKeys:
    """Key ids whose fetch failed, remembered for `seconds`; bounded in size."""

    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self.seconds = seconds
        self.clock = clock
        self.failed: OrderedDict[str, float] = OrderedDict()

    def recently_failed(self, key_id: str) -> bool:
        until = self.failed.get(key_id)
        if until is None:
            return False
        if until <= self.clock():
            del self.failed[key_id]
            return False
        return True

    def remember(self, key_id: str) -> None:
        self.failed.pop(key_id, None)
        self.failed[key_id] = self.clock() + self.seconds
        if len(self.failed) > MAX_TRACKED:
            self.failed.popitem(last=False)

    def forget(self, key_id: str) -> None:
        self.failed.pop(key_id, None)


class InboxGuard:
    """The limits of one node's inbox, made once per process with its settings."""

    def __init__(
        self,
        *,
        actor_per_minute: int,
        domain_per_minute: int,
        key_fetches_per_minute: int,
        failed_key_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.actors = TokenBuckets(actor_per_minute, clock)
        self.domains = TokenBuckets(domain_per_minute, clock)
        self.key_hosts = TokenBuckets(key_fetches_per_minute, clock)
        self.failed_keys = FailedKeys(failed_key_seconds, clock)

    def admit(self, actor: str, domain: str) -> None:
        """Count one verified delivery; `RateLimited` when its domain or actor is over (and
        then neither is charged: a refused request spends nobody's budget)."""
        by_domain, by_actor = self.domains.bucket(domain), self.actors.bucket(actor)
        wait = self.domains.wait(by_domain)
        if wait:
            raise RateLimited(f"too many deliveries from {domain}", _seconds(wait))
        wait = self.actors.wait(by_actor)
        if wait:
            raise RateLimited("too many deliveries from this actor", _seconds(wait))
        by_domain.tokens -= 1
        by_actor.tokens -= 1


def _seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
