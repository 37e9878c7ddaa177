"""The interface's language: `?lang=`, the switcher's cookie, Accept-Language, English.

Each request speaks its own language, also when many are served at once; the content keeps
its own language and direction on its element.
"""

from __future__ import annotations

import asyncio
import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.node import NodeSetup, initialise_node
from migrantnet.uris import Uris


async def node(session: AsyncSession, uris: Uris) -> None:
    await initialise_node(
        session,
        uris,
        NodeSetup(
            slug="red_migrante",
            name="Red Migrante",
            admin_email="a@b.example",
            admin_password="0123456789",
        ),
    )
    await session.commit()


def html_tag(page: str) -> str:
    found = re.search(r"<html[^>]*>", page)
    assert found is not None
    return found.group(0)


async def test_lang_query_gives_an_arabic_right_to_left_page(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    await node(session, uris)
    page = (await app_client.get("/?lang=ar")).text
    assert html_tag(page) == '<html lang="ar" dir="rtl">'
    assert "الجمعيات على" in page  # "Associations on"
    assert '<a class="skip" href="#main">انتقل إلى المحتوى</a>' in page
    assert ">تسجيل الدخول</a>" in page  # Sign in
    # Latin names and handles inside the Arabic page are isolated.
    assert '<a href="/@red_migrante" dir="auto">Red Migrante</a>' in page
    assert '<bdi class="handle" dir="ltr">@red_migrante@' in page
    login = (await app_client.get("/login?lang=ar")).text
    assert html_tag(login) == '<html lang="ar" dir="rtl">'
    assert '<label for="f-password">كلمة المرور</label>' in login


async def test_the_switcher_sets_a_cookie_that_later_pages_follow(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    await node(session, uris)
    home = (await app_client.get("/")).text
    assert (
        '<a href="/language?lang=ar&amp;next=/" lang="ar" dir="rtl" hreflang="ar">العربية</a>'
        in (home)
    )
    switched = await app_client.get("/language?lang=ar&next=/@red_migrante")
    assert switched.status_code == 303
    assert switched.headers["location"] == "/@red_migrante"
    cookie = switched.headers["set-cookie"]
    assert (
        cookie.startswith("lang=ar;") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    )
    app_client.cookies.set("lang", "ar")
    later = await app_client.get("/@red_migrante")
    assert html_tag(later.text) == '<html lang="ar" dir="rtl">'
    assert "Cookie" in later.headers["vary"] and "Accept-Language" in later.headers["vary"]
    # `?lang=` wins over the cookie for one page, and the cookie stays.
    french = await app_client.get("/?lang=fr")
    assert html_tag(french.text) == '<html lang="fr" dir="ltr">'
    assert "set-cookie" not in french.headers
    assert html_tag((await app_client.get("/")).text) == '<html lang="ar" dir="rtl">'


async def test_the_switcher_never_sends_the_reader_to_another_site(
    app_client: httpx.AsyncClient,
) -> None:
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        response = await app_client.get("/language", params={"lang": "fr", "next": target})
        assert response.headers["location"] == "/"
    unknown = await app_client.get("/language?lang=zz&next=/login")
    assert unknown.headers["location"] == "/login"
    assert 'lang=""' in unknown.headers["set-cookie"]  # the choice is forgotten


async def test_accept_language_gives_french_and_unknown_falls_back_to_english(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    await node(session, uris)
    french = (await app_client.get("/", headers={"accept-language": "fr-CH, fr;q=0.9"})).text
    assert html_tag(french) == '<html lang="fr" dir="ltr">'
    assert "Associations sur" in french and ">Se connecter</a>" in french
    ranked = (await app_client.get("/", headers={"accept-language": "de, it;q=0.5"})).text
    assert html_tag(ranked) == '<html lang="it" dir="ltr">'  # the first one we speak
    for header in ("zz", "de-DE", "", "*;q=0.1"):
        page = (await app_client.get("/", headers={"accept-language": header})).text
        assert html_tag(page) == '<html lang="en" dir="ltr">', header
        assert "Associations on" in page
    bad = await app_client.get("/?lang=<script>", headers={"cookie": "lang=%%%"})
    assert bad.status_code == 200 and html_tag(bad.text) == '<html lang="en" dir="ltr">'


async def test_error_pages_speak_the_readers_language(app_client: httpx.AsyncClient) -> None:
    page = await app_client.get("/nowhere?lang=es", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert "No hay ninguna página en esta dirección." in page.text
    assert html_tag(page.text) == '<html lang="es" dir="ltr">'
    api = await app_client.get("/nowhere?lang=es", headers={"accept": "application/json"})
    assert api.json() == {"error": "Not Found"}  # machines keep HTTP's phrase


async def test_concurrent_requests_each_keep_their_language(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    await node(session, uris)
    languages = ["en", "fr", "es", "it", "ar"] * 6
    pages = await asyncio.gather(*(app_client.get(f"/?lang={lang}") for lang in languages))
    heading = {
        "en": "Associations on",
        "fr": "Associations sur",
        "es": "Asociaciones en",
        "it": "Associazioni su",
        "ar": "الجمعيات على",
    }
    for lang, page in zip(languages, pages, strict=True):
        assert html_tag(page.text).startswith(f'<html lang="{lang}"')
        assert heading[lang] in page.text
