"""Sample content for a demo node, created through the same services a user's action uses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import create_association
from migrantnet.content.notes import publish_note
from migrantnet.content.publishing import Federator
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


async def seed_demo_content(session: AsyncSession, uris: Uris, federator: Federator) -> int:
    """Idempotent: running it twice adds nothing the second time. Returns what was created.

    Notes go through `publish_note`, as a member's would, so followers receive them.
    """
    created = 0
    for slug, name, summary in DEMO_ASSOCIATIONS:
        if await session.scalar(select(Actor.id).where(Actor.slug == slug)) is not None:
            continue
        actor = await create_association(session, uris, slug=slug, name=name, summary=summary)
        created += 1
        for text in DEMO_NOTES.get(slug, []):
            await publish_note(session, uris, federator, actor, text=text)
            created += 1
    return created
