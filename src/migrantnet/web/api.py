"""The JSON API under /api/v1 (OpenAPI at /api/openapi.json, browsable at /api/docs).

Public reads: what an association's network published, and whom it follows. Authoring needs a
bearer token (`migrantnet tokens create`, see `web/auth.py`): publish, read, replace and delete
each kind of content of an association, and upload media. Every write runs in one transaction
with the federator, so the Create/Update/Delete queued for followers commits with the change,
or not at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from migrantnet.content.associations import get_association
from migrantnet.content.declarations import DeclarationInput, edit_declaration, publish_declaration
from migrantnet.content.details import ObjectDetails, load_details
from migrantnet.content.errors import InvalidInput
from migrantnet.content.events import EventInput, PlaceInput, edit_event, publish_event
from migrantnet.content.media import MAX_ALT_TEXT, MediaLimits, store_upload
from migrantnet.content.network import events_of, network_objects, outgoing_follows
from migrantnet.content.notes import edit_note, publish_note
from migrantnet.content.objects import (
    check_struggle_link,
    delete_object,
    get_local_object,
)
from migrantnet.content.practices import PracticeInput, edit_practice, publish_practice
from migrantnet.content.publishing import Federator
from migrantnet.content.resources import (
    LinkInput,
    ResourceInput,
    ResourceKind,
    edit_resource,
    publish_resource,
)
from migrantnet.content.storage import MEDIA_URL_PREFIX, LocalStorage
from migrantnet.content.struggles import StruggleInput, edit_struggle, publish_struggle
from migrantnet.content.texts import TextsInput
from migrantnet.models import (
    Actor,
    ContentObject,
    Event,
    EventStatus,
    Kind,
    Media,
    Outcome,
    StruggleStatus,
    User,
    Visibility,
)
from migrantnet.uris import Uris
from migrantnet.web.auth import (
    DELETE_ROLES,
    PUBLISH_ROLES,
    READ_ROLES,
    CurrentUser,
    require_role,
)
from migrantnet.web.deps import SessionDep, SettingsDep, UrisDep
from migrantnet.web.views import text_direction

router = APIRouter(prefix="/api/v1", tags=["api"])


def get_federator(request: Request) -> Federator:
    return request.app.state.federator


FederatorDep = Annotated[Federator, Depends(get_federator)]


# -- errors, as every endpoint answers them ---------------------------------------------------


class ErrorOut(BaseModel):
    error: str = Field(description="What went wrong; for bad input `field: message`.")


ERROR_DESCRIPTIONS = {
    401: "Missing, unknown or revoked bearer token (`WWW-Authenticate: Bearer`).",
    403: "The token's user has no role in this association that allows this.",
    404: "No such association, or no such object of this kind in it.",
    413: "The upload is larger than the node accepts.",
    415: "The file is of a type the node does not accept.",
    422: "Invalid input, as `field: message`; nothing was saved.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses of these codes, and 422 (replacing FastAPI's own error shape)."""
    return {
        code: {"model": ErrorOut, "description": ERROR_DESCRIPTIONS[code]}
        for code in sorted({*codes, 422})
    }


# -- what authors send ------------------------------------------------------------------------

LanguageMap = Annotated[
    dict[str, str],
    Field(
        description="Language code (BCP 47: `fr`, `ar`, `pt-BR`) -> text.",
        examples=[{"fr": "Permanence juridique", "ar": "استشارة قانونية"}],
    ),
]
VisibilityField = Annotated[
    Visibility | None,
    Field(
        description="Who may see it: public (the default), unlisted, followers or direct. "
        "Fixed once published: on replace, leave it out or repeat the current value."
    ),
]
StruggleLink = Annotated[
    str | None,
    Field(description="The id (URL) of a struggle this belongs to, ours or a followed one's."),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TextsIn(Strict):
    """The texts of an object, each in one or more languages."""

    title: LanguageMap = Field(default_factory=dict)
    summary: LanguageMap = Field(default_factory=dict)
    body: LanguageMap = Field(default_factory=dict)
    primary_language: str | None = Field(
        None, description="The language shown by default (the first body's when left out)."
    )

    def to_input(self) -> TextsInput:
        return TextsInput(
            title=dict(self.title),
            summary=dict(self.summary),
            body=dict(self.body),
            primary_language=self.primary_language,
        )


class NoteIn(Strict):
    """A short update: its text (Markdown) in one or more languages."""

    text: LanguageMap
    primary_language: str | None = None
    media_ids: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Public ids of files uploaded with POST .../media, attached in this order.",
    )
    visibility: VisibilityField = None
    struggle_id: StruggleLink = None


class DeclarationIn(Strict):
    """A declaration or recommendation, adopted on a date at a place."""

    texts: TextsIn
    adopted_on: date | None = None
    adopted_at_place: str | None = Field(None, max_length=500)
    media_ids: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Public ids of files uploaded with POST .../media, attached in this order.",
    )
    visibility: VisibilityField = None


class StruggleIn(Strict):
    """A struggle or campaign."""

    texts: TextsIn
    status: StruggleStatus = StruggleStatus.ONGOING
    countries: list[str] = Field(default_factory=list, description="ISO 3166 codes: TN, FR...")
    topics: list[str] = Field(default_factory=list, description="Short labels: asylum, housing...")
    started_on: date | None = None
    media_ids: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Public ids of files uploaded with POST .../media, attached in this order.",
    )
    visibility: VisibilityField = None


class PlaceIn(Strict):
    name: str | None = Field(None, max_length=500)
    street: str | None = Field(None, max_length=500)
    locality: str | None = Field(None, max_length=200)
    region: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=32)
    country: str | None = Field(None, description="ISO 3166 code: TN, FR...")
    latitude: float | None = None
    longitude: float | None = None


class EventIn(Strict):
    """An event, action or assembly: when, in which time zone, and where or online."""

    texts: TextsIn
    starts: datetime = Field(
        description="ISO 8601. Without an offset it is the wall-clock time in `timezone`."
    )
    ends: datetime = Field(description="ISO 8601, after `starts`; same rule for the offset.")
    timezone: str = Field(description="IANA time zone of the event, e.g. Africa/Tunis.")
    place: PlaceIn | None = None
    online_url: str | None = Field(None, max_length=2048, description="An http(s) link.")
    status: EventStatus = EventStatus.CONFIRMED
    organizers: list[str] = Field(
        default_factory=list, description="Ids (URLs) of co-organisers; the association is one."
    )
    struggle_id: StruggleLink = None
    media_ids: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Public ids of files uploaded with POST .../media, attached in this order.",
    )
    visibility: VisibilityField = None


class LinkIn(Strict):
    url: str = Field(max_length=2048, description="An http(s) link.")
    name: str | None = None


class ResourceIn(Strict):
    """An awareness or education resource: a guide, leaflet, video, training..."""

    texts: TextsIn
    kind: ResourceKind = ResourceKind.GUIDE
    languages: list[str] = Field(default_factory=list, description="Languages it exists in.")
    topics: list[str] = Field(default_factory=list)
    audience: str | None = Field(None, max_length=200)
    links: list[LinkIn] = Field(default_factory=list)
    media_ids: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Public ids of files uploaded with POST .../media, attached in this order.",
    )
    visibility: VisibilityField = None


class PracticeIn(Strict):
    """A good practice, victory or defeat, shared so others can learn."""

    texts: TextsIn
    outcome: Outcome = Outcome.GOOD_PRACTICE
    struggle_id: StruggleLink = None
    media_ids: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Public ids of files uploaded with POST .../media, attached in this order.",
    )
    visibility: VisibilityField = None


# -- what the API answers ---------------------------------------------------------------------


class TextOut(BaseModel):
    title: str | None = Field(description="Plain text.")
    summary: str | None = Field(description="Plain text.")
    body: str | None = Field(description="The author's Markdown.")
    html: str | None = Field(description="The body rendered and sanitised.")
    direction: Literal["ltr", "rtl"]


class PlaceOut(BaseModel):
    name: str | None
    street: str | None
    locality: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    latitude: float | None
    longitude: float | None


class EventOut(BaseModel):
    starts: datetime = Field(description="With the offset of the event's time zone.")
    ends: datetime
    timezone: str
    status: EventStatus
    place: PlaceOut | None
    online_url: str | None
    organizers: list[str]


class StruggleOut(BaseModel):
    status: StruggleStatus
    countries: list[str]
    topics: list[str]
    started_on: date | None


class DeclarationOut(BaseModel):
    adopted_on: date | None
    adopted_at_place: str | None
    signatories: list[str] = Field(description="Ids of the associations that co-signed it.")


class LinkOut(BaseModel):
    url: str
    name: str | None


class ResourceOut(BaseModel):
    kind: str
    languages: list[str]
    topics: list[str]
    audience: str | None
    links: list[LinkOut]


class PracticeOut(BaseModel):
    outcome: Outcome


class MediaOut(BaseModel):
    """An uploaded file, cleaned of its metadata (images are re-encoded)."""

    id: str = Field(description="The upload's id.")
    url: str
    preview_url: str | None = Field(description="A small WebP of an image.")
    media_type: str
    size: int = Field(description="In bytes, as stored.")
    width: int | None
    height: int | None
    alt_text: str | None


def media_out(media: Media, uris: Uris) -> MediaOut:
    # The files are served by `web/media.py` under MEDIA_URL_PREFIX, whatever the storage.
    return MediaOut(
        id=media.public_id,
        url=uris.absolute(MEDIA_URL_PREFIX + media.storage_key),
        preview_url=(
            uris.absolute(MEDIA_URL_PREFIX + media.preview_key) if media.preview_key else None
        ),
        media_type=media.media_type,
        size=media.size,
        width=media.width,
        height=media.height,
        alt_text=media.alt_text,
    )


class ObjectOut(BaseModel):
    """One of an association's objects; exactly the block of its `kind` is filled in."""

    id: str = Field(description="The ActivityPub id, also the address of its page.")
    public_id: str = Field(description="The last part of `id`, used in API paths.")
    kind: Kind
    url: str
    association: str = Field(description="Slug of the publishing association.")
    visibility: Visibility
    published: datetime
    updated: datetime | None
    primary_language: str | None
    languages: list[str] = Field(description="The primary language first.")
    texts: dict[str, TextOut] = Field(description="Language code -> the texts in it.")
    struggle_id: str | None = Field(description="The struggle it belongs to, if any.")
    event: EventOut | None = None
    struggle: StruggleOut | None = None
    declaration: DeclarationOut | None = None
    resource: ResourceOut | None = None
    practice: PracticeOut | None = None
    media: list[MediaOut] = Field(default_factory=list)


def public_id_of(obj: ContentObject) -> str:
    return obj.ap_id.rstrip("/").rsplit("/", 1)[-1]


def _texts_out(obj: ContentObject) -> tuple[list[str], dict[str, TextOut]]:
    sources: dict[str, str] = (obj.extra or {}).get("source", {}) or {}
    # The primary language first, then the others sorted: JSONB keeps no key order.
    found = {*obj.content_map, *obj.name_map, *obj.summary_map}
    primary = [obj.primary_language] if obj.primary_language in found else []
    languages = primary + sorted(found - set(primary))
    texts = {
        lang: TextOut(
            title=obj.name_map.get(lang),
            summary=obj.summary_map.get(lang),
            body=sources.get(lang),
            html=obj.content_map.get(lang),
            direction="rtl" if text_direction(lang) == "rtl" else "ltr",
        )
        for lang in languages
    }
    return languages, texts


def object_out(details: ObjectDetails, uris: Uris) -> ObjectOut:
    obj, actor = details.obj, details.actor
    languages, texts = _texts_out(obj)
    out = ObjectOut(
        id=obj.ap_id,
        public_id=public_id_of(obj),
        kind=Kind(obj.kind),
        url=obj.url or obj.ap_id,
        association=actor.slug or "",
        visibility=Visibility(obj.visibility),
        published=obj.published_at,
        updated=obj.updated_at,
        primary_language=obj.primary_language,
        languages=languages,
        texts=texts,
        struggle_id=obj.struggle_ap_id,
        media=[media_out(media, uris) for media in details.media],
    )
    if (event := details.event) is not None:
        zone = ZoneInfo(event.timezone)
        place = PlaceOut(
            name=event.place_name,
            street=event.street,
            locality=event.locality,
            region=event.region,
            postal_code=event.postal_code,
            country=event.country,
            latitude=event.latitude,
            longitude=event.longitude,
        )
        out.event = EventOut(
            starts=event.starts_at.astimezone(zone),
            ends=event.ends_at.astimezone(zone),
            timezone=event.timezone,
            status=EventStatus(event.status),
            place=place if any(place.model_dump().values()) else None,
            online_url=event.online_url,
            organizers=list(event.organizers),
        )
    if (struggle := details.struggle) is not None:
        out.struggle = StruggleOut(
            status=StruggleStatus(struggle.status),
            countries=list(struggle.countries),
            topics=list(struggle.topics),
            started_on=struggle.started_on,
        )
    if (declaration := details.declaration) is not None:
        out.declaration = DeclarationOut(
            adopted_on=declaration.adopted_on,
            adopted_at_place=declaration.adopted_at_place,
            signatories=[signer.ap_id for signer in details.signatories],
        )
    if (resource := details.resource) is not None:
        out.resource = ResourceOut(
            kind=resource.resource_kind,
            languages=list(resource.languages),
            topics=list(resource.topics),
            audience=resource.audience,
            links=[LinkOut(url=link["url"], name=link.get("name")) for link in resource.links],
        )
    if (practice := details.practice) is not None:
        out.practice = PracticeOut(outcome=Outcome(practice.outcome))
    return out


# -- public reads -----------------------------------------------------------------------------


class NetworkEvent(BaseModel):
    starts: datetime
    ends: datetime
    timezone: str
    place: str | None
    locality: str | None
    country: str | None
    online_url: str | None
    status: str


class NetworkItem(BaseModel):
    id: str
    type: str
    kind: str
    actor: str
    url: str | None
    published: datetime
    updated: datetime | None
    name: dict[str, Any]
    summary: dict[str, Any]
    content: dict[str, Any]
    event: NetworkEvent | None = None
    extra: dict[str, Any]


class FollowItem(BaseModel):
    actor: str
    handle: str
    state: str


@router.get(
    "/associations/{slug}/network",
    response_model=list[NetworkItem],
    summary="What the association's network published",
    responses=errors(404),
)
async def network(slug: str, session: SessionDep, before: int | None = None) -> list[NetworkItem]:
    """What the actors this association follows have published (public and unlisted)."""
    association = await get_association(session, slug)
    rows = await network_objects(session, association, before=before)
    events = await events_of(session, [obj.id for obj, _ in rows])
    return [
        NetworkItem(
            id=obj.ap_id,
            type=obj.type,
            kind=obj.kind,
            event=_network_event(events.get(obj.id)),
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


def _network_event(event: Event | None) -> NetworkEvent | None:
    if event is None:
        return None
    return NetworkEvent(
        starts=event.starts_at,
        ends=event.ends_at,
        timezone=event.timezone,
        place=event.place_name,
        locality=event.locality,
        country=event.country,
        online_url=event.online_url,
        status=event.status,
    )


@router.get(
    "/associations/{slug}/following",
    response_model=list[FollowItem],
    summary="Whom the association follows",
    responses=errors(404),
)
async def following(slug: str, session: SessionDep) -> list[FollowItem]:
    """Accounts this association follows or asked to follow, with the state of each request."""
    association = await get_association(session, slug)
    return [
        FollowItem(
            actor=actor.ap_id, handle=f"@{actor.username}@{actor.domain}", state=follow.state
        )
        for follow, actor in await outgoing_follows(session, association)
    ]


# -- authoring: the transaction around each write ---------------------------------------------

Publish = Callable[[Actor], Awaitable[ContentObject]]
Edit = Callable[[Actor, ContentObject], Awaitable[ContentObject]]

KIND_PATHS: dict[Kind, str] = {
    Kind.NOTE: "notes",
    Kind.DECLARATION: "declarations",
    Kind.STRUGGLE: "struggles",
    Kind.EVENT: "events",
    Kind.RESOURCE: "resources",
    Kind.PRACTICE: "practices",
}


def _keep_visibility(obj: ContentObject, wanted: Visibility | None) -> None:
    if wanted is not None and wanted != obj.visibility:
        raise InvalidInput(
            "visibility",
            f"is {obj.visibility} and cannot change once published (delete and publish anew)",
        )


async def _create(
    session: AsyncSession,
    uris: Uris,
    user: User,
    slug: str,
    request: Request,
    response: Response,
    publish: Publish,
) -> ObjectOut:
    async with session.begin():
        actor = await require_role(session, user, slug, PUBLISH_ROLES)
        obj = await publish(actor)
        out = object_out(await load_details(session, obj, actor), uris)
    response.headers["Location"] = str(
        request.url_for(f"get_{out.kind}", slug=slug, public_id=out.public_id)
    )
    return out


async def _replace(
    session: AsyncSession,
    uris: Uris,
    user: User,
    slug: str,
    public_id: str,
    kind: Kind,
    visibility: Visibility | None,
    edit: Edit,
) -> ObjectOut:
    async with session.begin():
        actor = await require_role(session, user, slug, PUBLISH_ROLES)
        obj = await get_local_object(session, actor, uris.object(slug, public_id), kind)
        _keep_visibility(obj, visibility)
        obj = await edit(actor, obj)
        return object_out(await load_details(session, obj, actor), uris)


def _a(kind: Kind) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _add_read_and_delete(kind: Kind) -> None:
    """GET and DELETE of one object are alike for every kind."""
    path = f"/associations/{{slug}}/{KIND_PATHS[kind]}/{{public_id}}"

    async def read(
        slug: str, public_id: str, session: SessionDep, uris: UrisDep, user: CurrentUser
    ) -> ObjectOut:
        async with session.begin():
            actor = await require_role(session, user, slug, READ_ROLES)
            obj = await get_local_object(session, actor, uris.object(slug, public_id), kind)
            return object_out(await load_details(session, obj, actor), uris)

    async def delete(
        slug: str,
        public_id: str,
        session: SessionDep,
        uris: UrisDep,
        federator: FederatorDep,
        user: CurrentUser,
    ) -> Response:
        async with session.begin():
            actor = await require_role(session, user, slug, DELETE_ROLES)
            obj = await get_local_object(session, actor, uris.object(slug, public_id), kind)
            await delete_object(session, federator, actor, obj)
        return Response(status_code=204)

    read.__doc__ = (
        f"The {kind} with its texts in every language (Markdown source and HTML). "
        "Any role in the association."
    )
    delete.__doc__ = (
        f"Delete the {kind}: its page answers 410 Gone and followers are sent a Delete. "
        "Owners, editors and moderators."
    )
    router.add_api_route(
        path,
        read,
        methods=["GET"],
        name=f"get_{kind}",
        summary=f"Read {_a(kind)}",
        response_model=ObjectOut,
        responses=errors(401, 403, 404),
    )
    router.add_api_route(
        path,
        delete,
        methods=["DELETE"],
        name=f"delete_{kind}",
        summary=f"Delete {_a(kind)}",
        status_code=204,
        response_class=Response,
        responses=errors(401, 403, 404),
    )


# -- authoring: one create and one replace per kind -------------------------------------------

WRITE_ERRORS = errors(401, 403, 404, 422)
CREATED = "Published; `Location` is its address in this API."


@router.post(
    "/associations/{slug}/notes",
    status_code=201,
    response_model=ObjectOut,
    summary="Publish a note",
    responses=WRITE_ERRORS,
    response_description=CREATED,
)
async def create_note(
    slug: str,
    body: NoteIn,
    request: Request,
    response: Response,
    session: SessionDep,
    uris: UrisDep,
    federator: FederatorDep,
    user: CurrentUser,
) -> ObjectOut:
    """A short update, sent to the association's followers. Owners and editors."""

    async def publish(actor: Actor) -> ContentObject:
        return await publish_note(
            session,
            uris,
            federator,
            actor,
            text=dict(body.text),
            visibility=body.visibility or Visibility.PUBLIC,
            primary_language=body.primary_language,
            struggle_ap_id=body.struggle_id,
            media_ids=list(body.media_ids),
        )

    return await _create(session, uris, user, slug, request, response, publish)


@router.put(
    "/associations/{slug}/notes/{public_id}",
    response_model=ObjectOut,
    summary="Edit a note",
    responses=WRITE_ERRORS,
)
async def replace_note(
    slug: str,
    public_id: str,
    body: NoteIn,
    session: SessionDep,
    uris: UrisDep,
    federator: FederatorDep,
    user: CurrentUser,
) -> ObjectOut:
    """Replace the note's text (every language); followers are sent an Update."""

    async def edit(actor: Actor, obj: ContentObject) -> ContentObject:
        obj.struggle_ap_id = await check_struggle_link(session, body.struggle_id)
        return await edit_note(
            session,
            federator,
            actor,
            obj,
            text=dict(body.text),
            primary_language=body.primary_language,
            media_ids=list(body.media_ids),
        )

    return await _replace(session, uris, user, slug, public_id, Kind.NOTE, body.visibility, edit)


def _declaration_input(body: DeclarationIn, visibility: str) -> DeclarationInput:
    return DeclarationInput(
        texts=body.texts.to_input(),
        adopted_on=body.adopted_on,
        adopted_at_place=body.adopted_at_place,
        media_ids=list(body.media_ids),
        visibility=visibility,
    )


@router.post(
    "/associations/{slug}/declarations",
    status_code=201,
    response_model=ObjectOut,
    summary="Publish a declaration",
    responses=WRITE_ERRORS,
    response_description=CREATED,
)
async def create_declaration(
    slug: str,
    body: DeclarationIn,
    request: Request,
    response: Response,
    session: SessionDep,
    uris: UrisDep,
    federator: FederatorDep,
    user: CurrentUser,
) -> ObjectOut:
    """A declaration or recommendation (title and body required). Owners and editors."""
    data = _declaration_input(body, body.visibility or Visibility.PUBLIC)

    async def publish(actor: Actor) -> ContentObject:
        return await publish_declaration(session, uris, federator, actor, data)

    return await _create(session, uris, user, slug, request, response, publish)


@router.put(
    "/associations/{slug}/declarations/{public_id}",
    response_model=ObjectOut,
    summary="Edit a declaration",
    responses=WRITE_ERRORS,
)
async def replace_declaration(
    slug: str,
    public_id: str,
    body: DeclarationIn,
    session: SessionDep,
    uris: UrisDep,
    federator: FederatorDep,
    user: CurrentUser,
) -> ObjectOut:
    """Replace the declaration's texts and fields; followers are sent an Update."""

    async def edit(actor: Actor, obj: ContentObject) -> ContentObject:
        data = _declaration_input(body, obj.visibility)
        return await edit_declaration(session, federator, actor, obj, data)

    return await _replace(
        session, uris, user, slug, public_id, Kind.DECLARATION, body.visibility, edit
    )


def _struggle_input(body: StruggleIn, visibility: str) -> StruggleInput:
    return StruggleInput(
        texts=body.texts.to_input(),
        status=body.status,
        countries=list(body.countries),
        topics=list(body.topics),
        started_on=body.started_on,
        media_ids=list(body.media_ids),
        visibility=visibility,
    )


@router.post(
    "/associations/{slug}/struggles",
    status_code=201,
    response_model=ObjectOut,
    summary="Publish a struggle",
    responses=WRITE_ERRORS,
    response_description=CREATED,
)
async def create_struggle(
    slug: str,
    body: StruggleIn,
    request: Request,
    response: Response,
    session: SessionDep,
    uris: UrisDep,
    federator: FederatorDep,
    user: CurrentUser,
) -> ObjectOut:
    """A struggle or campaign (title and body required). Owners and editors."""
    data = _struggle_input(body, body.visibility or Visibility.PUBLIC)

    async def publish(actor: Actor) -> ContentObject:
        return await publish_struggle(session, uris, federator, actor, data)

    return await _create(session, uris, user, slug, request, response, publish)


@router.put(
    "/associations/{slug}/struggles/{public_id}",
    response_model=ObjectOut,
    summary="Edit a struggle",
    responses=WRITE_ERRORS,
)
async def replace_struggle(
    slug: str,
    public_id: str,
    body: StruggleIn,
    session: SessionDep,
    uris: UrisDep,
    federator: FederatorDep,
    user: CurrentUser,
) -> ObjectOut:
    """Replace the struggle's texts, status, countries and topics; followers get an Update."""

    async def edit(actor: Actor, obj: ContentObject) -> ContentObject:
        return await edit_struggle(
            session, federator, actor, obj, _struggle_input(body, obj.visibility)
        )

    return await _replace(
        session, uris, user, slug, public_id, Kind.STRUGGLE, body.visibility, edit
    )


def _event_input(body: EventIn, visibility: str) -> EventInput:
    return EventInput(
        texts=body.texts.to_input(),
        starts=body.starts,
        ends=body.ends,
        timezone=body.timezone,
        place=PlaceInput(**body.place.model_dump()) if body.place is not None else None,
        online_url=body.online_url,
        status=body.status,
        organizers=list(body.organizers),
        struggle_ap_id=body.struggle_id,
        media_ids=list(body.media_ids),
        visibility=visibility,
    )


@router.post(
    "/associations/{slug}/events",
    status_code=201,
    response_model=ObjectOut,
    summary="Publish an event",
    responses=WRITE_ERRORS,
    response_description=CREATED,
)
async def create_event(
    slug: str,
    body: EventIn,
    request: Request,
    response: Response,
    session: SessionDep,
    uris: UrisDep,
    federator: FederatorDep,
    user: CurrentUser,
) -> ObjectOut:
    """An event with a place or an online link; a title is required. Owners and editors.

    Where a language has no summary, the date and place are written out in it.
    """
    data = _event_input(body, body.visibility or Visibility.PUBLIC)

    async def publish(actor: Actor) -> ContentObject:
        return await publish_event(session, uris, federator, actor, data)

    return await _create(session, uris, user, slug, request, response, publish)


@router.put(
    "/associations/{slug}/events/{public_id}",
    response_model=ObjectOut,
    summary="Edit an event",
    responses=WRITE_ERRORS,
)
async def replace_event(
    slug: str,
    public_id: str,
    body: EventIn,
    session: SessionDep,
    uris: UrisDep,
    federator: FederatorDep,
    user: CurrentUser,
) -> ObjectOut:
    """Replace the event's texts, times and place; followers are sent an Update."""

    async def edit(actor: Actor, obj: ContentObject) -> ContentObject:
        return await edit_event(session, federator, actor, obj, _event_input(body, obj.visibility))

    return await _replace(session, uris, user, slug, public_id, Kind.EVENT, body.visibility, edit)


def _resource_input(body: ResourceIn, visibility: str) -> ResourceInput:
    return ResourceInput(
        texts=body.texts.to_input(),
        kind=body.kind,
        languages=list(body.languages),
        topics=list(body.topics),
        audience=body.audience,
        links=[LinkInput(url=link.url, name=link.name) for link in body.links],
        media_ids=list(body.media_ids),
        visibility=visibility,
    )


@router.post(
    "/associations/{slug}/resources",
    status_code=201,
    response_model=ObjectOut,
    summary="Publish a resource",
    responses=WRITE_ERRORS,
    response_description=CREATED,
)
async def create_resource(
    slug: str,
    body: ResourceIn,
    request: Request,
    response: Response,
    session: SessionDep,
    uris: UrisDep,
    federator: FederatorDep,
    user: CurrentUser,
) -> ObjectOut:
    """A guide, leaflet, video, training... (a title is required). Owners and editors."""
    data = _resource_input(body, body.visibility or Visibility.PUBLIC)

    async def publish(actor: Actor) -> ContentObject:
        return await publish_resource(session, uris, federator, actor, data)

    return await _create(session, uris, user, slug, request, response, publish)


@router.put(
    "/associations/{slug}/resources/{public_id}",
    response_model=ObjectOut,
    summary="Edit a resource",
    responses=WRITE_ERRORS,
)
async def replace_resource(
    slug: str,
    public_id: str,
    body: ResourceIn,
    session: SessionDep,
    uris: UrisDep,
    federator: FederatorDep,
    user: CurrentUser,
) -> ObjectOut:
    """Replace the resource's texts, kind, languages, topics and links; followers get an Update."""

    async def edit(actor: Actor, obj: ContentObject) -> ContentObject:
        return await edit_resource(
            session, federator, actor, obj, _resource_input(body, obj.visibility)
        )

    return await _replace(
        session, uris, user, slug, public_id, Kind.RESOURCE, body.visibility, edit
    )


def _practice_input(body: PracticeIn, visibility: str) -> PracticeInput:
    return PracticeInput(
        texts=body.texts.to_input(),
        outcome=body.outcome,
        struggle_ap_id=body.struggle_id,
        media_ids=list(body.media_ids),
        visibility=visibility,
    )


@router.post(
    "/associations/{slug}/practices",
    status_code=201,
    response_model=ObjectOut,
    summary="Publish a practice",
    responses=WRITE_ERRORS,
    response_description=CREATED,
)
async def create_practice(
    slug: str,
    body: PracticeIn,
    request: Request,
    response: Response,
    session: SessionDep,
    uris: UrisDep,
    federator: FederatorDep,
    user: CurrentUser,
) -> ObjectOut:
    """A good practice, victory or defeat (title and body required). Owners and editors."""
    data = _practice_input(body, body.visibility or Visibility.PUBLIC)

    async def publish(actor: Actor) -> ContentObject:
        return await publish_practice(session, uris, federator, actor, data)

    return await _create(session, uris, user, slug, request, response, publish)


@router.put(
    "/associations/{slug}/practices/{public_id}",
    response_model=ObjectOut,
    summary="Edit a practice",
    responses=WRITE_ERRORS,
)
async def replace_practice(
    slug: str,
    public_id: str,
    body: PracticeIn,
    session: SessionDep,
    uris: UrisDep,
    federator: FederatorDep,
    user: CurrentUser,
) -> ObjectOut:
    """Replace the practice's texts, outcome and struggle link; followers get an Update."""

    async def edit(actor: Actor, obj: ContentObject) -> ContentObject:
        return await edit_practice(
            session, federator, actor, obj, _practice_input(body, obj.visibility)
        )

    return await _replace(
        session, uris, user, slug, public_id, Kind.PRACTICE, body.visibility, edit
    )


for _kind in KIND_PATHS:
    _add_read_and_delete(_kind)


# -- media ------------------------------------------------------------------------------------

# Room for the multipart framing, the part headers and the alt text around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "alt_text": {
                        "type": "string",
                        "maxLength": MAX_ALT_TEXT,
                        "description": "What the image shows (required for images).",
                    },
                },
            }
        }
    },
}


class UploadTooLarge(MultiPartException):
    """Raised inside the parser, so it closes the temporary files it opened."""


def too_large(cap: int) -> HTTPException:
    return HTTPException(413, f"the upload is larger than this node accepts ({cap} bytes)")


async def read_capped_form(request: Request, cap: int) -> list[tuple[str, str | UploadFile]]:
    """The multipart form of the request, refused with 413 past `cap` bytes of body."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise HTTPException(415, "send multipart/form-data with a `file` field")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise too_large(cap)  # without reading a byte

    async def body() -> Any:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > cap:
                raise UploadTooLarge("too large")
            yield chunk

    parser = MultiPartParser(
        request.headers, body(), max_files=1, max_fields=4, max_part_size=MULTIPART_OVERHEAD
    )
    try:
        form = await parser.parse()
    except UploadTooLarge:
        raise too_large(cap) from None
    except MultiPartException as exc:
        raise InvalidInput("file", f"unreadable multipart body: {exc.message}") from None
    return list(form.multi_items())


@router.post(
    "/associations/{slug}/media",
    status_code=201,
    response_model=MediaOut,
    summary="Upload an image or a document",
    responses=errors(401, 403, 404, 413, 415),
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def upload_media(
    slug: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    uris: UrisDep,
    user: CurrentUser,
) -> MediaOut:
    """Store a JPEG, PNG, WebP or GIF image (with its alt text) or a PDF document.

    Images lose every piece of metadata (GPS position, device) and get a preview. Owners and
    editors. The upload is not attached to anything yet.
    """
    async with session.begin():
        actor = await require_role(session, user, slug, PUBLISH_ROLES)
    limits = MediaLimits.from_settings(settings)
    items = await read_capped_form(request, limits.upload_max_bytes + MULTIPART_OVERHEAD)
    try:
        files = [value for key, value in items if key == "file" and isinstance(value, UploadFile)]
        if not files:
            raise InvalidInput("file", "missing: send the file in a multipart field named `file`")
        alt_texts = [value for key, value in items if key == "alt_text" and isinstance(value, str)]
        upload = files[0]
        data = await upload.read()
        async with session.begin():
            media = await store_upload(
                session,
                LocalStorage(settings.media_dir),
                actor,
                data=data,
                filename=upload.filename,
                declared_type=upload.content_type,
                alt_text=alt_texts[0] if alt_texts else None,
                limits=limits,
            )
            return media_out(media, uris)
    finally:
        for _, value in items:
            if isinstance(value, UploadFile):
                await value.close()
