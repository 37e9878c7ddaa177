"""The API's table of kinds: one `KindApi` per kind, keyed by `Kind`.

A row names the kind's path, its request body (the pydantic schema the API validates with,
and that web forms reuse), how a body becomes the content service's input, how the kind's
row is answered, and the descriptions of its create and replace endpoints. Publishing and
editing go through `content.objects.publish_kind` / `edit_kind` with the kind's `KindSpec`,
the same path for every kind, notes included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.declarations import DECLARATION, DeclarationInput
from migrantnet.content.details import ObjectDetails
from migrantnet.content.events import EVENT, EventInput, PlaceInput
from migrantnet.content.notes import NOTE, NoteInput, note_input
from migrantnet.content.objects import KindSpec, edit_kind, publish_kind
from migrantnet.content.practices import PRACTICE, PracticeInput
from migrantnet.content.publishing import ChangeNotifier
from migrantnet.content.recurrence import parse_instants, parse_moved
from migrantnet.content.resources import RESOURCE, LinkInput, ResourceInput
from migrantnet.content.struggles import STRUGGLE, StruggleInput
from migrantnet.federation.reply_lookup import find_reply_target
from migrantnet.federation.service import Federation
from migrantnet.models import (
    Actor,
    ContentObject,
    Declaration,
    Event,
    EventStatus,
    Kind,
    Outcome,
    Practice,
    Resource,
    Struggle,
    StruggleStatus,
)
from migrantnet.uris import Uris
from migrantnet.web.api.schemas import (
    DeclarationIn,
    DeclarationOut,
    EventIn,
    EventOut,
    LinkOut,
    MovedOccurrenceOut,
    NoteIn,
    PlaceOut,
    PracticeIn,
    PracticeOut,
    ResourceIn,
    ResourceOut,
    StruggleIn,
    StruggleOut,
)

Body = TypeVar("Body", bound=BaseModel)
Data = TypeVar("Data")


@dataclass(frozen=True)
class KindApi(Generic[Body, Data]):
    """Everything the web needs to author one kind: the API's endpoints and the web forms."""

    content: KindSpec[Any, Any]  # the content layer's spec: publish and edit go through it
    path: str  # under /associations/{slug}/
    body: type[Body]  # the request body: fields, types, limits, descriptions
    # The request body and the visibility to publish with -> the service's input.
    to_input: Callable[[Body, str], Data]
    create_doc: str
    replace_doc: str
    # The kind's block of `ObjectOut` (named after the kind), from its row.
    out: Callable[[ObjectDetails, Any], BaseModel] | None = None

    @property
    def kind(self) -> Kind:
        return self.content.kind

    async def publish(
        self,
        session: AsyncSession,
        uris: Uris,
        notifier: ChangeNotifier,
        actor: Actor,
        body: Body,
        visibility: str,
        *,
        followers_confirmed: bool = False,
    ) -> ContentObject:
        """`body` is a validated `self.body` (the schema's rules); the content rules run here."""
        data = self.to_input(body, visibility)
        return await publish_kind(
            self.content,
            session,
            uris,
            notifier,
            actor,
            data,
            followers_confirmed=followers_confirmed,
            group_ap_id=getattr(body, "group", None),
        )

    async def edit(
        self,
        session: AsyncSession,
        notifier: ChangeNotifier,
        actor: Actor,
        obj: ContentObject,
        body: Body,
    ) -> ContentObject:
        data = self.to_input(body, obj.visibility)
        return await edit_kind(self.content, session, notifier, actor, obj, data)


async def with_reply_target(session: AsyncSession, fed: Federation, body: Body) -> Body:
    """A body that answers a post (`in_reply_to`) with that post's id, once this node keeps
    it: another server's is fetched and stored first (`federation.reply_lookup`). The form
    and the API both call this before `publish`, so they refuse the same addresses."""
    address = getattr(body, "in_reply_to", None)
    if not address:
        return body
    target = await find_reply_target(session, fed, address)
    return body.model_copy(update={"in_reply_to": target.obj.ap_id})


# -- request bodies -> the content services' inputs ---------------------------------------------


def _note_input(body: NoteIn, visibility: str) -> NoteInput:
    return note_input(
        dict(body.text),
        primary_language=body.primary_language,
        visibility=visibility,
        struggle_ap_id=body.struggle_id,
        media_ids=list(body.media_ids),
        in_reply_to=body.in_reply_to,
    )


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
        noindex=body.noindex,
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
        recurrence=body.recurrence,
        cancelled_occurrences=list(body.cancelled_occurrences),
        moved_occurrences=[(m.occurrence, m.starts, m.ends) for m in body.moved_occurrences],
        noindex=body.noindex,
        hide_address=body.hide_address,
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


# -- the kinds' rows -> their blocks of the answer -----------------------------------------------


def _event_out(details: ObjectDetails, event: Event) -> EventOut:
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
    return EventOut(
        starts=event.starts_at.astimezone(zone),
        ends=event.ends_at.astimezone(zone),
        timezone=event.timezone,
        status=EventStatus(event.status),
        place=place if any(place.model_dump().values()) else None,
        online_url=event.online_url,
        organizers=list(event.organizers),
        recurrence=event.rrule,
        cancelled_occurrences=[value.astimezone(zone) for value in parse_instants(event.exdates)],
        moved_occurrences=[
            MovedOccurrenceOut(
                occurrence=m.of.astimezone(zone),
                starts=m.starts_at.astimezone(zone),
                ends=m.ends_at.astimezone(zone),
            )
            for m in parse_moved(event.moved)
        ],
        sequence=event.sequence or 0,
        hide_address=event.hide_address,
        noindex=details.obj.noindex,
    )


def _struggle_out(details: ObjectDetails, struggle: Struggle) -> StruggleOut:
    return StruggleOut(
        status=StruggleStatus(struggle.status),
        countries=list(struggle.countries),
        topics=list(struggle.topics),
        started_on=struggle.started_on,
        noindex=details.obj.noindex,
    )


def _declaration_out(details: ObjectDetails, declaration: Declaration) -> DeclarationOut:
    return DeclarationOut(
        adopted_on=declaration.adopted_on,
        adopted_at_place=declaration.adopted_at_place,
        signatories=[signer.ap_id for signer in details.signatories],
    )


def _resource_out(details: ObjectDetails, resource: Resource) -> ResourceOut:
    return ResourceOut(
        kind=resource.resource_kind,
        languages=list(resource.languages),
        topics=list(resource.topics),
        audience=resource.audience,
        links=[LinkOut(url=link["url"], name=link.get("name")) for link in resource.links],
    )


def _practice_out(details: ObjectDetails, practice: Practice) -> PracticeOut:
    return PracticeOut(outcome=Outcome(practice.outcome))


KIND_API: dict[str, KindApi[Any, Any]] = {}


def register_kind_api(api: KindApi[Any, Any]) -> None:
    """Add a kind to the API (its four endpoints, in registration order) and to the forms."""
    KIND_API[api.kind] = api


register_kind_api(
    KindApi(
        NOTE,
        "notes",
        NoteIn,
        _note_input,
        create_doc="A short update, sent to the association's followers. Owners and editors.",
        replace_doc="Replace the note's text (every language); followers are sent an Update.",
    )
)
register_kind_api(
    KindApi(
        DECLARATION,
        "declarations",
        DeclarationIn,
        _declaration_input,
        create_doc="A declaration or recommendation (title and body required). Owners and editors.",
        replace_doc="Replace the declaration's texts and fields; followers are sent an Update.",
        out=_declaration_out,
    )
)
register_kind_api(
    KindApi(
        STRUGGLE,
        "struggles",
        StruggleIn,
        _struggle_input,
        create_doc="A struggle or campaign (title and body required). Owners and editors.",
        replace_doc="Replace the struggle's texts, status, countries and topics; "
        "followers get an Update.",
        out=_struggle_out,
    )
)
register_kind_api(
    KindApi(
        EVENT,
        "events",
        EventIn,
        _event_input,
        create_doc="An event with a place or an online link; a title is required. "
        "Owners and editors.\n\n"
        "Where a language has no summary, the date and place are written out in it.",
        replace_doc="Replace the event's texts, times and place; followers are sent an Update.",
        out=_event_out,
    )
)
register_kind_api(
    KindApi(
        RESOURCE,
        "resources",
        ResourceIn,
        _resource_input,
        create_doc="A guide, leaflet, video, training... (a title is required). "
        "Owners and editors.",
        replace_doc="Replace the resource's texts, kind, languages, topics and links; "
        "followers get an Update.",
        out=_resource_out,
    )
)
register_kind_api(
    KindApi(
        PRACTICE,
        "practices",
        PracticeIn,
        _practice_input,
        create_doc="A good practice, victory or defeat (title and body required). "
        "Owners and editors.",
        replace_doc="Replace the practice's texts, outcome and struggle link; "
        "followers get an Update.",
        out=_practice_out,
    )
)
