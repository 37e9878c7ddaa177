"""Fold the fediverse's many spellings of the same thing into one shape.

Real servers send a single value where the spec says array, embedded objects
where we expect an id, prefixed keys (``as:sensitive``), timestamps with nine
fractional digits or no zone at all.  These helpers are pure and never raise on
odd input: they answer "nothing usable" (``None``/empty) instead, so that the
parsers built on them decide what is fatal.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeGuard
from urllib.parse import urlsplit

__all__ = [
    "PUBLIC",
    "PUBLIC_ALIASES",
    "addresses",
    "as_list",
    "bounded",
    "first_id",
    "get_prop",
    "ids",
    "is_http_uri",
    "language_map",
    "link_url",
    "media_type_of",
    "parse_datetime",
    "parse_datetime_keep_offset",
    "plain_text",
    "repair_mojibake",
    "type_names",
]

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_ALIASES: frozenset[str] = frozenset({PUBLIC, "as:Public", "Public"})

_UNDETERMINED = "und"


def as_list(value: Any) -> list[Any]:
    """``None`` → ``[]``, a list/tuple → a list copy, anything else → ``[value]``."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


# A peer's list is read only this far: enough for any honest object (Mastodon sends at most a
# few dozen tags, 4 to 16 attachments), and it keeps every loop over a peer's list short.
MAX_LIST_ITEMS = 256


def bounded(value: Any, limit: int = MAX_LIST_ITEMS) -> list[Any]:
    """``as_list`` cut to its first ``limit`` items: what we loop over when a peer sends a list."""
    if isinstance(value, list | tuple):
        return list(value[:limit])
    return as_list(value)


_UNSAFE_CHAR = re.compile(r"[\s\x00-\x1f\x7f]")


def is_http_uri(value: Any) -> TypeGuard[str]:
    """True for an absolute http(s) URI with a host and no whitespace.

    Only syntax is checked: placeholder hosts from test fixtures pass, bare
    handles such as ``user@example.com`` do not.
    """
    if not isinstance(value, str) or not value or len(value) > 4096:
        return False
    if _UNSAFE_CHAR.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _candidate(item: Any) -> str | None:
    if isinstance(item, str):
        return item if is_http_uri(item) else None
    if isinstance(item, Mapping):
        # Link-like values name their target in href; objects in id.
        order = ("href", "id") if _is_link(item) else ("id", "href")
        for key in order:
            value = item.get(key)
            if is_http_uri(value):
                return value
    return None


def _is_link(item: Mapping[str, Any]) -> bool:
    names = type_names(item)
    return "id" not in item or bool({"Link", "Mention"} & set(names))


def first_id(value: Any) -> str | None:
    """The first usable http(s) id in a string, object, Link or list of those."""
    for item in as_list(value):
        found = _candidate(item)
        if found is not None:
            return found
    return None


def ids(value: Any) -> list[str]:
    """Every usable http(s) id, in order, without duplicates."""
    seen: dict[str, None] = {}
    for item in as_list(value):
        found = _candidate(item)
        if found is not None:
            seen.setdefault(found, None)
    return list(seen)


_DATETIME = re.compile(
    r"""^\s*
    (?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})
    (?:[Tt\ ]
        (?P<hour>\d{1,2}):(?P<minute>\d{2})
        (?::(?P<second>\d{2})(?:[.,](?P<fraction>\d*))?)?
    )?
    \s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?
    \s*$""",
    re.VERBOSE,
)


def _zone(text: str | None) -> timezone | None:
    if not text or text in ("Z", "z"):
        return UTC if text else None
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_datetime_keep_offset(value: Any) -> datetime | None:
    """Parse an ISO 8601 timestamp and keep the offset it was written with.

    Events need this: ``2021-07-14T17:30:57+02:00`` says both *when* and in
    which local time the organisers think.  A timestamp without a zone is taken
    as UTC.  Fractions longer than microseconds are truncated.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or len(value) > 64:
        return None
    match = _DATETIME.match(value)
    if match is None:
        return None
    try:
        fraction = (match["fraction"] or "")[:6].ljust(6, "0")
        hour = int(match["hour"] or 0)
        second = min(int(match["second"] or 0), 59)  # leap seconds
        extra = timedelta(0)
        if hour == 24:  # "24:00" is midnight at the end of the day
            hour, extra = 0, timedelta(days=1)
        result = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            hour,
            int(match["minute"] or 0),
            second,
            int(fraction),
            tzinfo=_zone(match["zone"]) or UTC,
        )
        return result + extra
    except (ValueError, OverflowError):
        return None


def parse_datetime(value: Any) -> datetime | None:
    """Parse an ISO 8601 timestamp into an aware UTC datetime, or ``None``."""
    parsed = parse_datetime_keep_offset(value)
    if parsed is None:
        return None
    try:
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def type_names(doc: Any) -> list[str]:
    """The document's types as bare names (``as:Note`` and full IRIs → ``Note``)."""
    if not isinstance(doc, Mapping):
        return []
    names: dict[str, None] = {}
    for raw in bounded(doc.get("type", doc.get("@type")), 16):
        if not isinstance(raw, str) or not raw.strip():
            continue
        name = raw.strip()
        if "://" in name:
            name = re.split(r"[#/]", name.rstrip("/#"))[-1]
        elif ":" in name:
            name = name.split(":", 1)[1]
        if name:
            names.setdefault(name, None)
    return list(names)


_SIMPLE_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


def get_prop(doc: Mapping[str, Any], name: str) -> Any:
    """Read ``name`` or a prefixed spelling of it (``as:name``, ``toot:name`` …).

    The plain key wins; a prefixed key is used only when the plain one is
    absent or ``null``.  Contexts are never consulted: they are too often wrong
    (typos, per-instance URLs) to be trusted for naming.
    """
    if not isinstance(doc, Mapping):
        return None
    value = doc.get(name)
    if value is not None:
        return value
    suffix = ":" + name
    # A comprehension keeps the common case (no prefixed spelling) cheap.
    for key in [k for k in doc if type(k) is str and k.endswith(suffix)]:
        candidate = doc[key]
        if candidate is not None and _SIMPLE_PREFIX.match(key[: -len(suffix)]):
            return candidate
    return None


def _context_language(doc: Mapping[str, Any]) -> str | None:
    for entry in bounded(doc.get("@context"), 16):
        if isinstance(entry, Mapping):
            lang = entry.get("@language")
            if isinstance(lang, str) and lang.strip():
                return lang.strip()
    return None


def _declared_language(doc: Mapping[str, Any]) -> str | None:
    """The language the document states for itself, outside any ``*Map``.

    Lemmy sends ``language: {identifier, name}``; others use a plain
    ``language``/``inLanguage`` code or an ``@language`` in the context.
    """
    for key in ("language", "inLanguage"):
        for item in bounded(get_prop(doc, key), 16):
            code = item.get("identifier") if isinstance(item, Mapping) else item
            if isinstance(code, str) and _looks_like_language(code):
                return code.strip()
    return _context_language(doc)


_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$")


def _looks_like_language(code: str) -> bool:
    return bool(_LANGUAGE_TAG.match(code.strip()))


def language_map(doc: Mapping[str, Any], field: str) -> dict[str, str]:
    """Merge ``field`` and ``fieldMap`` into one language-keyed map.

    The map's own entries come first (their order is the sender's preference).
    The plain value is added under the document's declared language, or
    ``"und"``, unless the map already holds the same visible text (markup and
    spacing aside) or already has that language.  Blank values are dropped.
    """
    result: dict[str, str] = {}
    raw_map = get_prop(doc, field + "Map")
    if isinstance(raw_map, Mapping):
        for lang, text in raw_map.items():
            if isinstance(lang, str) and lang.strip() and isinstance(text, str) and text.strip():
                result.setdefault(lang.strip(), text)
    plain = get_prop(doc, field)
    if isinstance(plain, str) and plain.strip():
        fingerprint = _fingerprint(plain)
        if not any(_fingerprint(text) == fingerprint for text in result.values()):
            result.setdefault(_declared_language(doc) or _UNDETERMINED, plain)
    return result


_TAG_OR_SPACE = re.compile(r"<[^>]*>|\s+")


def _fingerprint(value: str) -> str:
    """The visible characters of ``value``, so that the same text in different
    markup or spacing (Friendica's ``<bdi>`` vs Mastodon's ``h-card``) matches."""
    return html.unescape(_TAG_OR_SPACE.sub("", value)).casefold()


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as Latin-1 on the way (``ì\\x97\\x90`` → ``에``).

    Some servers double-encode display names.  The repair only applies when
    the whole string round-trips as strict UTF-8 and changes, which genuine
    Latin-1 text practically never does.
    """
    if text.isascii():
        return text
    try:
        repaired = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text
    return repaired


def addresses(value: Any) -> list[str]:
    """Recipients from ``to``/``cc``/``audience``, with every spelling of the
    public collection (``as:Public``, ``Public``) folded into :data:`PUBLIC`."""
    result: dict[str, None] = {}
    for item in as_list(value):
        if isinstance(item, str) and item.strip() in PUBLIC_ALIASES:
            result.setdefault(PUBLIC, None)
            continue
        found = _candidate(item)
        if found is not None:
            result.setdefault(found, None)
    return list(result)


def media_type_of(item: Mapping[str, Any]) -> str | None:
    """``mediaType``, or the ``mimeType``/``media_type`` some servers send instead."""
    for key in ("mediaType", "mimeType", "media_type"):
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return None


def _href(item: Any) -> str | None:
    if isinstance(item, str):
        return item if is_http_uri(item) else None
    if isinstance(item, Mapping):
        href = item.get("href")
        if is_http_uri(href):
            return href
        url = item.get("url")
        if is_http_uri(url):
            return url
        if isinstance(url, Mapping | list):
            return link_url(url)
    return None


def link_url(value: Any, prefer: str | None = "text/html") -> str | None:
    """The target of a ``url``-like value: a string, a Link, or a list of Links.

    When several Links are given, the one whose media type starts with
    ``prefer`` wins (the HTML page rather than the HLS playlist); otherwise the
    first usable one.
    """
    fallback: str | None = None
    for item in as_list(value):
        href = _href(item)
        if href is None:
            continue
        if prefer and isinstance(item, Mapping) and (media_type_of(item) or "").startswith(prefer):
            return href
        fallback = fallback or href
    return fallback


def plain_text(value: Any) -> str | None:
    """A display string: entities decoded, mojibake repaired, stripped; ``None`` if blank."""
    if not isinstance(value, str):
        return None
    text = repair_mojibake(html.unescape(value)).strip()
    return text or None
