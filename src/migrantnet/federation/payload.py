"""Decoding peers' JSON into values our databases can hold, for inboxes and fetches alike.

Python's json accepts `NaN` and `Infinity`, which are not JSON, and makes `1e400` an
infinity; PostgreSQL's jsonb refuses all three. JSON's `\\u0000` is valid but no text column
holds a NUL. Each would turn a peer's oddity into our error, so they are settled here, at the
border.
"""

from __future__ import annotations

import json
import math
from typing import Any


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # `1e400` is valid JSON, but an infinity for Python
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def decode_json(body: bytes | str) -> Any:
    """Parse JSON strictly (no NaN/Infinity) and drop NUL characters; raises ValueError."""
    try:
        doc = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
        return _without_nul(doc)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
