"""What differs between the kinds of object the API authors, one row of `KINDS` each.

A row names the kind's request body, how that body becomes the content service's input, the
services that publish and edit it, and the descriptions of its create and replace endpoints.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.declarations import DeclarationInput, edit_declaration, publish_declaration
from migrantnet.content.events import EventInput, PlaceInput, edit_event, publish_event
from migrantnet.content.notes import edit_note, publish_note
from migrantnet.content.objects import check_struggle_link
from migrantnet.content.practices import PracticeInput, edit_practice, publish_practice
from migrantnet.content.publishing import Federator
from migrantnet.content.resources import LinkInput, ResourceInput, edit_resource, publish_resource
from migrantnet.content.struggles import StruggleInput, edit_struggle, publish_struggle
from migrantnet.models import Actor, ContentObject, Kind
from migrantnet.uris import Uris
from migrantnet.web.api.schemas import (
    DeclarationIn,
    EventIn,
    NoteIn,
    PracticeIn,
    ResourceIn,
    StruggleIn,
)

Body = TypeVar("Body", bound=BaseModel)
Data = TypeVar("Data")


@dataclass(frozen=True)
class KindApi(Generic[Body, Data]):
    kind: Kind
    path: str  # under /associations/{slug}/
    body: type[Body]
    # The request body and the visibility to publish with -> the service's input.
    to_input: Callable[[Body, str], Data]
    publish: Callable[[AsyncSession, Uris, Federator, Actor, Data], Awaitable[ContentObject]]
    edit: Callable[[AsyncSession, Federator, Actor, ContentObject, Data], Awaitable[ContentObject]]
    create_doc: str
    replace_doc: str


# -- notes: the services take keyword arguments, and a single `text` ---------------------------


@dataclass(frozen=True)
class NoteData:
    text: dict[str, str]
    visibility: str
    primary_language: str | None
    struggle_ap_id: str | None
    media_ids: list[str]


def _note_input(body: NoteIn, visibility: str) -> NoteData:
    return NoteData(
        text=dict(body.text),
        visibility=visibility,
        primary_language=body.primary_language,
        struggle_ap_id=body.struggle_id,
        media_ids=list(body.media_ids),
    )


async def _publish_note(
    session: AsyncSession, uris: Uris, federator: Federator, actor: Actor, data: NoteData
) -> ContentObject:
    return await publish_note(
        session,
        uris,
        federator,
        actor,
        text=data.text,
        visibility=data.visibility,
        primary_language=data.primary_language,
        struggle_ap_id=data.struggle_ap_id,
        media_ids=data.media_ids,
    )


async def _edit_note(
    session: AsyncSession, federator: Federator, actor: Actor, obj: ContentObject, data: NoteData
) -> ContentObject:
    obj.struggle_ap_id = await check_struggle_link(session, data.struggle_ap_id)
    return await edit_note(
        session,
        federator,
        actor,
        obj,
        text=data.text,
        primary_language=data.primary_language,
        media_ids=data.media_ids,
    )


# -- the other kinds: the services take one input dataclass ------------------------------------


def _declaration_input(body: DeclarationIn, visibility: str) -> DeclarationInput:
    return DeclarationInput(
        texts=body.texts.to_input(),
        adopted_on=body.adopted_on,
        adopted_at_place=body.adopted_at_place,
        media_ids=list(body.media_ids),
        visibility=visibility,
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


def _practice_input(body: PracticeIn, visibility: str) -> PracticeInput:
    return PracticeInput(
        texts=body.texts.to_input(),
        outcome=body.outcome,
        struggle_ap_id=body.struggle_id,
        media_ids=list(body.media_ids),
        visibility=visibility,
    )


# In the order of the API's paths.
KINDS: tuple[KindApi[Any, Any], ...] = (
    KindApi(
        Kind.NOTE,
        "notes",
        NoteIn,
        _note_input,
        _publish_note,
        _edit_note,
        create_doc="A short update, sent to the association's followers. Owners and editors.",
        replace_doc="Replace the note's text (every language); followers are sent an Update.",
    ),
    KindApi(
        Kind.DECLARATION,
        "declarations",
        DeclarationIn,
        _declaration_input,
        publish_declaration,
        edit_declaration,
        create_doc="A declaration or recommendation (title and body required). Owners and editors.",
        replace_doc="Replace the declaration's texts and fields; followers are sent an Update.",
    ),
    KindApi(
        Kind.STRUGGLE,
        "struggles",
        StruggleIn,
        _struggle_input,
        publish_struggle,
        edit_struggle,
        create_doc="A struggle or campaign (title and body required). Owners and editors.",
        replace_doc="Replace the struggle's texts, status, countries and topics; "
        "followers get an Update.",
    ),
    KindApi(
        Kind.EVENT,
        "events",
        EventIn,
        _event_input,
        publish_event,
        edit_event,
        create_doc="An event with a place or an online link; a title is required. "
        "Owners and editors.\n\n"
        "Where a language has no summary, the date and place are written out in it.",
        replace_doc="Replace the event's texts, times and place; followers are sent an Update.",
    ),
    KindApi(
        Kind.RESOURCE,
        "resources",
        ResourceIn,
        _resource_input,
        publish_resource,
        edit_resource,
        create_doc="A guide, leaflet, video, training... (a title is required). "
        "Owners and editors.",
        replace_doc="Replace the resource's texts, kind, languages, topics and links; "
        "followers get an Update.",
    ),
    KindApi(
        Kind.PRACTICE,
        "practices",
        PracticeIn,
        _practice_input,
        publish_practice,
        edit_practice,
        create_doc="A good practice, victory or defeat (title and body required). "
        "Owners and editors.",
        replace_doc="Replace the practice's texts, outcome and struggle link; "
        "followers get an Update.",
    ),
)
