"""Co-signatures of declarations: who signed, added and withdrawn; idempotent both ways."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.models import Actor, ContentObject, Cosignature, Kind


def check_declaration(obj: ContentObject | None, url: str) -> ContentObject:
    if obj is None or obj.deleted_at is not None or obj.kind != Kind.DECLARATION:
        raise InvalidInput("declaration", f"{url} is not a declaration that can be signed")
    return obj


async def add_signature(
    session: AsyncSession, declaration: ContentObject, signer: Actor, ap_id: str
) -> bool:
    """True when the signature is new; a repeated one changes nothing."""
    if signer.id == declaration.actor_id:
        raise InvalidInput("association", "the authors of a declaration already sign it")
    existing = await session.scalar(
        select(Cosignature).where(
            Cosignature.declaration_id == declaration.id, Cosignature.actor_id == signer.id
        )
    )
    if existing is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(Cosignature(declaration_id=declaration.id, actor_id=signer.id, ap_id=ap_id))
    except IntegrityError:
        return False
    return True


async def remove_signature(
    session: AsyncSession, declaration: ContentObject, signer: Actor
) -> Cosignature | None:
    row = await session.scalar(
        select(Cosignature).where(
            Cosignature.declaration_id == declaration.id, Cosignature.actor_id == signer.id
        )
    )
    if row is not None:
        await session.execute(delete(Cosignature).where(Cosignature.id == row.id))
    return row
