"""Authoring an association's objects: publish, replace, read and delete, alike for every kind.

`add_kind` registers the four endpoints of one row of `kinds.KINDS`. Every write runs in one
transaction with the notifier, so the Create/Update/Delete queued for followers commits with
the change, or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.details import load_details
from migrantnet.content.errors import InvalidInput
from migrantnet.content.objects import delete_object, get_local_object
from migrantnet.content.publishing import ChangeNotifier
from migrantnet.federation.deps import FederationDep
from migrantnet.models import Actor, ContentObject, Kind, User, Visibility
from migrantnet.translations import N_
from migrantnet.uris import Uris
from migrantnet.web.api.kinds import KIND_API, KindApi, with_reply_target
from migrantnet.web.api.render import object_out
from migrantnet.web.api.responses import errors
from migrantnet.web.api.schemas import ObjectOut
from migrantnet.web.auth import (
    DELETE_ROLES,
    PUBLISH_ROLES,
    READ_ROLES,
    CurrentUser,
    require_role,
)
from migrantnet.web.deps import SessionDep, UrisDep


async def get_notifier(request: Request) -> ChangeNotifier:
    return request.app.state.notifier


NotifierDep = Annotated[ChangeNotifier, Depends(get_notifier)]

READ_ERRORS = errors(401, 403, 404)
WRITE_ERRORS = errors(400, 401, 403, 404, 422)
CREATED = "Published; `Location` is its address in this API."


def _a(kind: Kind) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _keep_visibility(obj: ContentObject, wanted: Visibility | None) -> None:
    if wanted is not None and wanted != obj.visibility:
        raise InvalidInput(
            "visibility",
            N_("is %(visibility)s and cannot change once published (delete and publish anew)"),
            visibility=obj.visibility,
        )


async def _find(
    session: AsyncSession,
    uris: Uris,
    user: User,
    slug: str,
    public_id: str,
    kind: Kind,
    roles: Iterable[str],
) -> tuple[Actor, ContentObject]:
    """The association, if the user has one of `roles` in it, and its object of this kind."""
    actor = await require_role(session, user, slug, roles)
    return actor, await get_local_object(session, actor, uris.object(slug, public_id), kind)


async def _out(session: AsyncSession, uris: Uris, obj: ContentObject, actor: Actor) -> ObjectOut:
    return object_out(await load_details(session, obj, actor), uris)


def kind_router() -> APIRouter:
    """The endpoints of every kind in `kinds.KIND_API`, built when the app is made, so a kind
    registered before `create_app` is served like the others."""
    router = APIRouter()
    for spec in KIND_API.values():
        add_kind(router, spec)
    return router


ConfirmFollowersOnly = Annotated[
    bool,
    Query(
        description="Publish `followers` visibility although the association accepts every"
        " follower automatically (anyone who asks then receives it); without it, such a post"
        " is refused with 422.",
    ),
]


def add_kind(router: APIRouter, spec: KindApi[Any, Any]) -> None:
    """POST the collection; PUT, GET and DELETE one object (the paths' order in OpenAPI)."""
    kind = spec.kind
    collection = f"/associations/{{slug}}/{spec.path}"
    item = f"{collection}/{{public_id}}"

    async def create(
        slug: str,
        body: Any,
        request: Request,
        response: Response,
        session: SessionDep,
        uris: UrisDep,
        notifier: NotifierDep,
        fed: FederationDep,
        user: CurrentUser,
        confirm_followers_only: ConfirmFollowersOnly = False,
    ) -> ObjectOut:
        async with session.begin():
            actor = await require_role(session, user, slug, PUBLISH_ROLES)
            visibility = body.visibility or Visibility.PUBLIC
            body = await with_reply_target(session, fed, body)
            obj = await spec.publish(
                session,
                uris,
                notifier,
                actor,
                body,
                visibility,
                followers_confirmed=confirm_followers_only,
            )
            out = await _out(session, uris, obj, actor)
        response.headers["Location"] = str(
            request.url_for(f"get_{out.kind}", slug=slug, public_id=out.public_id)
        )
        return out

    async def replace(
        slug: str,
        public_id: str,
        body: Any,
        session: SessionDep,
        uris: UrisDep,
        notifier: NotifierDep,
        user: CurrentUser,
    ) -> ObjectOut:
        async with session.begin():
            actor, obj = await _find(session, uris, user, slug, public_id, kind, PUBLISH_ROLES)
            _keep_visibility(obj, body.visibility)
            obj = await spec.edit(session, notifier, actor, obj, body)
            return await _out(session, uris, obj, actor)

    async def read(
        slug: str, public_id: str, session: SessionDep, uris: UrisDep, user: CurrentUser
    ) -> ObjectOut:
        async with session.begin():
            actor, obj = await _find(session, uris, user, slug, public_id, kind, READ_ROLES)
            return await _out(session, uris, obj, actor)

    async def delete(
        slug: str,
        public_id: str,
        session: SessionDep,
        uris: UrisDep,
        notifier: NotifierDep,
        user: CurrentUser,
    ) -> Response:
        async with session.begin():
            actor, obj = await _find(session, uris, user, slug, public_id, kind, DELETE_ROLES)
            await delete_object(session, notifier, actor, obj)
        return Response(status_code=204)

    # FastAPI reads the request body's model from the annotation.
    create.__annotations__["body"] = replace.__annotations__["body"] = spec.body
    router.add_api_route(
        collection,
        create,
        methods=["POST"],
        name=f"create_{kind}",
        status_code=201,
        response_model=ObjectOut,
        summary=f"Publish {_a(kind)}",
        description=spec.create_doc,
        responses=WRITE_ERRORS,
        response_description=CREATED,
    )
    router.add_api_route(
        item,
        replace,
        methods=["PUT"],
        name=f"replace_{kind}",
        response_model=ObjectOut,
        summary=f"Edit {_a(kind)}",
        description=spec.replace_doc,
        responses=WRITE_ERRORS,
    )
    router.add_api_route(
        item,
        read,
        methods=["GET"],
        name=f"get_{kind}",
        response_model=ObjectOut,
        summary=f"Read {_a(kind)}",
        description=f"The {kind} with its texts in every language (Markdown source and HTML). "
        "Any role in the association.",
        responses=READ_ERRORS,
    )
    router.add_api_route(
        item,
        delete,
        methods=["DELETE"],
        name=f"delete_{kind}",
        status_code=204,
        response_class=Response,
        summary=f"Delete {_a(kind)}",
        description=f"Delete the {kind}: its page answers 410 Gone and followers are sent a "
        "Delete. Owners, editors and moderators.",
        responses=READ_ERRORS,
    )
