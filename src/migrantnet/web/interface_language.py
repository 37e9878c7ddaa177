"""Which language the interface speaks to this request, and the switcher that remembers it.

`?lang=xx` first (for this page only), then the `lang` cookie the switcher sets, then
Accept-Language, then English. The choice is a context variable for the request's duration
(`translations.use_language`), so concurrent requests never see each other's language.
The content's own language is chosen separately (`web/i18n.py`): an Arabic interface still
shows a text written only in French, with its own `lang` and `dir`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.cookies import SimpleCookie
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from jinja2 import Environment
from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from migrantnet.content.formatting import datetime_text, day_text
from migrantnet.translations import (
    DEFAULT_LANGUAGE,
    INTERFACE_LANGUAGES,
    interface_language,
    translations,
    use_language,
)
from migrantnet.uris.interface import LANGUAGE_PATH
from migrantnet.web.forms import safe_next
from migrantnet.web.i18n import accepted_languages, text_direction
from migrantnet.web.labels import value_label
from migrantnet.web.views.kinds import kind_label

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

router = APIRouter()


def supported(tag: str | None) -> str | None:
    """The interface language for a BCP 47 tag (`fr-CA` -> `fr`), or None."""
    if not tag:
        return None
    base = tag.strip().split("-")[0].split("_")[0].lower()
    return base if base in INTERFACE_LANGUAGES else None


def choose_language(query_lang: str | None, cookie: str | None, accept: str | None) -> str:
    for candidate in (query_lang, cookie):
        if chosen := supported(candidate):
            return chosen
    for tag in accepted_languages(accept):
        if chosen := supported(tag):
            return chosen
    return DEFAULT_LANGUAGE


def language_of_scope(scope: Scope) -> str:
    headers = Headers(scope=scope)
    cookies = SimpleCookie()
    try:
        cookies.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is the browser's problem, not a 500
        cookies = SimpleCookie()
    cookie = cookies[COOKIE].value if COOKIE in cookies else None
    query = QueryParams(scope.get("query_string", b"").decode("latin-1")).get("lang")
    return choose_language(query, cookie, headers.get("accept-language"))


class InterfaceLanguage:
    """ASGI middleware: the request's interface language, and `Vary` saying what chose it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        language = language_of_scope(scope)
        scope.setdefault("state", {})["interface_language"] = language

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    vary = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
                    for name in ("Accept-Language", "Cookie"):
                        if name not in vary:
                            vary.append(name)
                    headers["vary"] = ", ".join(vary)
            await send(message)

        with use_language(language):
            await self.app(scope, receive, send_with_vary)


@router.get(LANGUAGE_PATH, include_in_schema=False)
async def switch_language(request: Request, lang: str = "", next: str = "/") -> RedirectResponse:
    """The switcher's links: remember the language in a cookie and go back to the page."""
    response = RedirectResponse(safe_next(next, default="/"), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    chosen = supported(lang)
    if chosen is None:
        response.delete_cookie(COOKIE, path="/")
    else:
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=COOKIE_MAX_AGE,
            path="/",
            samesite="lax",
            secure=request.app.state.settings.https,
            httponly=True,
        )
    return response


def _template_gettext(message: str) -> str:
    return translations(interface_language()).ugettext(message)


def _template_ngettext(singular: str, plural: str, count: int) -> str:
    return translations(interface_language()).ungettext(singular, plural, count)


@dataclass(frozen=True, slots=True)
class InterfaceView:
    """What the page frame needs: `<html lang dir>` and the switcher's languages."""

    lang: str
    dir: str
    languages: tuple[tuple[str, str, str], ...]  # code, autonym, direction


def interface_view() -> InterfaceView:
    language = interface_language()
    return InterfaceView(
        lang=language,
        dir=text_direction(language),
        languages=tuple(
            (code, name, text_direction(code)) for code, name in INTERFACE_LANGUAGES.items()
        ),
    )


def day_in_interface(value: date | datetime) -> str:
    """A day ("2 décembre 2026", "٢ ديسمبر ٢٠٢٦") in the interface language."""
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()
    return day_text(value, interface_language())


def moment_in_interface(value: datetime) -> str:
    """An instant in UTC, written in the interface language (a naive value is UTC)."""
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return f"{datetime_text(moment, 'd MMM y, HH:mm', ZoneInfo('UTC'), interface_language())} UTC"


def install_gettext(env: Environment) -> None:
    """`_()`, `ngettext()` and `{% trans %}` in every template, in the request's language.

    The callables read the request's language when called (newstyle: `%(name)s` values are
    escaped and filled in by Jinja), so one environment serves every language at once.
    """
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_template_gettext, ngettext=_template_ngettext, newstyle=True
    )
    env.globals["interface"] = interface_view
    env.filters["day"] = day_in_interface
    env.filters["moment"] = moment_in_interface
    env.globals["value_label"] = value_label
    env.globals["kind_label"] = kind_label
