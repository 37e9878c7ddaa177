"""Every interface string is in every catalogue, translated, with the same placeholders.

The strings are extracted here as `pybabel extract -F babel.cfg` would (Babel's Python
extractor and Jinja's), so a new `_()` in a template or a Python module fails this test
until its translations are written in every `.po` file (README, "Languages").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from migrantnet.translations import (
    INTERFACE_LANGUAGES,
    N_,
    gettext,
    ngettext,
    po_path,
    translations,
    use_language,
)

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "migrantnet"
METHODS = [
    ("**/templates/**.html", "jinja2"),
    ("**.py", "python"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TRANSLATED = [language for language in INTERFACE_LANGUAGES if language != "en"]


def extracted() -> dict[str, tuple[str, ...] | str]:
    """msgid -> msgid (or the singular -> (singular, plural)), with where it was found."""
    found: dict[str, tuple[str, ...] | str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), METHODS, options_map=OPTIONS, keywords={**DEFAULT_KEYWORDS, "N_": None}
    ):
        key = message[0] if isinstance(message, tuple) else message
        if key:
            found[key] = message
            found.setdefault(f"file:{key}", filename)
    return found


@pytest.fixture(scope="module")
def messages() -> dict[str, tuple[str, ...] | str]:
    return {key: value for key, value in extracted().items() if not key.startswith("file:")}


def catalogue(language: str) -> Catalog:
    with po_path(language).open("rb") as source:
        # A malformed entry (a msgid without its msgstr) is an error, not a printed warning.
        return read_po(source, locale=language, abort_invalid=True)


def test_the_extractors_see_templates_and_python(messages: dict) -> None:
    assert "Skip to content" in messages  # base.html
    assert "Declaration" in messages  # web/views/kinds.py, marked with N_
    assert "This event is cancelled." in messages  # a kind's template
    assert isinstance(messages["Send them this link; it works once, for %(num)s day:"], tuple)


@pytest.mark.parametrize("language", sorted(INTERFACE_LANGUAGES))
def test_every_string_is_in_the_catalogue(language: str, messages: dict) -> None:
    known = {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalogue(language)
    }
    where = extracted()
    missing = sorted(f"{where[f'file:{key}']}: {key!r}" for key in messages if key not in known)
    assert missing == [], f"add these to {po_path(language)} (README, 'Languages')"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated_with_its_placeholders(language: str, messages: dict) -> None:
    problems = []
    plurals = catalogue(language).num_plurals
    for message in catalogue(language):
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key not in messages:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        if isinstance(message.id, tuple) and len(texts) != plurals:
            problems.append(f"{len(texts)} plural forms instead of {plurals}: {key!r}")
        allowed = set(
            PLACEHOLDER.findall(
                " ".join(message.id if isinstance(message.id, tuple) else (message.id,))
            )
        )
        for text in texts:
            if not text.strip():
                problems.append(f"untranslated: {key!r}")
            elif not set(PLACEHOLDER.findall(text)) <= allowed:
                problems.append(f"unknown placeholder in {text!r}")
            elif "%" in PLACEHOLDER.sub("", text):
                problems.append(f"a bare % breaks Jinja's formatting: {text!r}")
            elif not isinstance(message.id, tuple) and set(PLACEHOLDER.findall(text)) != allowed:
                problems.append(f"a placeholder is lost in {text!r}")
    assert problems == []


def test_no_catalogue_keeps_strings_nobody_uses(messages: dict) -> None:
    stale = {
        language: sorted(
            key
            for message in catalogue(language)
            if message.id
            and (key := message.id if isinstance(message.id, str) else message.id[0])
            not in messages
        )
        for language in INTERFACE_LANGUAGES
    }
    assert stale == {language: [] for language in INTERFACE_LANGUAGES}


def test_arabic_has_six_plural_forms_and_uses_them() -> None:
    singular = "Send them this link; it works once, for %(num)s day:"
    plural = "Send them this link; it works once, for %(num)s days:"
    assert catalogue("ar").num_plurals == 6
    with use_language("ar"):
        forms = {ngettext(singular, plural, n) for n in (0, 1, 2, 3, 11, 100)}
        assert len(forms) == 6
        assert "يومين" in ngettext(singular, plural, 2)  # the dual
        assert "7 أيام" in ngettext(singular, plural, 7)
    with use_language("fr"):
        assert ngettext(singular, plural, 7).endswith("pendant 7 jours :")
        assert ngettext(singular, plural, 1).endswith("pendant 1 jour :")


def test_gettext_follows_the_language_in_use_and_falls_back_to_english() -> None:
    assert gettext("Sign in") == "Sign in"
    with use_language("ar"):
        assert gettext("Sign in") == "تسجيل الدخول"
        with use_language("es"):
            assert gettext("Sign in") == "Iniciar sesión"
        assert gettext("Associations on %(domain)s", domain="a.example") == "الجمعيات على a.example"
    with use_language("zz"):
        assert gettext("Sign in") == "Sign in"
    assert translations("zz").ugettext("Sign in") == "Sign in"


def _module_messages(tree: ast.Module) -> set[str]:
    """Names bound at module level to `N_("...")` (a message kept in a constant)."""
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "id", None) == "N_"
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def test_every_invalid_input_message_is_a_catalogue_id() -> None:
    """A domain error's message is shown beside a form field in the reader's language: it must
    be an `N_("...")` id with `%(name)s` values (or already translated with `gettext`), never a
    finished English f-string that no catalogue can hold."""
    unmarked = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _module_messages(tree)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call) and getattr(node.func, "id", None) == "InvalidInput"
            ):
                continue
            message = node.args[1] if len(node.args) > 1 else None
            marked = (
                isinstance(message, ast.Call)
                and getattr(message.func, "id", None) in ("N_", "gettext")
            ) or (isinstance(message, ast.Name) and message.id in constants)
            if not marked:
                unmarked.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert unmarked == []


def test_a_domain_error_is_english_in_logs_and_translated_when_shown() -> None:
    from migrantnet.content.errors import InvalidInput, Term, shown

    error = InvalidInput(
        "file", N_("%(name)s is not a valid %(noun)s"), name="'a.png'", noun=Term(N_("PNG image"))
    )
    assert str(error) == "file: 'a.png' is not a valid PNG image"
    assert error.message == "'a.png' is not a valid PNG image"
    with use_language("ar"):
        assert str(error) == "file: 'a.png' is not a valid PNG image"
        assert shown(error) == error.shown() == "\u2068'a.png'\u2069 ليس ملفًا صالحًا (صورة PNG)"
    with use_language("fr"):
        assert error.shown() == "'a.png' n’est pas un fichier valide (image PNG)"
    assert error.shown() == error.message
