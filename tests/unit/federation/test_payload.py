from __future__ import annotations

import pytest

from migrantnet.federation.payload import decode_json


def test_nul_characters_are_dropped_everywhere() -> None:
    assert decode_json('{"a\\u0000": ["x\\u0000y", {"b": "\\u0000"}], "n": 1}') == {
        "a": ["xy", {"b": ""}],
        "n": 1,
    }


@pytest.mark.parametrize(
    "text", ['{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', "[" * 100_000]
)
def test_what_is_not_json_or_too_deep_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        decode_json(text)
