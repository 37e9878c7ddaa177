"""View models: small, ready, localised values for templates, which hold no logic.

Everything a page shows is decided here, from rows already loaded: which language of a text
the reader gets, dates in the event's own zone and in UTC, country and language names in the
reader's language, links. Templates only loop and test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime

from migrantnet.content.details import ObjectDetails
from migrantnet.content.events import describe_when_where
from migrantnet.content.html import html_to_text
from migrantnet.content.languages import country_name
from migrantnet.models import (
    Actor,
    ContentObject,
    Declaration,
    Event,
    EventStatus,
    Kind,
    Media,
    Practice,
    Resource,
    Struggle,
)

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"})
EXCERPT_LENGTH = 240
DESCRIPTION_LENGTH = 200

# The order of kinds on an association's page, and how each is named.
KIND_ORDER: tuple[Kind, ...] = (
    Kind.DECLARATION,
    Kind.STRUGGLE,
    Kind.EVENT,
    Kind.RESOURCE,
    Kind.PRACTICE,
    Kind.NOTE,
)
KIND_LABELS: dict[str, tuple[str, str]] = {
    Kind.NOTE: ("Note", "Notes"),
    Kind.DECLARATION: ("Declaration", "Declarations"),
    Kind.STRUGGLE: ("Struggle", "Struggles"),
    Kind.EVENT: ("Event", "Events"),
    Kind.RESOURCE: ("Resource", "Resources"),
    Kind.PRACTICE: ("Practice", "Practices"),
}
OUTCOME_LABELS = {"good_practice": "Good practice", "victory": "Victory", "defeat": "Defeat"}


def text_direction(language: str | None) -> str:
    return "rtl" if language and language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def pick_language(values: dict[str, str], wanted: list[str], primary: str | None) -> str | None:
    """The reader's language when the text exists in it, else the author's primary one."""
    for language in wanted:
        for key in values:
            if key.lower() == language.lower():
                return key
        base = language.split("-")[0].lower()
        for key in values:
            if key.split("-")[0].lower() == base:
                return key
    if primary and primary in values:
        return primary
    return next(iter(values), None)


def accepted_languages(header: str | None) -> list[str]:
    """Accept-Language in order of preference (q values honoured, malformed parts skipped)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if quality <= 0:
            continue
        ranked.append((-quality, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def wanted_languages(header: str | None, forced: str | None) -> list[str]:
    """`?lang=xx` first (when the text exists in it, it wins), then Accept-Language."""
    wanted = accepted_languages(header)
    if forced and re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", forced):
        return [forced.lower(), *wanted]
    return wanted


# --- small helpers -----------------------------------------------------------------------


def _locale(language: str | None) -> Locale:
    try:
        return Locale.parse((language or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale("en")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def language_name(code: str, in_language: str | None = None) -> str:
    """A language's name in another language, or in itself (an autonym) by default."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(_locale(in_language or code))
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return _capitalised(name) if name else code


def _label(value: str) -> str:
    return _capitalised(value.replace("_", " "))


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _day(value: date, language: str | None) -> str:
    try:
        return format_date(value, "long", locale=_locale(language))
    except (ValueError, LookupError):
        return value.isoformat()


def _instant(value: datetime) -> Moment:
    """When something was published: its UTC day, in the page's own language (English)."""
    return Moment(_day(value.astimezone(UTC).date(), "en"), _iso(value))


def _excerpt(html: str, limit: int = EXCERPT_LENGTH) -> str:
    # Cut the HTML before extracting its text: a long declaration need not be parsed whole.
    text = " ".join(html_to_text(html[: limit * 20]).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


_HEADING = re.compile(r"<(/?)h([1-6])>")


def demote_headings(html: str) -> str:
    """Headings of a text sit below the page's one `<h1>` (the title): h1 becomes h2, etc."""
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 6)}>", html)


def _host_and_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}".rstrip("/") or url


# --- shared pieces -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActorView:
    slug: str
    name: str
    handle: str
    summary_html: str
    url: str


def actor_view(actor: Actor, domain: str) -> ActorView:
    return ActorView(
        slug=actor.slug or "",
        name=actor.name or actor.username or "",
        handle=f"@{actor.username}@{domain}",
        summary_html=actor.summary or "",
        url=f"/@{actor.slug}",
    )


@dataclass(frozen=True, slots=True)
class ActorLink:
    name: str
    url: str
    handle: str


def actor_link(actor: Actor) -> ActorLink:
    url = f"/@{actor.slug}" if actor.local and actor.slug else actor.url or actor.ap_id
    handle = f"@{actor.username}@{actor.domain}" if actor.username else actor.domain
    return ActorLink(name=actor.name or actor.username or actor.domain, url=url, handle=handle)


@dataclass(frozen=True, slots=True)
class LinkView:
    url: str
    text: str


@dataclass(frozen=True, slots=True)
class Badge:
    label: str
    tone: str  # a status or outcome value, for the CSS class


@dataclass(frozen=True, slots=True)
class Moment:
    text: str
    iso: str


@dataclass(frozen=True, slots=True)
class LanguageLink:
    code: str
    name: str
    href: str
    direction: str


# --- list items (association page, home page, timelines) ---------------------------------


@dataclass(frozen=True, slots=True)
class ItemView:
    url: str
    kind: str
    kind_label: str
    microformat: str
    title: str | None
    title_language: str
    title_direction: str
    excerpt: str
    language: str
    direction: str
    published: str
    published_iso: str
    badge: Badge | None = None
    starts: Moment | None = None
    author: ActorLink | None = None


KindRow = Event | Struggle | Declaration | Resource | Practice


def _item_badge(row: KindRow | None) -> Badge | None:
    if isinstance(row, Struggle):
        return Badge(_label(row.status), row.status)
    if isinstance(row, Event) and row.status != EventStatus.CONFIRMED:
        return Badge(_label(row.status), row.status)
    if isinstance(row, Practice):
        return _outcome_badge(row.outcome)
    return None


def _outcome_badge(outcome: str) -> Badge:
    return Badge(OUTCOME_LABELS.get(outcome, _label(outcome)), outcome)


def item_view(
    obj: ContentObject,
    wanted: list[str],
    row: KindRow | None = None,
    author: Actor | None = None,
) -> ItemView:
    language = pick_language(obj.content_map, wanted, obj.primary_language) or ""
    title_language = pick_language(obj.name_map, wanted, obj.primary_language) or ""
    summary_language = pick_language(obj.summary_map, wanted, obj.primary_language)
    title = obj.name_map.get(title_language) if title_language else None
    if summary_language and not isinstance(row, Event):
        excerpt, language = _excerpt(obj.summary_map[summary_language]), summary_language
    else:
        excerpt = _excerpt(obj.content_map.get(language, "")) if language else ""
    starts = None
    if isinstance(row, Event):
        starts = _local_moment(row.starts_at, _zone(row.timezone), title_language or language)
    return ItemView(
        url=obj.url or obj.ap_id,
        kind=obj.kind,
        kind_label=KIND_LABELS.get(obj.kind, ("Post", "Posts"))[0],
        microformat="h-event" if obj.kind == Kind.EVENT else "h-entry",
        title=title,
        title_language=title_language,
        title_direction=text_direction(title_language),
        excerpt=excerpt,
        language=language,
        direction=text_direction(language),
        published=_instant(obj.published_at).text,
        published_iso=_iso(obj.published_at),
        badge=_item_badge(row),
        starts=starts,
        author=actor_link(author) if author is not None else None,
    )


@dataclass(frozen=True, slots=True)
class SectionView:
    kind: str
    heading: str
    anchor: str
    count: int
    items: tuple[ItemView, ...]
    all_url: str
    older_url: str | None


def section_view(
    kind: str, slug: str, count: int, items: list[ItemView], older_id: int | None
) -> SectionView:
    base = f"/@{slug}?kind={kind}"
    return SectionView(
        kind=kind,
        heading=KIND_LABELS.get(kind, ("Post", "Posts"))[1],
        anchor=f"kind-{kind}",
        count=count,
        items=tuple(items),
        all_url=base,
        older_url=f"{base}&before={older_id}" if older_id is not None else None,
    )


# --- the object page ---------------------------------------------------------------------


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


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _offset(value: datetime) -> str:
    raw = value.strftime("%z") or "+0000"
    return f"UTC{raw[:3]}:{raw[3:]}"


def _zone_label(name: str, local: datetime) -> str:
    abbreviation = local.strftime("%Z")
    if abbreviation and abbreviation[0].isalpha() and abbreviation != name:
        return f"{name} ({abbreviation}, {_offset(local)})"
    return f"{name} ({_offset(local)})"


def _format(value: datetime, pattern: str, zone: ZoneInfo, language: str | None) -> str:
    try:
        return format_datetime(value, pattern, tzinfo=zone, locale=_locale(language))
    except (ValueError, LookupError):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _local_moment(value: datetime, zone: ZoneInfo, language: str | None) -> Moment:
    local = value.astimezone(zone)
    return Moment(
        text=_format(value, "EEEE d MMMM y, HH:mm", zone, language),
        iso=local.isoformat(timespec="minutes"),
    )


def _span(
    starts: datetime, ends: datetime, zone: ZoneInfo, language: str | None
) -> tuple[Moment, Moment]:
    start = _local_moment(starts, zone, language)
    same_day = starts.astimezone(zone).date() == ends.astimezone(zone).date()
    end_text = (
        _format(ends, "HH:mm", zone, language)
        if same_day
        else _format(ends, "EEEE d MMMM y, HH:mm", zone, language)
    )
    return start, Moment(text=end_text, iso=ends.astimezone(zone).isoformat(timespec="minutes"))


def _utc_moment(moment: Moment) -> Moment:
    return Moment(text=moment.text, iso=moment.iso.replace("+00:00", "Z"))


def _event_view(event: Event, language: str, organizers: list[Actor]) -> EventView:
    zone = _zone(event.timezone)
    local_start, local_end = _span(event.starts_at, event.ends_at, zone, language)
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
        status=Badge(_label(event.status), event.status),
        cancelled=event.status == EventStatus.CANCELLED,
        zone=_zone_label(event.timezone, event.starts_at.astimezone(zone)),
        local_start=local_start,
        local_end=local_end,
        utc_start=_utc_moment(utc_start),
        utc_end=_utc_moment(utc_end),
        place=place,
        online_url=event.online_url,
        organizers=tuple(
            actor_link(known[ap_id])
            if ap_id in known
            else ActorLink(_host_and_path(ap_id), ap_id, "")
            for ap_id in event.organizers
        ),
    )


def _struggle_view(
    struggle: Struggle, language: str, wanted: list[str], related: Related
) -> StruggleView:
    return StruggleView(
        status=Badge(_label(struggle.status), struggle.status),
        countries=tuple(country_name(code, language) for code in struggle.countries),
        topics=tuple(struggle.topics),
        started_on=(
            Moment(_day(struggle.started_on, language), struggle.started_on.isoformat())
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
        adopted_on=Moment(_day(adopted, language), adopted.isoformat()) if adopted else None,
        adopted_at=declaration.adopted_at_place,
        signatories=tuple(actor_link(actor) for actor in signatories),
    )


def media_url(media: Media) -> str:
    """Where an uploaded file is served (the media routes of `web/media.py`)."""
    return f"/media/{media.storage_key}"


def _size(size: int | None) -> str | None:
    if size is None:
        return None
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _files(details: ObjectDetails) -> tuple[FileView, ...]:
    files: dict[str, FileView] = {}
    for media in details.media:
        url = media_url(media)
        name = media.alt_text or media.storage_key.rsplit("/", 1)[-1]
        info = ", ".join(part for part in (media.media_type, _size(media.size)) if part)
        files[url] = FileView(url, name, info or None)
    for attachment in details.obj.attachments:
        url = attachment.get("url")
        if isinstance(url, str) and url not in files:
            name = attachment.get("name") or _host_and_path(url).rsplit("/", 1)[-1]
            files[url] = FileView(url, str(name), attachment.get("mediaType") or None)
    return tuple(files.values())


def _resource_view(details: ObjectDetails, resource: Resource, language: str) -> ResourceView:
    return ResourceView(
        kind=_label(resource.resource_kind),
        languages=tuple(language_name(code, language) for code in resource.languages),
        audience=resource.audience,
        topics=tuple(resource.topics),
        links=tuple(
            LinkView(link["url"], link.get("name") or _host_and_path(link["url"]))
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
        return LinkView(struggle.url or struggle.ap_id, title or _host_and_path(struggle.ap_id))
    if obj.struggle_ap_id:
        return LinkView(obj.struggle_ap_id, _host_and_path(obj.struggle_ap_id))
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
    description = _excerpt(summary or obj.content_map.get(language or "", ""), DESCRIPTION_LENGTH)

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
        published=_instant(obj.published_at),
        updated=_instant(obj.updated_at) if obj.updated_at else None,
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
            PracticeView(_outcome_badge(details.practice.outcome))
            if details.practice is not None
            else None
        ),
    )
