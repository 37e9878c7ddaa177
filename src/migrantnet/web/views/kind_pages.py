"""Each kind's block of the object page: an event's times and place, a struggle's status...

Every builder takes the page's `PageContext` and the kind's row, and is registered in
`web/views/kinds.py`; the block is shown by the kind's template (`templates/kinds/`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from migrantnet.content.details import ObjectDetails
from migrantnet.content.events import town_only
from migrantnet.content.formatting import datetime_text, day_text, size_label, zone, zone_label
from migrantnet.content.languages import country_name
from migrantnet.content.recurrence import occurrences, parse_instants, parse_moved
from migrantnet.models import (
    Declaration,
    Event,
    EventStatus,
    Media,
    Practice,
    Resource,
    Struggle,
)
from migrantnet.uris import Uris
from migrantnet.web.hrefs import safe_href
from migrantnet.web.i18n import language_name
from migrantnet.web.views.parts import (
    ActorLink,
    Badge,
    ItemView,
    LinkView,
    Moment,
    Related,
    actor_link,
    host_and_path,
    label,
    local_moment,
    outcome_badge,
)


@dataclass(frozen=True, slots=True)
class PageContext:
    """What a kind's block may use besides its row."""

    details: ObjectDetails
    reader: str  # the language dates and names are given in
    related: Related
    items: tuple[ItemView, ...]  # the related objects as list items (a struggle's timeline)


@dataclass(frozen=True, slots=True)
class DeclarationView:
    adopted_on: Moment | None
    adopted_at: str | None
    signatories: tuple[ActorLink, ...]


@dataclass(frozen=True, slots=True)
class StruggleView:
    status: Badge
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    started_on: Moment | None
    timeline: tuple[ItemView, ...]


@dataclass(frozen=True, slots=True)
class PlaceView:
    name: str | None
    street: str | None
    postal_code: str | None
    locality: str | None
    region: str | None
    country: str | None


@dataclass(frozen=True, slots=True)
class EventView:
    status: Badge
    cancelled: bool
    zone: str  # "Europe/Paris (CEST, UTC+02:00)"
    local_start: Moment
    local_end: Moment
    utc_start: Moment
    utc_end: Moment
    place: PlaceView | None
    online_url: str | None
    organizers: tuple[ActorLink, ...]
    recurrence: str | None = None  # the series' RRULE, as iCalendar writes it
    dates: tuple[OccurrenceView, ...] = ()  # its next occurrences
    # The address is hidden from the public: "public" (this reader sees the town) or
    # "members" (this reader, a member, sees the exact place others do not); None otherwise.
    address_hidden: str | None = None


@dataclass(frozen=True, slots=True)
class OccurrenceView:
    start: Moment
    cancelled: bool
    moved: bool


NEXT_DATES = 12


def _next_dates(event: Event, where: ZoneInfo, language: str) -> tuple[OccurrenceView, ...]:
    found = occurrences(
        event.rrule or "",
        event.starts_at,
        event.ends_at,
        where,
        parse_instants(event.exdates),
        parse_moved(event.moved),
        window_start=datetime.now(UTC),
        limit=NEXT_DATES,
    )
    return tuple(
        OccurrenceView(local_moment(o.starts_at, where, language), o.cancelled, o.moved)
        for o in found
    )


@dataclass(frozen=True, slots=True)
class FileView:
    url: str
    name: str
    info: str | None  # "application/pdf, 120 KB"

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", safe_href(self.url))


@dataclass(frozen=True, slots=True)
class ResourceView:
    kind: str
    languages: tuple[str, ...]
    audience: str | None
    topics: tuple[str, ...]
    links: tuple[LinkView, ...]
    files: tuple[FileView, ...]


@dataclass(frozen=True, slots=True)
class PracticeView:
    outcome: Badge


def _span(
    starts: datetime, ends: datetime, where: ZoneInfo, language: str | None
) -> tuple[Moment, Moment]:
    start = local_moment(starts, where, language)
    same_day = starts.astimezone(where).date() == ends.astimezone(where).date()
    end_text = (
        datetime_text(ends, "HH:mm", where, language)
        if same_day
        else datetime_text(ends, "EEEE d MMMM y, HH:mm", where, language)
    )
    return start, Moment(text=end_text, iso=ends.astimezone(where).isoformat(timespec="minutes"))


def _utc_moment(moment: Moment) -> Moment:
    return Moment(text=moment.text, iso=moment.iso.replace("+00:00", "Z"))


def event_view(context: PageContext, event: Event) -> EventView:
    language, organizers = context.reader, context.related.organizers
    where = zone(event.timezone)
    local_start, local_end = _span(event.starts_at, event.ends_at, where, language)
    utc_start, utc_end = _span(event.starts_at, event.ends_at, ZoneInfo("UTC"), language)
    hidden = None
    if event.hide_address:
        hidden = "members" if context.related.exact_address else "public"
        if hidden == "public":
            event = town_only(event)
    place = None
    if any((event.place_name, event.street, event.locality, event.region, event.country)):
        place = PlaceView(
            name=event.place_name,
            street=event.street,
            postal_code=event.postal_code,
            locality=event.locality,
            region=event.region,
            country=country_name(event.country, language) if event.country else None,
        )
    known = {actor.ap_id: actor for actor in organizers}
    return EventView(
        status=Badge(label(event.status), event.status),
        cancelled=event.status == EventStatus.CANCELLED,
        zone=zone_label(event.timezone, event.starts_at.astimezone(where)),
        local_start=local_start,
        local_end=local_end,
        utc_start=_utc_moment(utc_start),
        utc_end=_utc_moment(utc_end),
        place=place,
        online_url=safe_href(event.online_url) or None,
        organizers=tuple(
            actor_link(known[ap_id])
            if ap_id in known
            else ActorLink(host_and_path(ap_id), ap_id, "")
            for ap_id in event.organizers
        ),
        recurrence=event.rrule,
        dates=_next_dates(event, where, language) if event.rrule else (),
        address_hidden=hidden,
    )


def struggle_view(context: PageContext, struggle: Struggle) -> StruggleView:
    language = context.reader
    return StruggleView(
        status=Badge(label(struggle.status), struggle.status),
        countries=tuple(country_name(code, language) for code in struggle.countries),
        topics=tuple(struggle.topics),
        started_on=(
            Moment(day_text(struggle.started_on, language), struggle.started_on.isoformat())
            if struggle.started_on
            else None
        ),
        timeline=context.items,
    )


def declaration_view(context: PageContext, declaration: Declaration) -> DeclarationView:
    language, signatories = context.reader, context.details.signatories
    adopted = declaration.adopted_on
    return DeclarationView(
        adopted_on=Moment(day_text(adopted, language), adopted.isoformat()) if adopted else None,
        adopted_at=declaration.adopted_at_place,
        signatories=tuple(actor_link(actor) for actor in signatories),
    )


def media_url(media: Media) -> str:
    """Where an uploaded file is served (the media routes of `web/media.py`)."""
    return Uris.media_path(media.storage_key)


def _files(details: ObjectDetails) -> tuple[FileView, ...]:
    files: dict[str, FileView] = {}
    for media in details.media:
        url = media_url(media)
        name = media.alt_text or media.storage_key.rsplit("/", 1)[-1]
        info = ", ".join(part for part in (media.media_type, size_label(media.size)) if part)
        files[url] = FileView(url, name, info or None)
    for attachment in details.obj.attachments:
        link = attachment.get("url")
        if isinstance(link, str) and link not in files:
            label = str(attachment.get("name") or host_and_path(link).rsplit("/", 1)[-1])
            files[link] = FileView(link, label, attachment.get("mediaType") or None)
    return tuple(files.values())


def resource_view(context: PageContext, resource: Resource) -> ResourceView:
    details, language = context.details, context.reader
    return ResourceView(
        kind=label(resource.resource_kind),
        languages=tuple(language_name(code, language) for code in resource.languages),
        audience=resource.audience,
        topics=tuple(resource.topics),
        links=tuple(
            LinkView(link["url"], link.get("name") or host_and_path(link["url"]))
            for link in resource.links
        ),
        files=_files(details),
    )


def practice_view(context: PageContext, practice: Practice) -> PracticeView:
    return PracticeView(outcome_badge(practice.outcome))
