"""Every value that becomes an `href` on a page passes here: http(s) or a path of this site.

Peers and API callers send URLs (event organizers, links, attachments); one that is
`javascript:` or `data:` would run in a visitor's browser when clicked. Stored values are
checked where they come in too; this is the last gate, so old rows cannot slip through.
"""

from __future__ import annotations

from urllib.parse import urlsplit

HREF_SCHEMES = frozenset({"http", "https"})


def safe_href(value: str | None) -> str:
    """`value` when it is an http(s) URL or a path on this site (`/…`), else "" (no target)."""
    if not value or any(ord(char) < 0x20 or char.isspace() for char in value):
        return ""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    if parts.scheme.lower() in HREF_SCHEMES and parts.netloc:
        return value
    return ""
