"""Links that authors and peers give us (organizers, online addresses, resource links).

Each one is shown as an `href` somewhere, so only absolute http(s) URLs within our column
length are kept: a `javascript:` or `data:` link stored once would be served to every visitor.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048


def is_http_url(value: Any) -> bool:
    """An absolute http(s) URL with a host, no whitespace or control characters, ≤ 2048."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL_LENGTH:
        return False
    if any(ord(char) < 0x21 or char == "\x7f" for char in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)
