"""Language negotiation: which language a reader gets, and which way it is written.

`?lang=xx` first, then Accept-Language (q values honoured), then the author's primary
language; right-to-left scripts get `dir="rtl"`.
"""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError

from migrantnet.content.formatting import locale_of

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"})


def text_direction(language: str | None) -> str:
    return "rtl" if language and language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def pick_language(values: dict[str, str], wanted: list[str], primary: str | None) -> str | None:
    """The reader's language when the text exists in it, else the author's primary one."""
    for language in wanted:
        for key in values:
            if key.lower() == language.lower():
                return key
        base = language.split("-")[0].lower()
        for key in values:
            if key.split("-")[0].lower() == base:
                return key
    if primary and primary in values:
        return primary
    return next(iter(values), None)


def accepted_languages(header: str | None) -> list[str]:
    """Accept-Language in order of preference (q values honoured, malformed parts skipped)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if quality <= 0:
            continue
        ranked.append((-quality, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def wanted_languages(header: str | None, forced: str | None) -> list[str]:
    """`?lang=xx` first (when the text exists in it, it wins), then Accept-Language."""
    wanted = accepted_languages(header)
    if forced and re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", forced):
        return [forced.lower(), *wanted]
    return wanted


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def language_name(code: str, in_language: str | None = None) -> str:
    """A language's name in another language, or in itself (an autonym) by default."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(locale_of(in_language or code))
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return capitalised(name) if name else code
