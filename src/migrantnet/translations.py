"""The interface's own words in five languages: gettext catalogues and the language of a request.

The catalogues are the `.po` files under `locale/<language>/LC_MESSAGES/`, read once when
first needed and compiled in memory, so there is no `.mo` file to build or forget. The
language of the interface is a context variable set per request (`web/interface_language.py`),
never a global swapped under concurrent requests: `gettext` below reads it at call time, in
templates (through Jinja's i18n extension) and in Python alike. Every layer may use this
module; it imports nothing of ours.

Mark a string for extraction without translating it yet (a table built at import time,
translated when shown) with `N_`.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
# The interface languages, each named in itself, in the switcher's order.
INTERFACE_LANGUAGES: dict[str, str] = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
    "ar": "العربية",
}

_language: ContextVar[str] = ContextVar("interface_language", default=DEFAULT_LANGUAGE)


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of an interface language (English: the msgids themselves)."""
    path = po_path(language)
    if language not in INTERFACE_LANGUAGES or not path.exists():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def interface_language() -> str:
    """The language the current request's interface is shown in."""
    return _language.get()


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Speak `language` for the duration of the block (a request, a test, a CLI command)."""
    token = _language.set(language if language in INTERFACE_LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


class Term(str):
    """A catalogue id given as a value of a message ("PDF document"): translated with it."""

    __slots__ = ()


def spoken(value: object) -> object:
    """A message's value as the reader gets it: a `Term` translated, an error that can say
    itself in the interface language (`.shown()`) saying it, anything else as it is."""
    if isinstance(value, Term):
        return gettext(value)
    shown = getattr(value, "shown", None)
    return shown() if callable(shown) else value


def say(message: str, /, **values: object) -> str:
    """`message` (a catalogue id) in the interface language, its values `spoken`."""
    return gettext(message, **{name: spoken(value) for name, value in values.items()})


def english(message: str, /, **values: object) -> str:
    """The same message in English, as logs, the command line and the JSON API give it."""
    return message % values if values else message


def gettext(message: str, **values: object) -> str:
    """`message` in the interface language, with `%(name)s` placeholders filled from `values`."""
    text = translations(_language.get()).ugettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, count: int, **values: object) -> str:
    """The form for `count` in the interface language (Arabic has six); `%(num)s` is `count`."""
    text = translations(_language.get()).ungettext(singular, plural, count)
    return text % {"num": count, **values}


def N_(message: str) -> str:  # noqa: N802 (the gettext convention extractors look for)
    """Marks `message` for the catalogues; it is translated where it is shown."""
    return message
