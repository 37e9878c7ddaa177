"""The `replies` collection every object of ours advertises: the replies to it, paged.

`/@slug/objects/ID/replies` is an `OrderedCollection` whose `first` page lists the ids of
the direct replies (a reply to a reply is in that reply's own collection, at its origin),
oldest first, `PAGE_SIZE` a page, keyset-paged by `after`. Only replies anyone may read are
listed (content/replies.py). Not cached: replies arrive from other servers, which do not
move the generation that clears the rendered cache.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from migrantnet.content.associations import get_association
from migrantnet.content.errors import NotFound
from migrantnet.content.listing import Cursor
from migrantnet.content.replies import count_direct_replies, direct_replies
from migrantnet.federation.context import AS_CONTEXT, wants_activity_json
from migrantnet.federation.deps import FederationDep
from migrantnet.federation.responses import ActivityJSONResponse
from migrantnet.models import ContentObject, Visibility
from migrantnet.uris import Uris
from migrantnet.uris.paths import REPLIES_PATH

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20


@router.get(REPLIES_PATH)
async def replies(
    slug: str,
    public_id: str,
    request: Request,
    fed: FederationDep,
    page: bool = False,
    after: str | None = Query(default=None, max_length=64),
) -> Response:
    object_id = fed.uris.object(slug, public_id)
    if not wants_activity_json(request.headers.get("accept")):
        return RedirectResponse(Uris.object_path(slug, public_id) + "#replies", status_code=303)
    cursor = Cursor.parse(after) if after is not None else None
    collection_id = fed.uris.replies(object_id)
    async with fed.db.session() as session:
        await get_association(session, slug)
        parent = await session.scalar(
            select(ContentObject.id).where(
                ContentObject.ap_id == object_id,
                ContentObject.deleted_at.is_(None),
                ContentObject.visibility.in_((Visibility.PUBLIC, Visibility.UNLISTED)),
            )
        )
        if parent is None:
            raise NotFound("no such object")
        if not page:
            total = await count_direct_replies(session, object_id)
            doc: dict[str, Any] = {
                "@context": AS_CONTEXT,
                "id": collection_id,
                "type": "OrderedCollection",
                "totalItems": total,
                "first": Uris.collection_page(collection_id),
            }
            return ActivityJSONResponse(doc)
        rows = await direct_replies(session, object_id, cursor, PAGE_SIZE + 1)
    shown = rows[:PAGE_SIZE]
    doc = {
        "@context": AS_CONTEXT,
        "id": Uris.collection_page(collection_id, after=after),
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": [obj.ap_id for obj in shown],
    }
    if len(rows) > PAGE_SIZE:
        doc["next"] = Uris.collection_page(collection_id, after=Cursor.after(shown[-1]).encode())
    return ActivityJSONResponse(doc)
