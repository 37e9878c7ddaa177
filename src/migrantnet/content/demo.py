"""Sample content for a demo node, created through the same services a user's action uses."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import create_association
from migrantnet.content.declarations import DeclarationInput, publish_declaration
from migrantnet.content.events import EventInput, PlaceInput, publish_event
from migrantnet.content.notes import publish_note
from migrantnet.content.practices import PracticeInput, publish_practice
from migrantnet.content.publishing import ChangeNotifier
from migrantnet.content.resources import ResourceInput, publish_resource
from migrantnet.content.struggles import StruggleInput, publish_struggle
from migrantnet.content.texts import TextsInput
from migrantnet.models import Actor
from migrantnet.uris import Uris

DEMO_ASSOCIATIONS = [
    (
        "sans_papiers_paris",
        "Collectif des sans-papiers de Paris",
        "<p>Régularisation de tous les sans-papiers. "
        "Regularisation for all undocumented people.</p>",
    ),
    (
        "tunis_migrants",
        "جمعية المهاجرين في تونس",
        "<p>نعمل من أجل حقوق المهاجرين وحرية التنقل. "
        "We work for migrants' rights and freedom of movement.</p>",
    ),
    (
        "red_migrante_bsas",
        "Red Migrante Buenos Aires",
        "<p>Derecho al voto para las personas migrantes. Voting rights for migrants.</p>",
    ),
]


DEMO_NOTES: dict[str, list[dict[str, str]]] = {
    "sans_papiers_paris": [
        {
            "fr": "Rassemblement samedi devant la préfecture : "
            "**régularisation de toutes et tous**.",
            "en": "Gathering on Saturday at the prefecture: **regularisation for all**.",
        },
    ],
    "tunis_migrants": [
        {
            "ar": "يوم 18 ديسمبر، اليوم العالمي للمهاجرين: لنتضامن من أجل حرية التنقل.",
            "fr": "Le 18 décembre, journée internationale des migrants : solidarité pour la "
            "liberté de circulation.",
        },
    ],
    "red_migrante_bsas": [
        {
            "es": "Campaña por el derecho al voto de las personas migrantes en todo el país.",
            "it": "Campagna per il diritto di voto delle persone migranti in tutto il paese.",
        },
    ],
}


async def _seed_long_form(
    session: AsyncSession, uris: Uris, notifier: ChangeNotifier, actors: dict[str, Actor]
) -> int:
    """One of each content type, in several languages, Arabic among them."""
    paris, tunis, bsas = (
        actors["sans_papiers_paris"],
        actors["tunis_migrants"],
        actors["red_migrante_bsas"],
    )
    struggle = await publish_struggle(
        session,
        uris,
        notifier,
        paris,
        StruggleInput(
            texts=TextsInput(
                title={
                    "fr": "Régularisation de tous les sans-papiers",
                    "en": "Regularisation for all",
                },
                body={
                    "fr": "Nous demandons la **régularisation** de toutes les personnes sans papiers.",
                    "en": "We demand the **regularisation** of every undocumented person.",
                },
            ),
            countries=["FR"],
            topics=["regularisation", "labour rights"],
            started_on=date(2024, 10, 1),
        ),
    )
    await publish_declaration(
        session,
        uris,
        notifier,
        tunis,
        DeclarationInput(
            texts=TextsInput(
                title={
                    "ar": "إعلان تونس من أجل حرية التنقل",
                    "fr": "Déclaration de Tunis pour la liberté de circulation",
                },
                body={
                    "ar": "نحن، جمعيات المهاجرين، نطالب بحرية التنقل وبإغلاق مراكز الاحتجاز.",
                    "fr": "Nous, associations de migrants, demandons la liberté de circulation et la fermeture des centres de rétention.",
                },
                primary_language="ar",
            ),
            adopted_on=date(2026, 6, 20),
            adopted_at_place="Tunis",
        ),
    )
    await publish_event(
        session,
        uris,
        notifier,
        bsas,
        EventInput(
            texts=TextsInput(
                title={
                    "es": "Día internacional de las personas migrantes",
                    "it": "Giornata internazionale dei migranti",
                },
                body={
                    "es": "Marcha y asamblea abierta por el derecho al voto.",
                    "it": "Corteo e assemblea aperta per il diritto di voto.",
                },
            ),
            starts=datetime(2027, 12, 18, 15, 0),
            ends=datetime(2027, 12, 18, 19, 0),
            timezone="America/Argentina/Buenos_Aires",
            place=PlaceInput(
                name="Plaza de Mayo",
                locality="Buenos Aires",
                country="AR",
                latitude=-34.6083,
                longitude=-58.3712,
            ),
        ),
    )
    await publish_resource(
        session,
        uris,
        notifier,
        tunis,
        ResourceInput(
            texts=TextsInput(
                title={
                    "ar": "دليل حقوق طالبي اللجوء",
                    "en": "A guide to the rights of asylum seekers",
                },
                body={
                    "ar": "دليل عملي بالعربية والإنجليزية.",
                    "en": "A practical guide in Arabic and English.",
                },
            ),
            kind="guide",
            languages=["ar", "en"],
            topics=["asylum"],
            audience="asylum seekers and volunteers",
        ),
    )
    await publish_practice(
        session,
        uris,
        notifier,
        paris,
        PracticeInput(
            texts=TextsInput(
                title={
                    "fr": "Victoire : 40 travailleurs régularisés",
                    "en": "Victory: 40 workers regularised",
                },
                body={
                    "fr": "Après six mois de grève, 40 travailleurs ont obtenu leurs papiers.",
                    "en": "After a six-month strike, 40 workers won their papers.",
                },
            ),
            outcome="victory",
            struggle_ap_id=struggle.ap_id,
        ),
    )
    return 5


async def seed_demo_content(session: AsyncSession, uris: Uris, notifier: ChangeNotifier) -> int:
    """Idempotent: running it twice adds nothing the second time. Returns what was created.

    Everything goes through the same services a member's publication goes through, so
    followers receive it like any other publication.
    """
    created = 0
    actors: dict[str, Actor] = {}
    for slug, name, summary in DEMO_ASSOCIATIONS:
        if await session.scalar(select(Actor.id).where(Actor.slug == slug)) is not None:
            continue
        actor = await create_association(session, uris, slug=slug, name=name, summary=summary)
        actors[slug] = actor
        created += 1
        for text in DEMO_NOTES.get(slug, []):
            await publish_note(session, uris, notifier, actor, text=text)
            created += 1
    if len(actors) == len(DEMO_ASSOCIATIONS):
        created += await _seed_long_form(session, uris, notifier, actors)
    return created
