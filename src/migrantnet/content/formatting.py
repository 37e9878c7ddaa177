"""How dates, time zones and sizes are written, for peers and for readers.

One place for what pages (`web/views`), serialisers (`federation/serialize`) and the event
summaries of `content/events` all need: ISO 8601 UTC instants with a Z, a zone that falls
back to UTC instead of failing on a peer's unknown name, Babel's localised dates in the
reader's language, and human sizes of files.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime


def iso(value: datetime) -> str:
    """An instant as peers expect it: ISO 8601 in UTC, to the second, with a Z."""
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def zone(name: str) -> ZoneInfo:
    """An IANA zone by name; UTC for a name this machine does not know (a peer's typo)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo("UTC")


def locale_of(language: str | None) -> Locale:
    """Babel's locale for a BCP 47 tag; English when the tag is unknown or missing."""
    try:
        return Locale.parse((language or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale("en")


def day_text(value: date, language: str | None) -> str:
    """A day written out in a language ("3 March 2026"); ISO when Babel cannot."""
    try:
        return format_date(value, "long", locale=locale_of(language))
    except (ValueError, LookupError):
        return value.isoformat()


def datetime_text(value: datetime, pattern: str, where: ZoneInfo, language: str | None) -> str:
    """An instant as wall-clock time in a zone, by a Babel pattern, in a language."""
    try:
        return format_datetime(value, pattern, tzinfo=where, locale=locale_of(language))
    except (ValueError, LookupError):
        return value.astimezone(where).strftime("%Y-%m-%d %H:%M")


def utc_offset(value: datetime) -> str:
    """ "UTC+02:00" for an aware local time."""
    raw = value.strftime("%z") or "+0000"
    return f"UTC{raw[:3]}:{raw[3:]}"


def zone_label(name: str, local: datetime) -> str:
    """ "Europe/Paris (CEST, UTC+02:00)": the zone's name, abbreviation and offset."""
    abbreviation = local.strftime("%Z")
    if abbreviation and abbreviation[0].isalpha() and abbreviation != name:
        return f"{name} ({abbreviation}, {utc_offset(local)})"
    return f"{name} ({utc_offset(local)})"


def size_label(size: int | None) -> str | None:
    """A file's size for readers: "512 B", "120 KB", "1.5 MB"."""
    if size is None:
        return None
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
