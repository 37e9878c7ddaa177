"""Sample content for a demo node, created through the same services a user's action uses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import create_association
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


async def seed_demo_content(session: AsyncSession, uris: Uris) -> int:
    """Idempotent: running it twice adds nothing the second time. Returns what was created."""
    created = 0
    for slug, name, summary in DEMO_ASSOCIATIONS:
        if await session.scalar(select(Actor.id).where(Actor.slug == slug)) is None:
            await create_association(session, uris, slug=slug, name=name, summary=summary)
            created += 1
    return created
