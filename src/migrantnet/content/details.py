"""An object with everything its kind adds, loaded at once for serialisers and pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import NotFound
from migrantnet.content.kinds import kind_spec
from migrantnet.models import Actor, ContentObject, Cosignature, CosignState, Media

R = TypeVar("R")


@dataclass(slots=True)
class ObjectDetails:
    obj: ContentObject
    actor: Actor
    row: Any = None  # the row of the object's kind (`KindSpec.model`), when it has one
    signatories: list[Actor] = field(default_factory=list)
    media: list[Media] = field(default_factory=list)
    # Serialise an event's hidden address in full whatever its visibility: for its own
    # association's export, never for what is served or delivered.
    exact_place: bool = False

    def row_as(self, model: type[R]) -> R | None:
        """The kind's row when it is a `model`: `details.row_as(Event)`."""
        return self.row if isinstance(self.row, model) else None


async def load_details(
    session: AsyncSession, obj: ContentObject, actor: Actor | None = None
) -> ObjectDetails:
    if actor is None:
        actor = await session.get(Actor, obj.actor_id)
        if actor is None:
            raise NotFound(f"the author of {obj.ap_id} is gone")
    details = ObjectDetails(obj=obj, actor=actor)
    spec = kind_spec(obj.kind)
    if spec is not None and spec.model is not None:
        details.row = await session.get(spec.model, obj.id)
    if spec is not None and spec.cosigned:
        details.signatories = list(
            await session.scalars(
                select(Actor)
                .join(Cosignature, Cosignature.actor_id == Actor.id)
                .where(
                    Cosignature.declaration_id == obj.id,
                    Cosignature.state == CosignState.ACCEPTED,
                )
                .order_by(Cosignature.created_at)
            )
        )
    details.media = list(
        await session.scalars(select(Media).where(Media.object_id == obj.id).order_by(Media.id))
    )
    return details


async def load_kind_rows(session: AsyncSession, objects: list[ContentObject]) -> dict[int, Any]:
    """The rows each kind adds (event dates, struggle status...) for a page of objects:
    one query per kind on the page, keyed by object id."""
    ids_by_model: dict[Any, list[int]] = {}
    for obj in objects:
        spec = kind_spec(obj.kind)
        if spec is not None and spec.model is not None:
            ids_by_model.setdefault(spec.model, []).append(obj.id)
    rows: dict[int, Any] = {}
    for model, ids in ids_by_model.items():
        for row in await session.scalars(select(model).where(model.object_id.in_(ids))):
            rows[row.object_id] = row
    return rows
