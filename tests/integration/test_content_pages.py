"""The server-rendered pages of each kind of content, the association's page and the home page."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import create_association
from migrantnet.content.cosignatures import add_signature
from migrantnet.content.declarations import DeclarationInput, publish_declaration
from migrantnet.content.events import EventInput, PlaceInput, publish_event
from migrantnet.content.notes import publish_note
from migrantnet.content.objects import delete_object
from migrantnet.content.practices import PracticeInput, publish_practice
from migrantnet.content.publishing import NoFederation
from migrantnet.content.resources import LinkInput, ResourceInput, publish_resource
from migrantnet.content.struggles import StruggleInput, publish_struggle
from migrantnet.content.texts import TextsInput
from migrantnet.models import Actor, ContentObject, Media, Visibility
from migrantnet.uris import Uris

FED = NoFederation()


async def association(session: AsyncSession, uris: Uris, slug: str = "tunis_migrants") -> Actor:
    return await create_association(session, uris, slug=slug, name=slug.replace("_", " ").title())


def remote_actor(name: str = "Ana Collective") -> Actor:
    return Actor(
        ap_id="https://remote.example/users/ana",
        type="Organization",
        local=False,
        username="ana",
        domain="remote.example",
        name=name,
        url="https://remote.example/@ana",
        inbox_url="https://remote.example/users/ana/inbox",
    )


def path_of(obj: ContentObject) -> str:
    return httpx.URL(obj.ap_id).path


def check_structure(page: str) -> None:
    """Every page: a main landmark named by its one h1, labelled landmarks, no inline script."""
    assert page.count("<main") == 1
    assert '<main id="main" aria-labelledby="page-title">' in page
    assert len(re.findall(r"<h1[\s>]", page)) == 1
    assert 'id="page-title"' in page
    assert '<header role="banner">' in page
    assert '<footer role="contentinfo">' in page
    assert re.search(r'<nav aria-label="[^"]+"><a class="brand"', page)
    for section in re.findall(r"<section[^>]*>", page):
        assert "aria-labelledby=" in section, section
    for nav in re.findall(r"<nav[^>]*>", page):
        assert "aria-label=" in nav, nav
    # Scripts only as files of ours, deferred (progressive enhancement: the copy button).
    ours = re.compile(r'<script src="/static/[a-z-]+\.[0-9a-f]{12}\.js" defer></script>')
    assert "<script" not in ours.sub("", page).lower()
    assert "<style" not in page.lower()
    assert "<img" not in page and "<iframe" not in page
    for asset in re.findall(r'<link rel="stylesheet" href="([^"]+)"', page):
        assert asset.startswith("/static/")


async def test_declaration_page_shows_its_fields_and_signatories(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    author = await association(session, uris)
    cosigner = await association(session, uris, "red_migrante")
    remote = remote_actor()
    session.add(remote)
    await session.flush()
    declaration = await publish_declaration(
        session,
        uris,
        FED,
        author,
        DeclarationInput(
            texts=TextsInput(
                title={"en": "Declaration of Tunis"},
                summary={"en": "Papers for all, now."},
                body={"en": "We, the undersigned, demand **regularisation**.\n\n# Demands\n\nOne."},
            ),
            adopted_on=date(2025, 3, 1),
            adopted_at_place="Tunis, Bourse du Travail",
        ),
    )
    await add_signature(session, declaration, cosigner, f"{declaration.ap_id}#sign-1")
    await add_signature(session, declaration, remote, f"{declaration.ap_id}#sign-2")
    await session.commit()

    response = await app_client.get(path_of(declaration), headers={"accept": "text/html"})
    assert response.status_code == 200
    page = response.text
    check_structure(page)
    assert "Declaration of Tunis</h1>" in page
    assert 'class="h-entry kind-declaration"' in page
    assert "Adopted on" in page and '<time datetime="2025-03-01">March 1, 2025</time>' in page
    assert "Tunis, Bourse du Travail" in page
    assert "<strong>regularisation</strong>" in page
    assert "<h2>Demands</h2>" in page  # the text's headings sit below the title
    assert "Papers for all, now." in page
    assert '<h2 id="signatories">Signatories</h2>' in page
    assert '<a class="u-url p-name" href="/@tunis_migrants" dir="auto">Tunis Migrants</a>' in page
    assert '<a class="u-url p-name" href="/@red_migrante" dir="auto">Red Migrante</a>' in page
    assert (
        '<a class="u-url p-name" href="https://remote.example/@ana" dir="auto">Ana Collective</a>'
        in page
    )
    assert "@ana@remote.example" in page
    # OpenGraph
    assert '<meta property="og:title" content="Declaration of Tunis">' in page
    assert '<meta property="og:description" content="Papers for all, now.">' in page
    assert f'<meta property="og:url" content="{declaration.ap_id}">' in page
    assert 'class="dt-published" datetime="' in page


async def test_struggle_page_shows_status_countries_and_timeline(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    actor = await association(session, uris)
    struggle = await publish_struggle(
        session,
        uris,
        FED,
        actor,
        StruggleInput(
            texts=TextsInput(
                title={"en": "Papers for all", "fr": "Des papiers pour tous"},
                body={"en": "Our campaign.", "fr": "Notre campagne."},
            ),
            countries=["TN", "IT"],
            topics=["regularisation", "labour rights"],
            started_on=date(2024, 10, 2),
        ),
    )
    await publish_note(
        session,
        uris,
        FED,
        actor,
        text={"en": "We met the ministry today."},
        struggle_ap_id=struggle.ap_id,
    )
    await publish_event(
        session,
        uris,
        FED,
        actor,
        EventInput(
            texts=TextsInput(title={"en": "March for papers"}),
            starts=datetime(2025, 6, 14, 15, 0),
            ends=datetime(2025, 6, 14, 18, 0),
            timezone="Africa/Tunis",
            place=PlaceInput(name="Avenue Bourguiba", locality="Tunis", country="TN"),
            struggle_ap_id=struggle.ap_id,
        ),
    )
    remote = remote_actor()
    session.add(remote)
    await session.flush()
    session.add(
        ContentObject(
            ap_id="https://remote.example/notes/1",
            type="Note",
            kind="note",
            actor_id=remote.id,
            local=False,
            struggle_ap_id=struggle.ap_id,
            content_map={"en": "<p>A remote voice</p>"},
            visibility=Visibility.PUBLIC,
        )
    )
    await session.commit()

    page = (await app_client.get(path_of(struggle))).text
    check_structure(page)
    assert '<span class="badge badge-ongoing">Ongoing</span>' in page
    assert "<li>Tunisia</li><li>Italy</li>" in page
    assert "#regularisation" in page and "#labour_rights" in page
    assert '<time datetime="2024-10-02">October 2, 2024</time>' in page
    assert "Our campaign." in page
    assert '<h2 id="timeline">Timeline</h2>' in page
    timeline = page.split('id="timeline"')[1]
    assert "We met the ministry today." in timeline
    assert "March for papers" in timeline
    assert timeline.index("We met the ministry") < timeline.index("March for papers")
    assert "A remote voice" not in page  # remote objects are not shown

    french = (await app_client.get(path_of(struggle), headers={"accept-language": "fr"})).text
    assert "Des papiers pour tous</h1>" in french
    assert "<li>Tunisie</li><li>Italie</li>" in french  # countries in the reader's language


async def test_event_page_shows_local_time_with_its_zone_and_utc(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    actor = await association(session, uris)
    partner = await association(session, uris, "red_migrante")
    event = await publish_event(
        session,
        uris,
        FED,
        actor,
        EventInput(
            texts=TextsInput(
                title={"en": "Assembly of migrant workers"},
                body={"en": "Open to all."},
            ),
            starts=datetime(2025, 6, 14, 15, 0),
            ends=datetime(2025, 6, 14, 18, 30),
            timezone="Europe/Paris",
            place=PlaceInput(
                name="Bourse du Travail",
                street="3 rue du Château d'Eau",
                postal_code="75010",
                locality="Paris",
                country="FR",
            ),
            online_url="https://meet.example/assembly",
            status="tentative",
            organizers=[partner.ap_id, "https://elsewhere.example/users/collectif"],
        ),
    )
    await session.commit()

    page = (await app_client.get(path_of(event))).text
    check_structure(page)
    assert 'class="h-event kind-event"' in page
    assert 'class="p-name" lang="en" dir="ltr">Assembly of migrant workers</h1>' in page
    # Local time, in the event's own zone, named
    start = '<time class="dt-start" datetime="2025-06-14T15:00+02:00">'
    assert f"{start}Saturday 14 June 2025, 15:00</time>" in page
    assert '<time class="dt-end" datetime="2025-06-14T18:30+02:00">18:30</time>' in page
    assert "Europe/Paris (CEST, UTC+02:00)" in page
    # And in UTC
    assert '<time datetime="2025-06-14T13:00Z">Saturday 14 June 2025, 13:00</time>' in page
    assert '<time datetime="2025-06-14T16:30Z">16:30</time>' in page
    assert '<span class="zone" lang="en" dir="ltr">UTC</span>' in page
    # Where, online, status, organizers
    assert 'class="p-location h-card"' in page
    assert '<span class="p-name">Bourse du Travail</span>' in page
    assert "3 rue du Château d&#39;Eau" in page
    assert '<span class="p-postal-code">75010</span>' in page
    assert '<span class="p-locality">Paris</span>' in page
    assert ">France</span>" in page
    assert 'href="https://meet.example/assembly"' in page
    assert '<span class="badge badge-tentative">Tentative</span>' in page
    assert '<a class="u-url p-name" href="/@tunis_migrants" dir="auto">Tunis Migrants</a>' in page
    assert '<a class="u-url p-name" href="/@red_migrante" dir="auto">Red Migrante</a>' in page
    assert 'href="https://elsewhere.example/users/collectif"' in page
    # The generated summary (when and where in words) is for Mastodon and og:description only
    assert '<meta property="og:description" content="Saturday 14 June 2025' in page
    assert 'class="p-summary' not in page


async def test_resource_page_shows_kind_languages_links_and_files(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    actor = await association(session, uris)
    resource = await publish_resource(
        session,
        uris,
        FED,
        actor,
        ResourceInput(
            texts=TextsInput(title={"en": "Know your rights"}, body={"en": "A short guide."}),
            kind="legal_aid",
            languages=["fr", "ar"],
            topics=["asylum"],
            audience="People arriving in Tunisia",
            links=[
                LinkInput("https://example.org/guide.pdf", "The guide (PDF)"),
                LinkInput("https://example.org/video"),
            ],
        ),
    )
    session.add(
        Media(
            public_id="m1",
            actor_id=actor.id,
            object_id=resource.id,
            storage_key="tunis_migrants/leaflet.pdf",
            media_type="application/pdf",
            size=120_000,
            alt_text="Leaflet",
        )
    )
    await session.commit()

    page = (await app_client.get(path_of(resource))).text
    check_structure(page)
    assert "<dt>Kind</dt><dd>Legal aid</dd>" in page
    assert "<li>French</li><li>Arabic</li>" in page
    assert "People arriving in Tunisia" in page
    assert "#asylum" in page
    assert "A short guide." in page
    assert '<a href="https://example.org/guide.pdf"' in page and "The guide (PDF)</a>" in page
    assert ">example.org/video</a>" in page
    assert '<h2 id="files">Files</h2>' in page
    assert '<a href="/media/tunis_migrants/leaflet.pdf" dir="auto">Leaflet</a>' in page
    assert "application/pdf, 117 KB" in page


async def test_practice_page_shows_outcome_and_links_its_struggle(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    actor = await association(session, uris)
    struggle = await publish_struggle(
        session,
        uris,
        FED,
        actor,
        StruggleInput(texts=TextsInput(title={"en": "Stop detention"}, body={"en": "Campaign."})),
    )
    practice = await publish_practice(
        session,
        uris,
        FED,
        actor,
        PracticeInput(
            texts=TextsInput(title={"en": "How we won"}, body={"en": "Lessons learned."}),
            outcome="victory",
            struggle_ap_id=struggle.ap_id,
        ),
    )
    await session.commit()

    page = (await app_client.get(path_of(practice))).text
    check_structure(page)
    assert '<span class="badge badge-victory">Victory</span>' in page
    assert (
        f'<dt>Struggle</dt><dd><a href="{struggle.ap_id}" dir="auto">Stop detention</a></dd>'
        in page
    )
    assert "Lessons learned." in page
    # ...and the struggle's timeline lists it
    timeline = (await app_client.get(path_of(struggle))).text.split('id="timeline"')[1]
    assert "How we won" in timeline and "Victory" in timeline


async def test_note_page_and_languages(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    actor = await association(session, uris)
    note = await publish_note(
        session,
        uris,
        FED,
        actor,
        text={
            "en": "Papers for everyone.",
            "fr": "Des papiers pour toutes et tous.",
            "ar": "أوراق للجميع.",
        },
        primary_language="fr",
    )
    await session.commit()
    path = path_of(note)
    url = note.ap_id

    default = (await app_client.get(path)).text
    check_structure(default)
    assert "Note by Tunis Migrants</h1>" in default
    assert "Des papiers pour toutes et tous." in default  # no preference: the primary language

    arabic = (await app_client.get(path, headers={"accept-language": "ar, fr;q=0.5"})).text
    check_structure(arabic)
    assert '<div class="e-content text" lang="ar" dir="rtl"><p>أوراق للجميع.</p></div>' in arabic
    assert "Des papiers pour toutes et tous." not in arabic
    assert '<nav class="languages" aria-label="لغات هذا النص">' in arabic  # an Arabic interface
    assert f'<a href="{url}?lang=fr" hreflang="fr" lang="fr" dir="ltr">Français</a>' in arabic
    assert f'<a href="{url}?lang=en" hreflang="en" lang="en" dir="ltr">English</a>' in arabic
    assert f'<link rel="alternate" hreflang="en" href="{url}?lang=en">' in arabic

    forced = await app_client.get(f"{path}?lang=en", headers={"accept-language": "ar"})
    assert '<div class="e-content text" lang="en" dir="ltr"><p>Papers for everyone.</p>' in (
        forced.text
    )
    assert f'<a href="{url}?lang=ar" hreflang="ar" lang="ar" dir="rtl">العربية</a>' in forced.text
    assert forced.headers["vary"] == "Accept, Accept-Language, Cookie, Accept-Encoding"

    unknown = (await app_client.get(f"{path}?lang=zz", headers={"accept-language": "ar"})).text
    assert 'lang="ar" dir="rtl"' in unknown  # a language it does not exist in changes nothing


async def test_arabic_declaration_and_forced_french(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    actor = await association(session, uris)
    declaration = await publish_declaration(
        session,
        uris,
        FED,
        actor,
        DeclarationInput(
            texts=TextsInput(
                title={"fr": "Déclaration de Tunis", "ar": "إعلان تونس"},
                body={"fr": "Nous exigeons la régularisation.", "ar": "نطالب بتسوية الأوضاع."},
            ),
            adopted_on=date(2025, 3, 1),
        ),
    )
    await session.commit()

    arabic = (
        await app_client.get(path_of(declaration), headers={"accept-language": "ar-TN,ar;q=0.9"})
    ).text
    assert '<h1 id="page-title" class="p-name" lang="ar" dir="rtl">إعلان تونس</h1>' in arabic
    assert 'lang="ar" dir="rtl"><p>نطالب بتسوية الأوضاع.</p>' in arabic
    assert '<dd lang="ar" dir="rtl"><time datetime="2025-03-01">' in arabic
    assert '<meta property="og:locale" content="ar">' in arabic

    french = (
        await app_client.get(f"{path_of(declaration)}?lang=fr", headers={"accept-language": "ar"})
    ).text
    assert "Déclaration de Tunis</h1>" in french
    assert 'lang="fr" dir="ltr"><p>Nous exigeons la régularisation.</p>' in french
    assert "1 mars 2025" in french
    assert "نطالب" not in french


async def test_association_page_sections_by_kind_with_paging(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    actor = await association(session, uris)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for number in range(25):
        await publish_note(
            session,
            uris,
            FED,
            actor,
            text={"en": f"Note number {number:02d}."},
            now=start + timedelta(hours=number),
        )
    await publish_note(
        session, uris, FED, actor, text={"en": "Unlisted one."}, visibility=Visibility.UNLISTED
    )
    await publish_struggle(
        session,
        uris,
        FED,
        actor,
        StruggleInput(texts=TextsInput(title={"en": "Papers for all"}, body={"en": "Campaign."})),
    )
    await publish_event(
        session,
        uris,
        FED,
        actor,
        EventInput(
            texts=TextsInput(title={"en": "Assembly"}),
            starts=datetime(2025, 6, 14, 15, 0),
            ends=datetime(2025, 6, 14, 18, 0),
            timezone="Europe/Paris",
            online_url="https://meet.example/a",
            status="cancelled",
        ),
    )
    remote = remote_actor()
    session.add(remote)
    await session.flush()
    session.add(
        ContentObject(
            ap_id="https://remote.example/notes/9",
            type="Note",
            kind="note",
            actor_id=remote.id,
            local=False,
            content_map={"en": "<p>Remote note</p>"},
            visibility=Visibility.PUBLIC,
        )
    )
    await session.commit()

    overview = (await app_client.get("/@tunis_migrants")).text
    check_structure(overview)
    headings = re.findall(r'<h2 id="kind-(\w+)">', overview)
    assert headings == ["struggle", "event", "note"]
    assert '<a href="/@tunis_migrants?kind=note">Notes: see all</a> (25)' in overview
    assert '<a href="/@tunis_migrants?kind=event">Events: see all</a> (1)' in overview
    assert 'class="item h-event"' in overview
    assert '<span class="badge badge-cancelled">Cancelled</span>' in overview
    assert '<time class="dt-start" datetime="2025-06-14T15:00+02:00">' in overview
    assert "Unlisted one." not in overview
    assert "Remote note" not in overview

    notes = (await app_client.get("/@tunis_migrants?kind=note")).text
    check_structure(notes)
    assert re.findall(r'<h2 id="kind-(\w+)">', notes) == ["note"]
    assert notes.count('<li class="item h-entry">') == 20
    assert "Note number 24." in notes and "Note number 05." in notes
    assert "Note number 04." not in notes
    assert notes.index("Note number 24.") < notes.index("Note number 23.")  # newest first
    older = re.search(r'<a href="([^"]+)" rel="next">Notes: earlier page</a>', notes)
    assert older is not None
    rest_url = html.unescape(older.group(1))
    assert rest_url.startswith("/@tunis_migrants?kind=note&before=")

    rest = (await app_client.get(rest_url)).text
    assert rest.count('<li class="item h-entry">') == 5
    assert "Note number 04." in rest and "Note number 00." in rest
    assert "Note number 05." not in rest
    assert 'rel="next"' not in rest

    assert (await app_client.get("/@tunis_migrants?kind=nonsense")).status_code == 404


async def test_home_links_associations_and_latest_objects(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    first = await association(session, uris)
    await association(session, uris, "red_migrante")
    note = await publish_note(session, uris, FED, first, text={"en": "Hello from Tunis."})
    await session.commit()

    page = (await app_client.get("/")).text
    check_structure(page)
    assert '<a href="/@tunis_migrants" dir="auto">Tunis Migrants</a>' in page
    assert '<a href="/@red_migrante" dir="auto">Red Migrante</a>' in page
    assert '<h2 id="latest">Latest on this node</h2>' in page
    assert "Hello from Tunis." in page
    assert f'<a class="u-url" href="{note.ap_id}">' in page


async def test_deleted_object_is_gone(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    actor = await association(session, uris)
    note = await publish_note(session, uris, FED, actor, text={"en": "Soon gone."})
    await delete_object(session, FED, actor, note)
    await session.commit()

    response = await app_client.get(path_of(note), headers={"accept": "text/html"})
    assert response.status_code == 410
    assert response.headers["content-type"].startswith("text/html")
    check_structure(response.text)
    assert "Soon gone." not in response.text
    assert "<article" not in response.text
    listed = (await app_client.get("/@tunis_migrants")).text
    assert "Soon gone." not in listed


async def test_long_declaration_page_is_light(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    actor = await association(session, uris)
    paragraph = "We demand the regularisation of all undocumented migrants. " * 10
    body = "\n\n".join(f"## Article {n}\n\n{paragraph}" for n in range(80))  # about 50 KB
    declaration = await publish_declaration(
        session,
        uris,
        FED,
        actor,
        DeclarationInput(
            texts=TextsInput(
                title={"en": "A long declaration", "fr": "Une longue déclaration"},
                body={"en": body, "fr": body.replace("We demand", "Nous exigeons")},
            ),
        ),
    )
    for number in range(10):
        signer = await association(session, uris, f"signer_{number}")
        await add_signature(session, declaration, signer, f"{declaration.ap_id}#s{number}")
    await session.commit()

    response = await app_client.get(path_of(declaration), headers={"accept-language": "en"})
    assert response.status_code == 200
    css = await app_client.get("/static/site.css")
    assert len(body) > 45_000
    assert len(response.content) + len(css.content) < 100_000
    assert "Nous exigeons" not in response.text  # one language at a time
    assert response.text.count('<li class="h-card">') == 11
    check_structure(response.text)


async def test_a_hashtag_page_lists_the_public_objects_carrying_it(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    actor = await create_association(session, uris, slug="tagged", name="Tagged")
    await publish_note(session, uris, NoFederation(), actor, text={"fr": "Grève #Régularisation"})
    await publish_note(session, uris, NoFederation(), actor, text={"fr": "Sans tag"})
    await session.commit()
    page = await app_client.get("/tags/régularisation")
    assert page.status_code == 200
    assert "Grève" in page.text
    assert "Sans tag" not in page.text
    empty = await app_client.get("/tags/nothing")
    assert "Nothing on this node carries #nothing yet." in empty.text


async def test_a_text_keeps_its_language_in_an_arabic_interface(
    app_client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    """The labels and dates speak the interface's language; the Spanish title stays Spanish."""
    actor = await association(session, uris)
    event = await publish_event(
        session,
        uris,
        FED,
        actor,
        EventInput(
            texts=TextsInput(title={"es": "Asamblea abierta"}, body={"es": "Para todas."}),
            starts=datetime(2025, 6, 14, 15, 0),
            ends=datetime(2025, 6, 14, 18, 30),
            timezone="America/Argentina/Buenos_Aires",
            online_url="https://meet.example/asamblea",
        ),
    )
    await session.commit()

    listing = (await app_client.get("/@tunis_migrants?lang=ar")).text
    assert '<html lang="ar" dir="rtl">' in listing
    assert 'lang="es" dir="ltr"><a class="u-url" href=' in listing  # the title keeps its own
    assert "السبت 14 يونيو 2025" in listing  # Saturday 14 June, in the interface's words
    page = (await app_client.get(path_of(event), headers={"accept-language": "ar"})).text
    assert '<h1 id="page-title" class="p-name" lang="es" dir="ltr">Asamblea abierta</h1>' in page
    assert '<div class="e-content text" lang="es" dir="ltr"><p>Para todas.</p></div>' in page
    assert "<dt>الموعد</dt>" in page  # "When"
    french = (await app_client.get(f"{path_of(event)}?lang=fr")).text
    assert "samedi 14 juin 2025, 15:00" in french and "<dt>Quand</dt>" in french
