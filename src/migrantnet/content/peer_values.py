"""What a peer's values become when we store them: kept when usable, dropped when not.

A remote object is never refused for one odd field: an unknown status becomes the default,
a country name becomes its ISO code, a topic or language we cannot read is left out. Each
kind's `store_remote` (registered in `content/kinds.py`) builds its row from these.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale

from migrantnet.content.errors import InvalidInput
from migrantnet.content.languages import check_language, country_codes
from migrantnet.content.topics import check_topics


def known_zone(name: str | None) -> str | None:
    """The zone's name when this machine knows it; else None (the caller picks UTC)."""
    if not name or len(name) > 64:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name


def member(enum: type[StrEnum], value: Any, default: StrEnum) -> str:
    """The enum's value a peer sent, or the default for one we do not know."""
    try:
        return str(enum(value))
    except ValueError:
        return str(default)


def text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:limit]


def as_date(value: Any) -> date | None:
    return value if isinstance(value, date) else None


def countries(values: Any) -> list[str]:
    found = [country_code(value) for value in values or []]
    return list(dict.fromkeys(code for code in found if code))


def topics(values: Any) -> list[str]:
    result: list[str] = []
    for value in values or []:
        try:
            result += check_topics([value])
        except InvalidInput:
            continue
    return list(dict.fromkeys(result))[:20]


def languages(values: Any) -> list[str]:
    result: list[str] = []
    for value in values or []:
        try:
            result.append(check_language(value))
        except (InvalidInput, AttributeError):
            continue
    return list(dict.fromkeys(result))


# Country names are matched in the languages our interface speaks, and a few more peers use.
_NAME_LANGUAGES = ("en", "fr", "es", "it", "ar", "de", "pt", "nl", "ca")


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    codes = country_codes()
    for language in _NAME_LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if code in codes:
                names.setdefault(name.casefold(), code)
    return names


def country_code(value: Any) -> str | None:
    """An ISO 3166 code from a code or a country name (Mobilizon sends "France"); else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    found = value.strip()
    if len(found) == 2 and found.upper() in country_codes():
        return found.upper()
    return _country_names().get(found.casefold())
