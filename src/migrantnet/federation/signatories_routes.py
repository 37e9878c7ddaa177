"""Co-signing endpoints: the signatories collection of a declaration."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select

from migrantnet.content.associations import get_association
from migrantnet.content.errors import NotFound
from migrantnet.federation.context import AS_CONTEXT
from migrantnet.federation.deps import FederationDep
from migrantnet.federation.responses import ActivityJSONResponse
from migrantnet.models import Actor, ContentObject, Cosignature, CosignState, Kind, Visibility
from migrantnet.uris import Uris
from migrantnet.uris.paths import SIGNATORIES_PATH

router = APIRouter(include_in_schema=False)


@router.get(SIGNATORIES_PATH)
async def signatories(slug: str, public_id: str, fed: FederationDep) -> Response:
    """Co-signers in the order they signed (the authors are the object's `attributedTo`)."""
    async with fed.db.session() as session:
        await get_association(session, slug)
        declaration = await session.scalar(
            select(ContentObject).where(
                ContentObject.ap_id == fed.uris.object(slug, public_id),
                ContentObject.kind == Kind.DECLARATION,
                ContentObject.deleted_at.is_(None),
                ContentObject.visibility.in_((Visibility.PUBLIC, Visibility.UNLISTED)),
            )
        )
        if declaration is None:
            raise NotFound("no such declaration")
        signers = list(
            await session.scalars(
                select(Actor.ap_id)
                .join(Cosignature, Cosignature.actor_id == Actor.id)
                .where(
                    Cosignature.declaration_id == declaration.id,
                    Cosignature.state == CosignState.ACCEPTED,
                )
                .order_by(Cosignature.created_at, Cosignature.id)
            )
        )
    items = signers
    return ActivityJSONResponse(
        {
            "@context": AS_CONTEXT,
            "id": Uris.signatories(declaration.ap_id),
            "type": "OrderedCollection",
            "totalItems": len(items),
            "orderedItems": items,
        }
    )
