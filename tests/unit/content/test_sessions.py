from __future__ import annotations

from datetime import timedelta

import pytest

from migrantnet.content.sessions import (
    FREE_FAILURES,
    MAX_WAIT,
    device_label,
    keyed_hash,
    throttle_wait,
)


def test_guessing_waits_double_after_the_free_failures_up_to_a_limit() -> None:
    assert [throttle_wait(n) for n in range(FREE_FAILURES + 1)] == [timedelta(0)] * (
        FREE_FAILURES + 1
    )
    waits = [throttle_wait(n) for n in range(FREE_FAILURES + 1, FREE_FAILURES + 12)]
    assert waits[0] == timedelta(seconds=30) and waits[1] == timedelta(seconds=60)
    assert waits == sorted(waits) and waits[-1] == MAX_WAIT


def test_keyed_hash_depends_on_the_node_key() -> None:
    assert keyed_hash(b"a", "token") != keyed_hash(b"b", "token")
    assert len(keyed_hash(b"a", "token")) == 64


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (
            "Mozilla/5.0 (Linux; Android 10; K) Chrome/120.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox on Linux",
        ),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", "Safari on iPhone"),
        (None, "unknown browser"),
    ],
)
def test_device_labels_are_coarse(agent: str | None, label: str) -> None:
    assert device_label(agent) == label
