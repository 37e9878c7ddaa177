"""An object with everything its kind adds, loaded at once for serialisers and pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.models import (
    Actor,
    ContentObject,
    Cosignature,
    Declaration,
    Event,
    Kind,
    Media,
    Practice,
    Resource,
    Struggle,
)


@dataclass(slots=True)
class ObjectDetails:
    obj: ContentObject
    actor: Actor
    event: Event | None = None
    struggle: Struggle | None = None
    declaration: Declaration | None = None
    resource: Resource | None = None
    practice: Practice | None = None
    signatories: list[Actor] = field(default_factory=list)
    media: list[Media] = field(default_factory=list)


KIND_ROWS = {
    Kind.EVENT: ("event", Event),
    Kind.STRUGGLE: ("struggle", Struggle),
    Kind.DECLARATION: ("declaration", Declaration),
    Kind.RESOURCE: ("resource", Resource),
    Kind.PRACTICE: ("practice", Practice),
}


async def load_details(
    session: AsyncSession, obj: ContentObject, actor: Actor | None = None
) -> ObjectDetails:
    if actor is None:
        actor = await session.get(Actor, obj.actor_id)
        assert actor is not None
    details = ObjectDetails(obj=obj, actor=actor)
    if obj.kind in KIND_ROWS:
        attribute, model = KIND_ROWS[Kind(obj.kind)]
        setattr(details, attribute, await session.get(model, obj.id))
    if obj.kind == Kind.DECLARATION:
        details.signatories = list(
            await session.scalars(
                select(Actor)
                .join(Cosignature, Cosignature.actor_id == Actor.id)
                .where(Cosignature.declaration_id == obj.id)
                .order_by(Cosignature.created_at)
            )
        )
    details.media = list(
        await session.scalars(select(Media).where(Media.object_id == obj.id).order_by(Media.id))
    )
    return details
