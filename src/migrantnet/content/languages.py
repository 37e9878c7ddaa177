"""Language and country codes, checked against CLDR (Babel) rather than a hand-made list."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

from migrantnet.content.errors import InvalidInput
from migrantnet.translations import N_


@lru_cache(maxsize=512)
def _known_language(tag: str) -> bool:
    try:
        Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def check_language(tag: str, field: str = "language") -> str:
    """A BCP 47 tag CLDR knows (`fr`, `ar`, `pt-BR`, `zh-Hant`), in its canonical case."""
    parts = tag.strip().replace("_", "-").split("-")
    if not parts[0] or not parts[0].isalpha():
        raise InvalidInput(
            field, N_("%(tag)s is not a language code such as 'fr' or 'ar'"), tag=repr(tag)
        )
    canonical = "-".join(
        [parts[0].lower()]
        + [p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p for p in parts[1:]]
    )
    if not _known_language(canonical):
        raise InvalidInput(field, N_("%(tag)s is not a known language code"), tag=repr(tag))
    return canonical


# CLDR also names groupings and placeholders that are not countries.
NOT_COUNTRIES = frozenset({"ZZ", "QO", "EU", "EZ", "UN", "XA", "XB"})


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    return frozenset(
        code
        for code in Locale("en").territories
        if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    )


def check_countries(codes: list[str]) -> list[str]:
    """ISO 3166-1 alpha-2 codes, upper-cased, without duplicates, in the given order."""
    result: list[str] = []
    for code in codes:
        upper = code.strip().upper()
        if upper not in country_codes():
            raise InvalidInput(
                "countries", N_("%(code)s is not an ISO 3166 country code"), code=repr(code)
            )
        if upper not in result:
            result.append(upper)
    return result


def country_name(code: str, language: str) -> str:
    try:
        return Locale.parse(language.replace("-", "_")).territories.get(code, code)
    except (UnknownLocaleError, ValueError):
        return code
