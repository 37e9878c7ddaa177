"""ActivityPub endpoints: inboxes, collections, the node actor and activities by id.

Actor and object documents share their URLs with HTML pages, so they are served by the
negotiating routes of `web/`; everything here is ActivityPub only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select

from migrantnet.content.associations import get_association, get_node_actor
from migrantnet.content.errors import NotFound
from migrantnet.federation.context import AS_CONTEXT
from migrantnet.federation.deps import FederationDep, MaxIdCursor
from migrantnet.federation.errors import PayloadTooLarge
from migrantnet.federation.inbox import MAX_BODY_BYTES, receive
from migrantnet.federation.inbox_processing import applier_for
from migrantnet.federation.rendered import cached
from migrantnet.federation.responses import ActivityJSONResponse
from migrantnet.federation.serialize.actor import actor_to_ap
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, Follow, FollowState, OutboxActivity
from migrantnet.uris import Uris
from migrantnet.uris.paths import (
    ACTIVITY_PATH,
    ACTOR_INBOX_PATH,
    FEATURED_PATH,
    FOLLOWERS_PATH,
    FOLLOWING_PATH,
    NODE_ACTOR_PATH,
    NODE_FOLLOWERS_PATH,
    NODE_INBOX_PATH,
    NODE_OUTBOX_PATH,
    OBJECT_ACTIVITY_PATH,
    OUTBOX_PATH,
    SHARED_INBOX_PATH,
)

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
# Activities without private content may be dereferenced by anyone (Mastodon looks up Undo
# targets by id); others only when public.
ALWAYS_VISIBLE = frozenset({"Follow", "Accept", "Reject", "Undo", "Delete"})


def external_url(request: Request, fed: Federation) -> str:
    """The URL as the signer saw it: our public base URL plus the raw, undecoded path."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    url = fed.settings.base_url + raw_path.decode("latin-1")
    query = request.scope.get("query_string", b"")
    return f"{url}?{query.decode('latin-1')}" if query else url


async def read_body(request: Request) -> bytes:
    """Stop reading past the cap: a peer cannot make us buffer an unbounded body."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"activity larger than {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"activity larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _accept_delivery(
    request: Request, fed: Federation, background: BackgroundTasks
) -> Response:
    body = await read_body(request)
    row_id, _duplicate = await receive(
        fed,
        method=request.method,
        url=external_url(request, fed),
        headers=request.headers,
        body=body,
    )
    if row_id is not None:
        background.add_task(applier_for(fed).apply, row_id)
    return JSONResponse({"status": "accepted"}, status_code=202)


@router.post(SHARED_INBOX_PATH)
async def shared_inbox(
    request: Request, fed: FederationDep, background: BackgroundTasks
) -> Response:
    return await _accept_delivery(request, fed, background)


@router.post(NODE_INBOX_PATH)
async def node_inbox(request: Request, fed: FederationDep, background: BackgroundTasks) -> Response:
    return await _accept_delivery(request, fed, background)


@router.post(ACTOR_INBOX_PATH)
async def actor_inbox(
    slug: str, request: Request, fed: FederationDep, background: BackgroundTasks
) -> Response:
    async with fed.db.session() as session:
        await get_association(session, slug)
    return await _accept_delivery(request, fed, background)


@router.get(NODE_ACTOR_PATH)
async def node_actor(fed: FederationDep) -> Response:
    async def build() -> Response:
        async with fed.db.session() as session:
            actor = await get_node_actor(session)
        if actor is None:
            raise NotFound("this node is not initialised")
        return ActivityJSONResponse(actor_to_ap(actor, fed.uris))

    return await cached(fed.rendered, "actor:", build)


def _collection(ap_id: str, total: int, items: list[Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if items is not None:
        doc["orderedItems"] = items
    return doc


@router.get(OUTBOX_PATH)
async def outbox(
    slug: str, fed: FederationDep, page: bool = False, max_id: MaxIdCursor = None
) -> Response:
    """Pages embed whole `Create{object}` items: Gancio backfills from the first page and does
    not dereference bare ids."""
    async with fed.db.session() as session:
        actor = await get_association(session, slug)
        public = (OutboxActivity.actor_id == actor.id) & OutboxActivity.public.is_(True)
        public &= OutboxActivity.type.in_(("Create", "Announce"))
        outbox_id = fed.uris.outbox(slug)
        if not page:
            total = await session.scalar(select(func.count(OutboxActivity.id)).where(public))
            doc = _collection(outbox_id, total or 0)
            doc["first"] = Uris.collection_page(outbox_id)
            return ActivityJSONResponse(doc)
        query = select(OutboxActivity).where(public)
        if max_id is not None:
            query = query.where(OutboxActivity.id < max_id)
        rows = list(
            await session.scalars(query.order_by(OutboxActivity.id.desc()).limit(PAGE_SIZE))
        )
    items = [{k: v for k, v in row.payload.items() if k != "@context"} for row in rows]
    doc = {
        "@context": AS_CONTEXT,
        "id": Uris.collection_page(outbox_id, max_id=max_id),
        "type": "OrderedCollectionPage",
        "partOf": outbox_id,
        "orderedItems": items,
    }
    if len(rows) == PAGE_SIZE:
        doc["next"] = Uris.collection_page(outbox_id, max_id=rows[-1].id)
    return ActivityJSONResponse(doc)


async def _follow_collection(fed: Federation, slug: str, *, followers: bool) -> Response:
    async with fed.db.session() as session:
        actor = await get_association(session, slug)
        own, other = (
            (Follow.followed_id, Follow.follower_id)
            if followers
            else (
                Follow.follower_id,
                Follow.followed_id,
            )
        )
        accepted = (own == actor.id) & (Follow.state == FollowState.ACCEPTED)
        total = await session.scalar(select(func.count(Follow.id)).where(accepted))
        items = None
        if actor.show_follows:
            items = list(
                await session.scalars(
                    select(Actor.ap_id).join(Follow, other == Actor.id).where(accepted).limit(1000)
                )
            )
    ap_id = fed.uris.followers(slug) if followers else fed.uris.following(slug)
    return ActivityJSONResponse(_collection(ap_id, total or 0, items))


@router.get(FOLLOWERS_PATH)
async def followers(slug: str, fed: FederationDep) -> Response:
    return await _follow_collection(fed, slug, followers=True)


@router.get(FOLLOWING_PATH)
async def following(slug: str, fed: FederationDep) -> Response:
    return await _follow_collection(fed, slug, followers=False)


@router.get(FEATURED_PATH)
async def featured(slug: str, fed: FederationDep) -> Response:
    async with fed.db.session() as session:
        await get_association(session, slug)
    return ActivityJSONResponse(_collection(fed.uris.featured(slug), 0, []))


@router.get(NODE_OUTBOX_PATH)
async def node_outbox(fed: FederationDep) -> Response:
    return ActivityJSONResponse(_collection(fed.uris.node_outbox(), 0, []))


@router.get(NODE_FOLLOWERS_PATH)
async def node_followers(fed: FederationDep) -> Response:
    async with fed.db.session() as session:
        node = await get_node_actor(session)
        total = 0
        if node is not None:
            total = (
                await session.scalar(
                    select(func.count(Follow.id)).where(
                        Follow.followed_id == node.id, Follow.state == FollowState.ACCEPTED
                    )
                )
                or 0
            )
    return ActivityJSONResponse(_collection(fed.uris.node_followers(), total))


async def _activity_by_id(fed: Federation, ap_id: str) -> Response:
    async with fed.db.session() as session:
        row = await session.scalar(select(OutboxActivity).where(OutboxActivity.ap_id == ap_id))
    if row is None or not (row.public or row.type in ALWAYS_VISIBLE):
        raise NotFound("no such activity")
    return ActivityJSONResponse(row.payload)


@router.get(ACTIVITY_PATH)
async def activity(public_id: str, fed: FederationDep) -> Response:
    return await _activity_by_id(fed, fed.uris.activity(public_id))


@router.get(OBJECT_ACTIVITY_PATH)
async def create_of_object(slug: str, public_id: str, fed: FederationDep) -> Response:
    return await _activity_by_id(fed, fed.uris.object_activity(slug, public_id))
