"""The JSON API under /api/v1 (OpenAPI at /api/docs). Read-only public endpoints for now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from migrantnet.content.associations import get_association
from migrantnet.content.network import network_objects, outgoing_follows
from migrantnet.web.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["api"])


class NetworkItem(BaseModel):
    id: str
    type: str
    actor: str
    url: str | None
    published: datetime
    updated: datetime | None
    name: dict[str, Any]
    summary: dict[str, Any]
    content: dict[str, Any]
    extra: dict[str, Any]


class FollowItem(BaseModel):
    actor: str
    handle: str
    state: str


@router.get("/associations/{slug}/network", response_model=list[NetworkItem])
async def network(slug: str, session: SessionDep, before: int | None = None) -> list[NetworkItem]:
    """What the actors this association follows have published (public and unlisted)."""
    association = await get_association(session, slug)
    rows = await network_objects(session, association, before=before)
    return [
        NetworkItem(
            id=obj.ap_id,
            type=obj.type,
            actor=actor.ap_id,
            url=obj.url,
            published=obj.published_at,
            updated=obj.updated_at,
            name=obj.name_map,
            summary=obj.summary_map,
            content=obj.content_map,
            extra=obj.extra,
        )
        for obj, actor in rows
    ]


@router.get("/associations/{slug}/following", response_model=list[FollowItem])
async def following(slug: str, session: SessionDep) -> list[FollowItem]:
    """Accounts this association follows or asked to follow, with the state of each request."""
    association = await get_association(session, slug)
    return [
        FollowItem(
            actor=actor.ap_id, handle=f"@{actor.username}@{actor.domain}", state=follow.state
        )
        for follow, actor in await outgoing_follows(session, association)
    ]
