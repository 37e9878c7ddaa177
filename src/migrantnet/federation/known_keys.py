"""Signers' public keys kept in memory for a moment, so a busy inbox does not ask the
database for the same key on every delivery.

A boosted post brings bursts of deliveries signed by the same few servers' keys; each one once
cost a database session of its own before the signature could be checked. An entry lives for
`check_seconds` (the time in which every process notices changes made by others, see
`render_cache_check_seconds`): a key rotated by an actor's Update, or removed with its
account, stops verifying at most that long after the change was stored. A signature that fails
against a kept key is retried with a fresh fetch (the refetch-on-failure rule of
`signatures/key_lookup.py`), which also drops the kept copy. The table is bounded.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from migrantnet.federation.signatures.key_lookup import PublicKey

MAX_KEYS = 10_000


class KnownKeys:
    def __init__(
        self,
        *,
        check_seconds: float,
        entries: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.check_seconds = check_seconds
        self.entries = entries
        self.clock = clock
        self._keys: OrderedDict[str, tuple[PublicKey, float]] = OrderedDict()

    def get(self, key_id: str) -> PublicKey | None:
        found = self._keys.get(key_id)
        if found is None:
            return None
        key, kept_at = found
        if self.clock() - kept_at >= self.check_seconds:
            del self._keys[key_id]
            return None
        return key

    def keep(self, key: PublicKey) -> None:
        if self.check_seconds <= 0 or self.entries <= 0:
            return
        self._keys[key.key_id] = (key, self.clock())
        self._keys.move_to_end(key.key_id)
        while len(self._keys) > self.entries:
            self._keys.popitem(last=False)

    def forget(self, key_id: str) -> None:
        self._keys.pop(key_id, None)
