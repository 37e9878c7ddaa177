"""The shapes of the JSON API: what authors send, and what it answers (OpenAPI schemas)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from migrantnet.content.resources import ResourceKind
from migrantnet.content.texts import TextsInput
from migrantnet.models import EventStatus, Outcome, StruggleStatus, Visibility

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
GroupLink = Annotated[
    str | None,
    Field(
        max_length=2048,
        description="The id (URL) of a group the association is a member of: the object is "
        "posted to it (its `audience`), and the group shares it with all its members.",
    ),
]
ReplyLink = Annotated[
    str | None,
    Field(
        max_length=2048,
        description="The id or address (URL) of the post this answers: ours, or another "
        "server's, fetched first. The reply is addressed to that post's author and shown in "
        "its thread. Fixed once published: on replace, leave it out or repeat it.",
    ),
]
MediaIds = Annotated[
    list[str],
    Field(
        max_length=20,
        description="Public ids of files uploaded with POST .../media, attached in this order.",
    ),
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
    media_ids: MediaIds = Field(default_factory=list)
    visibility: VisibilityField = None
    struggle_id: StruggleLink = None
    group: GroupLink = None
    in_reply_to: ReplyLink = None


class DeclarationIn(Strict):
    """A declaration or recommendation, adopted on a date at a place."""

    texts: TextsIn
    adopted_on: date | None = None
    adopted_at_place: str | None = Field(None, max_length=500)
    media_ids: MediaIds = Field(default_factory=list)
    visibility: VisibilityField = None


class StruggleIn(Strict):
    """A struggle or campaign."""

    texts: TextsIn
    status: StruggleStatus = StruggleStatus.ONGOING
    countries: list[str] = Field(default_factory=list, description="ISO 3166 codes: TN, FR...")
    topics: list[str] = Field(default_factory=list, description="Short labels: asylum, housing...")
    started_on: date | None = None
    noindex: bool = Field(
        False,
        description="A sensitive item: its page asks search engines not to index it, the node's "
        "search and feeds leave it out, and other servers are told not to index it.",
    )
    media_ids: MediaIds = Field(default_factory=list)
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


class MovedOccurrenceIn(Strict):
    occurrence: datetime = Field(description="The start the rule gives the occurrence.")
    starts: datetime = Field(description="Its new start.")
    ends: datetime = Field(description="Its new end.")


class EventIn(Strict):
    """An event, action or assembly: when, in which time zone, and where or online."""

    texts: TextsIn
    starts: datetime = Field(
        description="ISO 8601. Without an offset it is the wall-clock time in `timezone`."
    )
    ends: datetime = Field(description="ISO 8601, after `starts`; same rule for the offset.")
    timezone: str = Field(description="IANA time zone of the event, e.g. Africa/Tunis.")
    place: PlaceIn | None = None
    hide_address: bool = Field(
        False,
        description="Give the exact place (name, street, postal code, coordinates) only to the "
        "association's members and, for a followers-only event, its followers; the public page, "
        "the public ActivityPub object and the agenda give the town (`place.locality`, needed).",
    )
    online_url: str | None = Field(None, max_length=2048, description="An http(s) link.")
    status: EventStatus = EventStatus.CONFIRMED
    organizers: list[str] = Field(
        default_factory=list, description="Ids (URLs) of co-organisers; the association is one."
    )
    recurrence: str | None = Field(
        None,
        max_length=600,
        description="An RFC 5545 RRULE for a series, e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=10 "
        "(DAILY to YEARLY, in the event's own wall-clock time). Without UNTIL or COUNT the "
        "series ends two years after its first start.",
    )
    cancelled_occurrences: list[datetime] = Field(
        default_factory=list,
        max_length=200,
        description="Starts of occurrences of the series that are cancelled (EXDATE).",
    )
    moved_occurrences: list[MovedOccurrenceIn] = Field(
        default_factory=list, max_length=200, description="Occurrences given another time."
    )
    noindex: bool = Field(
        False,
        description="A sensitive item: its page asks search engines not to index it, the node's "
        "search and feeds leave it out, and other servers are told not to index it.",
    )
    struggle_id: StruggleLink = None
    media_ids: MediaIds = Field(default_factory=list)
    visibility: VisibilityField = None
    group: GroupLink = None


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
    media_ids: MediaIds = Field(default_factory=list)
    visibility: VisibilityField = None


class PracticeIn(Strict):
    """A good practice, victory or defeat, shared so others can learn."""

    texts: TextsIn
    outcome: Outcome = Outcome.GOOD_PRACTICE
    struggle_id: StruggleLink = None
    media_ids: MediaIds = Field(default_factory=list)
    visibility: VisibilityField = None


# -- what the API answers ---------------------------------------------------------------------


class ErrorOut(BaseModel):
    error: str = Field(description="What went wrong; for bad input `field: message`.")


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


class MovedOccurrenceOut(BaseModel):
    occurrence: datetime
    starts: datetime
    ends: datetime


class EventOut(BaseModel):
    starts: datetime = Field(description="With the offset of the event's time zone.")
    ends: datetime
    timezone: str
    status: EventStatus
    place: PlaceOut | None
    online_url: str | None
    organizers: list[str]
    recurrence: str | None = Field(description="The series' RRULE, always with an end.")
    cancelled_occurrences: list[datetime]
    moved_occurrences: list[MovedOccurrenceOut]
    sequence: int = Field(description="iCalendar's SEQUENCE: one more on every edit.")
    hide_address: bool = Field(description="The exact place is for members and followers.")
    noindex: bool = Field(description="Kept out of search engines, search and feeds.")


class StruggleOut(BaseModel):
    status: StruggleStatus
    countries: list[str]
    topics: list[str]
    started_on: date | None
    noindex: bool = Field(description="Kept out of search engines, search and feeds.")


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
    removed_metadata: list[str] = Field(
        description="Metadata found in the upload and removed (field names, not values): "
        "for a PDF its document information (Author, Creator...) and XMP; for an image EXIF "
        "with any GPS position, XMP, colour profile, comments."
    )


class ObjectOut(BaseModel):
    """One of an association's objects; exactly the block of its `kind` is filled in."""

    id: str = Field(description="The ActivityPub id, also the address of its page.")
    public_id: str = Field(description="The last part of `id`, used in API paths.")
    kind: str = Field(
        description="note, declaration, struggle, event, resource or practice: "
        "the kinds of `web/api/kinds.py`, which names its block below."
    )
    url: str
    association: str = Field(description="Slug of the publishing association.")
    visibility: Visibility
    published: datetime
    updated: datetime | None
    primary_language: str | None
    languages: list[str] = Field(description="The primary language first.")
    texts: dict[str, TextOut] = Field(description="Language code -> the texts in it.")
    struggle_id: str | None = Field(description="The struggle it belongs to, if any.")
    in_reply_to: str | None = Field(None, description="The id of the post it answers, if any.")
    event: EventOut | None = None
    struggle: StruggleOut | None = None
    declaration: DeclarationOut | None = None
    resource: ResourceOut | None = None
    practice: PracticeOut | None = None
    media: list[MediaOut] = Field(default_factory=list)


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


class FollowIn(BaseModel):
    account: str = Field(
        min_length=1,
        max_length=2048,
        description="A handle (`@name@host`) or an actor's URL.",
    )


class FollowItem(BaseModel):
    actor: str
    handle: str
    state: str


class AgendaOrigin(BaseModel):
    actor: str = Field(description="Id of the actor that published the event.")
    name: str | None
    handle: str | None = Field(description="user@host, when the actor has one.")
    server: str = Field(description="Host the event comes from.")
    local: bool = Field(description="Published on this node.")
    via_group: str | None = Field(None, description="Id of the group that shared it, if any.")


class AgendaEvent(BaseModel):
    id: str = Field(description="The event's ActivityPub id (each event appears once).")
    url: str
    name: dict[str, Any] = Field(description="Title per language.")
    primary_language: str | None
    tags: list[str] = Field(description="Hashtags, without #.")
    starts: datetime = Field(description="With the offset of the event's own zone.")
    ends: datetime
    timezone: str = Field(description="The event's IANA zone.")
    status: str = Field(description="confirmed, tentative or cancelled.")
    occurrence: datetime | None = Field(
        None, description="For one occurrence of a series: the start its rule gives it."
    )
    place: PlaceOut | None
    online_url: str | None
    organizers: list[str]
    origin: AgendaOrigin


class AgendaOut(BaseModel):
    under_way: list[AgendaEvent] = Field(
        description="Started before the range's start and not yet ended (first page only)."
    )
    events: list[AgendaEvent] = Field(description="Starting in the range, in start order.")
    next: str | None = Field(description="`after` for the next page; null on the last one.")
    notice: str | None = Field(description="Set when the date range was shortened.")
