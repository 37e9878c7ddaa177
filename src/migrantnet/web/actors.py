"""Association and object pages: HTML for browsers, ActivityStreams for servers, same URL."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from migrantnet.content.associations import get_association
from migrantnet.content.errors import NotFound
from migrantnet.federation.context import AS_CONTEXT, wants_activity_json
from migrantnet.federation.responses import ActivityJSONResponse
from migrantnet.federation.serialize.actor import actor_to_ap
from migrantnet.federation.serialize.objects import object_to_ap
from migrantnet.models import ContentObject, Visibility
from migrantnet.web.deps import SessionDep, SettingsDep, TemplatesDep, UrisDep
from migrantnet.web.views import accepted_languages, actor_view, object_view

router = APIRouter()
PAGE_SIZE = 20
LISTED = (Visibility.PUBLIC,)


@router.get("/@{slug}")
async def association_page(
    slug: str,
    request: Request,
    session: SessionDep,
    uris: UrisDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    before: int | None = None,
) -> Response:
    actor = await get_association(session, slug)
    if wants_activity_json(request.headers.get("accept")):
        return ActivityJSONResponse(actor_to_ap(actor, uris))
    query = select(ContentObject).where(
        ContentObject.actor_id == actor.id,
        ContentObject.deleted_at.is_(None),
        ContentObject.visibility.in_(LISTED),
    )
    if before is not None:
        query = query.where(ContentObject.id < before)
    objects = list(
        await session.scalars(query.order_by(ContentObject.id.desc()).limit(PAGE_SIZE + 1))
    )
    wanted = accepted_languages(request.headers.get("accept-language"))
    more = objects[PAGE_SIZE - 1].id if len(objects) > PAGE_SIZE else None
    response = templates.TemplateResponse(
        request,
        "association.html",
        {
            "actor": actor_view(actor, settings.domain),
            "objects": [object_view(obj, wanted) for obj in objects[:PAGE_SIZE]],
            "older": more,
            "domain": settings.domain,
        },
    )
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


@router.get("/@{slug}/objects/{public_id}")
async def object_page(
    slug: str,
    public_id: str,
    request: Request,
    session: SessionDep,
    uris: UrisDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    actor = await get_association(session, slug)
    obj = await session.scalar(
        select(ContentObject).where(
            ContentObject.ap_id == uris.object(slug, public_id),
            ContentObject.actor_id == actor.id,
        )
    )
    if obj is None or obj.visibility not in (Visibility.PUBLIC, Visibility.UNLISTED):
        raise NotFound("no such page")
    as_json = wants_activity_json(request.headers.get("accept"))
    if obj.deleted_at is not None:
        if as_json:
            tombstone = {"@context": AS_CONTEXT, "id": obj.ap_id, "type": "Tombstone"}
            return ActivityJSONResponse(tombstone, status_code=410)
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                "status": 410,
                "message": "This was deleted by its author.",
                "domain": settings.domain,
            },
            status_code=410,
        )
    if as_json:
        return ActivityJSONResponse(object_to_ap(obj, actor))
    wanted = accepted_languages(request.headers.get("accept-language"))
    response = templates.TemplateResponse(
        request,
        "object.html",
        {
            "actor": actor_view(actor, settings.domain),
            "object": object_view(obj, wanted),
            "domain": settings.domain,
        },
    )
    response.headers["Vary"] = "Accept, Accept-Language"
    return response
