"""The object page: one declaration, struggle, event, resource, practice or note in full."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from migrantnet.content.details import ObjectDetails
from migrantnet.content.events import describe_when_where
from migrantnet.content.formatting import datetime_text, day_text, size_label, zone, zone_label
from migrantnet.content.languages import country_name
from migrantnet.models import (
    Actor,
    ContentObject,
    Declaration,
    Event,
    EventStatus,
    Kind,
    Media,
    Resource,
    Struggle,
)
from migrantnet.web.i18n import language_name, pick_language, text_direction
from migrantnet.web.views.items import ItemView, item_view
from migrantnet.web.views.parts import (
    DESCRIPTION_LENGTH,
    KIND_LABELS,
    ActorLink,
    Badge,
    KindRow,
    LanguageLink,
    LinkView,
    Moment,
    actor_link,
    demote_headings,
    host_and_path,
    instant,
    label,
    local_moment,
    outcome_badge,
    text_excerpt,
)


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


@dataclass(frozen=True, slots=True)
class FileView:
    url: str
    name: str
    info: str | None  # "application/pdf, 120 KB"


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


@dataclass(frozen=True, slots=True)
class ObjectPageView:
    url: str
    kind: str
    kind_label: str
    microformat: str
    heading: str
    titled: bool  # False when the heading stands in for a missing title (notes)
    heading_language: str
    heading_direction: str
    summary: str | None
    summary_language: str
    summary_direction: str
    content_html: str
    language: str
    direction: str
    locale_language: str  # the language dates and names are given in
    locale_direction: str
    published: Moment
    updated: Moment | None
    description: str
    og_locale: str
    author: ActorLink
    current_language: str | None
    other_languages: tuple[LanguageLink, ...]
    part_of: LinkView | None
    declaration: DeclarationView | None = None
    struggle: StruggleView | None = None
    event: EventView | None = None
    resource: ResourceView | None = None
    practice: PracticeView | None = None


@dataclass(slots=True)
class Related:
    """What an object page shows besides the object's own rows, loaded by the route."""

    organizers: list[Actor] = field(default_factory=list)
    struggle: ContentObject | None = None
    timeline: list[ContentObject] = field(default_factory=list)
    timeline_rows: dict[int, KindRow] = field(default_factory=dict)


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


def _event_view(event: Event, language: str, organizers: list[Actor]) -> EventView:
    where = zone(event.timezone)
    local_start, local_end = _span(event.starts_at, event.ends_at, where, language)
    utc_start, utc_end = _span(event.starts_at, event.ends_at, ZoneInfo("UTC"), language)
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
        online_url=event.online_url,
        organizers=tuple(
            actor_link(known[ap_id])
            if ap_id in known
            else ActorLink(host_and_path(ap_id), ap_id, "")
            for ap_id in event.organizers
        ),
    )


def _struggle_view(
    struggle: Struggle, language: str, wanted: list[str], related: Related
) -> StruggleView:
    return StruggleView(
        status=Badge(label(struggle.status), struggle.status),
        countries=tuple(country_name(code, language) for code in struggle.countries),
        topics=tuple(struggle.topics),
        started_on=(
            Moment(day_text(struggle.started_on, language), struggle.started_on.isoformat())
            if struggle.started_on
            else None
        ),
        timeline=tuple(
            item_view(obj, wanted, related.timeline_rows.get(obj.id)) for obj in related.timeline
        ),
    )


def _declaration_view(
    declaration: Declaration, language: str, signatories: list[Actor]
) -> DeclarationView:
    adopted = declaration.adopted_on
    return DeclarationView(
        adopted_on=Moment(day_text(adopted, language), adopted.isoformat()) if adopted else None,
        adopted_at=declaration.adopted_at_place,
        signatories=tuple(actor_link(actor) for actor in signatories),
    )


def media_url(media: Media) -> str:
    """Where an uploaded file is served (the media routes of `web/media.py`)."""
    return f"/media/{media.storage_key}"


def _files(details: ObjectDetails) -> tuple[FileView, ...]:
    files: dict[str, FileView] = {}
    for media in details.media:
        url = media_url(media)
        name = media.alt_text or media.storage_key.rsplit("/", 1)[-1]
        info = ", ".join(part for part in (media.media_type, size_label(media.size)) if part)
        files[url] = FileView(url, name, info or None)
    for attachment in details.obj.attachments:
        url = attachment.get("url")
        if isinstance(url, str) and url not in files:
            name = attachment.get("name") or host_and_path(url).rsplit("/", 1)[-1]
            files[url] = FileView(url, str(name), attachment.get("mediaType") or None)
    return tuple(files.values())


def _resource_view(details: ObjectDetails, resource: Resource, language: str) -> ResourceView:
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


def _part_of(obj: ContentObject, wanted: list[str], related: Related) -> LinkView | None:
    """The struggle an object belongs to, by its title when we know it."""
    if related.struggle is not None:
        struggle = related.struggle
        title_language = pick_language(struggle.name_map, wanted, struggle.primary_language)
        title = struggle.name_map.get(title_language) if title_language else None
        return LinkView(struggle.url or struggle.ap_id, title or host_and_path(struggle.ap_id))
    if obj.struggle_ap_id:
        return LinkView(obj.struggle_ap_id, host_and_path(obj.struggle_ap_id))
    return None


def _text_languages(obj: ContentObject) -> list[str]:
    seen: list[str] = []
    for mapping in (obj.content_map, obj.name_map, obj.summary_map):
        seen += [language for language in mapping if language not in seen]
    return seen


def object_page_view(details: ObjectDetails, wanted: list[str], related: Related) -> ObjectPageView:
    obj = details.obj
    language = pick_language(obj.content_map, wanted, obj.primary_language)
    title_language = pick_language(obj.name_map, wanted, obj.primary_language)
    summary_language = pick_language(obj.summary_map, wanted, obj.primary_language)
    # The reader's language for dates and names: the text's, else the title's.
    reader = language or title_language or obj.primary_language or "en"
    kind_label = KIND_LABELS.get(obj.kind, ("Post", "Posts"))[0]
    author = actor_link(details.actor)
    title = obj.name_map.get(title_language) if title_language else None
    summary = obj.summary_map.get(summary_language) if summary_language else None
    description = text_excerpt(
        summary or obj.content_map.get(language or "", ""), DESCRIPTION_LENGTH
    )

    shown_summary = summary
    if (
        details.event is not None
        and summary_language
        and summary == describe_when_where(details.event, summary_language)
    ):
        shown_summary = None  # the generated when and where: shown in full below

    url = obj.url or obj.ap_id
    shown = language or title_language  # a title-only event or resource has no body
    others = tuple(
        LanguageLink(code, language_name(code), f"{url}?lang={code}", text_direction(code))
        for code in _text_languages(obj)
        if code != shown
    )
    return ObjectPageView(
        url=url,
        kind=obj.kind,
        kind_label=kind_label,
        microformat="h-event" if obj.kind == Kind.EVENT else "h-entry",
        heading=title or f"{kind_label} by {author.name}",
        titled=title is not None,
        heading_language=title_language or "en",
        heading_direction=text_direction(title_language),
        summary=shown_summary,
        summary_language=summary_language or "",
        summary_direction=text_direction(summary_language),
        content_html=demote_headings(obj.content_map.get(language, "")) if language else "",
        language=language or "",
        direction=text_direction(language),
        locale_language=reader,
        locale_direction=text_direction(reader),
        published=instant(obj.published_at),
        updated=instant(obj.updated_at) if obj.updated_at else None,
        description=description,
        og_locale=(shown or "").replace("-", "_"),
        author=author,
        current_language=language_name(shown) if shown else None,
        other_languages=others,
        part_of=_part_of(obj, wanted, related),
        declaration=(
            _declaration_view(details.declaration, reader, details.signatories)
            if details.declaration is not None
            else None
        ),
        struggle=(
            _struggle_view(details.struggle, reader, wanted, related)
            if details.struggle is not None
            else None
        ),
        event=(
            _event_view(details.event, reader, related.organizers)
            if details.event is not None
            else None
        ),
        resource=(
            _resource_view(details, details.resource, reader)
            if details.resource is not None
            else None
        ),
        practice=(
            PracticeView(outcome_badge(details.practice.outcome))
            if details.practice is not None
            else None
        ),
    )
