"""The events an association added to its agenda by their address (`AgendaImport`), listed
and forgotten; fetching them is the federation layer's (`federation/event_imports.py`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.models import Actor, AgendaImport, ContentObject
from migrantnet.translations import N_

MAX_LISTED = 500


async def imported_events(
    session: AsyncSession, association: Actor, *, limit: int = MAX_LISTED
) -> list[tuple[AgendaImport, ContentObject | None]]:
    """Newest first, each with the event as stored (None while it could not be fetched)."""
    rows = await session.execute(
        select(AgendaImport, ContentObject)
        .outerjoin(
            ContentObject,
            (ContentObject.ap_id == AgendaImport.object_ap_id) & ContentObject.deleted_at.is_(None),
        )
        .where(AgendaImport.association_id == association.id)
        .order_by(AgendaImport.created_at.desc(), AgendaImport.id.desc())
        .limit(limit)
    )
    return [(row, obj) for row, obj in rows]


async def forget_import(session: AsyncSession, association: Actor, url: str) -> None:
    """The association no longer adds this event; it leaves the agenda unless another of our
    associations added it too or follows its author."""
    row = await session.scalar(
        select(AgendaImport).where(
            AgendaImport.association_id == association.id, AgendaImport.object_ap_id == url.strip()
        )
    )
    if row is None:
        raise InvalidInput("url", N_("this association did not import that event"))
    await session.delete(row)
    await session.flush()
