"""Events, actions and assemblies: when (with their own time zone), where, and how to join.

Times are entered as wall-clock times in the event's IANA zone and stored as UTC instants
with the zone beside them, so the agenda can sort instants and still show the local time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime, format_time
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content import occurrences as _occurrences  # noqa: F401  (dates every flush)
from migrantnet.content import peer_values
from migrantnet.content.choices import check_choice
from migrantnet.content.errors import InvalidInput
from migrantnet.content.languages import check_countries, country_name
from migrantnet.content.links import is_http_url
from migrantnet.content.objects import KindSpec, edit_kind, publish_kind
from migrantnet.content.publishing import ChangeNotifier
from migrantnet.content.recurrence import Series, check_series
from migrantnet.content.texts import Texts, TextsInput
from migrantnet.models import Actor, ContentObject, Event, EventStatus, Kind, Visibility
from migrantnet.translations import N_
from migrantnet.uris import Uris


@dataclass(frozen=True, slots=True)
class PlaceInput:
    name: str | None = None
    street: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class EventInput:
    texts: TextsInput
    starts: datetime  # wall-clock time in `timezone` (naive), or an aware instant
    ends: datetime
    timezone: str
    place: PlaceInput | None = None
    online_url: str | None = None
    status: str = EventStatus.CONFIRMED
    organizers: list[str] = field(default_factory=list)
    struggle_ap_id: str | None = None
    visibility: str = Visibility.PUBLIC
    media_ids: list[str] = field(default_factory=list)  # uploads to attach
    # A series: an RFC 5545 RRULE ("FREQ=WEEKLY;COUNT=10"), the starts of occurrences it
    # cancels, and (start of an occurrence, its new start, its new end) of those it moves.
    recurrence: str | None = None
    cancelled_occurrences: list[datetime] = field(default_factory=list)
    moved_occurrences: list[tuple[datetime, datetime, datetime]] = field(default_factory=list)
    noindex: bool = False  # kept out of search engines, the node's search and feeds
    hide_address: bool = False  # the exact place for members (and followers), the town for all


ZONE_NAME_MAX = 64  # the longest IANA name is 32 characters


def check_timezone(name: str) -> ZoneInfo:
    """The zone named, or `InvalidInput`. A name over `ZONE_NAME_MAX` is refused before
    `ZoneInfo` reads it as a file path (`OSError: File name too long` was a 500 for `?tz=`)."""
    try:
        if len(name) > ZONE_NAME_MAX:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(
            "timezone",
            N_("%(name)s is not an IANA time zone such as Europe/Paris"),
            name=repr(name[:ZONE_NAME_MAX]),
        ) from None


def _instant(value: datetime, zone: ZoneInfo) -> datetime:
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _http_url(value: str | None, field_name: str) -> str | None:
    if not value:
        return None
    if not is_http_url(value.strip()):
        raise InvalidInput(field_name, N_("%(value)s is not an http(s) link"), value=repr(value))
    return value.strip()


MAX_ORGANIZERS = 50


def check_organizers(values: list[str]) -> list[str]:
    """Organizers are actor ids, shown as links: only http(s) URLs, each once, at most 50."""
    if len(values) > MAX_ORGANIZERS:
        raise InvalidInput("organizers", N_("at most %(limit)s organizers"), limit=MAX_ORGANIZERS)
    result: dict[str, None] = {}
    for value in values:
        url = _http_url(value, "organizers")
        if url is None:
            raise InvalidInput(
                "organizers", N_("%(value)s is not an http(s) link to an actor"), value=repr(value)
            )
        result.setdefault(url, None)
    return list(result)


def _check_place(place: PlaceInput | None) -> PlaceInput | None:
    if place is None or not any(vars_of(place).values()):
        return None
    if place.latitude is not None and not -90 <= place.latitude <= 90:
        raise InvalidInput("latitude", N_("must be between -90 and 90"))
    if place.longitude is not None and not -180 <= place.longitude <= 180:
        raise InvalidInput("longitude", N_("must be between -180 and 180"))
    if (place.latitude is None) != (place.longitude is None):
        raise InvalidInput("latitude", N_("give both latitude and longitude, or neither"))
    country = check_countries([place.country])[0] if place.country else None
    return dataclasses.replace(place, country=country)


def vars_of(place: PlaceInput) -> dict[str, object]:
    return {name: getattr(place, name) for name in PlaceInput.__slots__}


def check_status(value: str) -> EventStatus:
    return check_choice(EventStatus, value, "status")


@dataclass(frozen=True, slots=True)
class CheckedEvent:
    starts_at: datetime
    ends_at: datetime
    zone: ZoneInfo
    place: PlaceInput | None
    online_url: str | None
    status: EventStatus
    organizers: list[str]
    series: Series | None = None


def check_event(data: EventInput) -> CheckedEvent:
    """Every rule of an event, checked before anything is written."""
    zone = check_timezone(data.timezone)
    starts, ends = _instant(data.starts, zone), _instant(data.ends, zone)
    if ends <= starts:
        raise InvalidInput("ends", N_("the event must end after it starts"))
    place = _check_place(data.place)
    online = _http_url(data.online_url, "online_url")
    if place is None and online is None:
        raise InvalidInput("place", N_("an event needs a place or an online link"))
    status = check_status(data.status)
    if data.hide_address and place is not None and not place.locality:
        raise InvalidInput(
            "locality", N_("give the town: it is what everyone sees when the address is hidden")
        )
    series = None
    if data.recurrence and data.recurrence.strip():
        series = check_series(
            data.recurrence,
            starts.astimezone(UTC),
            ends.astimezone(UTC),
            zone,
            data.cancelled_occurrences,
            data.moved_occurrences,
        )
    elif data.cancelled_occurrences or data.moved_occurrences:
        raise InvalidInput("recurrence", N_("only a recurring event has dates to cancel or move"))
    return CheckedEvent(
        starts, ends, zone, place, online, status, check_organizers(data.organizers), series
    )


def apply_series(event: Event, series: Series | None) -> None:
    """The series' columns of an `events` row (all empty for a single event)."""
    event.rrule = series.rule if series else None
    event.exdates = [value.isoformat() for value in series.exdates] if series else []
    event.moved = (
        [
            {
                "of": m.of.isoformat(),
                "starts": m.starts_at.isoformat(),
                "ends": m.ends_at.isoformat(),
            }
            for m in series.moved
        ]
        if series
        else []
    )
    event.recurs_until = series.last_end if series else None


def next_sequence(event: Event) -> int:
    """0 for a new row (not yet written: no sequence), one more on every change after
    (iCalendar's SEQUENCE)."""
    return 0 if event.sequence is None else event.sequence + 1


def describe_when_where(event: Event, language: str) -> str:
    """The summary Mastodon shows for an event (it drops `content`): date, zone, place."""
    zone = ZoneInfo(event.timezone)
    locale = language.replace("-", "_")
    try:
        start = format_datetime(event.starts_at, "EEEE d MMMM y, HH:mm", tzinfo=zone, locale=locale)
        same_day = event.starts_at.astimezone(zone).date() == event.ends_at.astimezone(zone).date()
        end = (
            format_time(event.ends_at, "HH:mm", tzinfo=zone, locale=locale)
            if same_day
            else format_datetime(event.ends_at, "EEEE d MMMM y, HH:mm", tzinfo=zone, locale=locale)
        )
    except (ValueError, LookupError):
        start, end = event.starts_at.isoformat(), event.ends_at.isoformat()
    parts = [f"{start} – {end} ({event.timezone})"]
    where = ", ".join(
        p
        for p in (
            None if event.hide_address else event.place_name,
            event.locality,
            event.country and country_name(event.country, language),
        )
        if p
    )
    if where:
        parts.append(where)
    if event.online_url:
        parts.append(event.online_url)
    return " · ".join(parts)


EXACT_PLACE = ("place_name", "street", "postal_code", "latitude", "longitude")


def town_only(event: Event) -> Event:
    """What everyone may see of an event whose exact address is hidden: the town, region and
    country, without the place's name, street, postal code or coordinates. A detached copy
    (never added to a session); the event itself when its address is not hidden."""
    if not event.hide_address:
        return event
    copy = Event(**{column.key: getattr(event, column.key) for column in Event.__table__.columns})
    for name in EXACT_PLACE:
        setattr(copy, name, None)
    return copy


def describe_event_input(data: EventInput, language: str) -> tuple[str, str]:
    """What an event form would publish, in words (in its zone, and in UTC), before it is
    published; `InvalidInput` where the form is wrong (unknown zone, end before start)."""
    checked = check_event(data)
    event = Event()
    _apply(event, data)
    utc = Event(starts_at=checked.starts_at, ends_at=checked.ends_at, timezone="UTC")
    return describe_when_where(event, language), describe_when_where(utc, language)


def _apply(event: Event, data: EventInput) -> None:
    checked = check_event(data)
    place = checked.place or PlaceInput()
    event.starts_at = checked.starts_at
    event.ends_at = checked.ends_at
    event.timezone = data.timezone
    event.status = checked.status
    event.place_name = place.name
    event.street = place.street
    event.locality = place.locality
    event.region = place.region
    event.postal_code = place.postal_code
    event.country = place.country
    event.latitude = place.latitude
    event.longitude = place.longitude
    event.online_url = checked.online_url
    event.organizers = checked.organizers
    event.hide_address = data.hide_address
    apply_series(event, checked.series)
    event.sequence = next_sequence(event)


def _finish(obj: ContentObject, event: Event, texts: Texts, actor: Actor) -> None:
    """The association organises its own events; where the author wrote no summary, the
    date and place are written out in words, per language (Mastodon shows the summary)."""
    if actor.ap_id not in event.organizers:
        event.organizers = [actor.ap_id, *event.organizers]
    summaries = dict(obj.summary_map)
    for language in texts.languages:
        summaries.setdefault(language, describe_when_where(event, language))
    obj.summary_map = summaries


@dataclass(slots=True)
class RemoteEventData:
    """An event as its sender described it; `store_remote` makes it an `events` row."""

    starts_at: datetime
    ends_at: datetime | None
    timezone: str | None
    status: str = EventStatus.CONFIRMED
    place_name: str | None = None
    street: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None  # an ISO code or a country name, in any language we know
    latitude: float | None = None
    longitude: float | None = None
    online_url: str | None = None
    organizers: list[str] = field(default_factory=list)
    rrule: str | None = None
    exdates: list[datetime] = field(default_factory=list)
    moved: list[tuple[datetime, datetime, datetime]] = field(default_factory=list)


def _remote_series(row: Event, data: RemoteEventData) -> Series | None:
    """A peer's series when this node can read it; otherwise its first occurrence alone."""
    if not data.rrule:
        return None
    try:
        return check_series(
            data.rrule,
            row.starts_at,
            row.ends_at,
            ZoneInfo(row.timezone),
            data.exdates,
            data.moved,
        )
    except InvalidInput:
        return None


def store_remote(row: Event, data: RemoteEventData) -> None:
    """UTC instants and the event's zone; without a zone from the sender, UTC (the instants
    stay exact, only the wall-clock shown is UTC's); without an end, the start."""
    row.starts_at = data.starts_at.astimezone(UTC)
    row.ends_at = max(data.ends_at or data.starts_at, data.starts_at).astimezone(UTC)
    row.timezone = peer_values.known_zone(data.timezone) or "UTC"
    row.status = peer_values.member(EventStatus, data.status, EventStatus.CONFIRMED)
    row.place_name = peer_values.text(data.place_name, 500)
    row.street = peer_values.text(data.street, 500)
    row.locality = peer_values.text(data.locality, 200)
    row.region = peer_values.text(data.region, 200)
    row.postal_code = peer_values.text(data.postal_code, 32)
    row.country = peer_values.country_code(data.country)
    lat, lon = data.latitude, data.longitude
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    row.latitude, row.longitude = lat, lon
    row.online_url = data.online_url if data.online_url and len(data.online_url) <= 2048 else None
    row.organizers = [item for item in data.organizers if is_http_url(item)][:50]
    apply_series(row, _remote_series(row, data))
    row.sequence = next_sequence(row)


EVENT = KindSpec(
    kind=Kind.EVENT,
    ap_type="Event",
    model=Event,
    title_required=True,
    body_required=False,
    check=check_event,
    apply=_apply,
    finish=_finish,
    store_remote=store_remote,
)


async def publish_event(
    session: AsyncSession, uris: Uris, notifier: ChangeNotifier, actor: Actor, data: EventInput
) -> ContentObject:
    return await publish_kind(EVENT, session, uris, notifier, actor, data)


async def edit_event(
    session: AsyncSession,
    notifier: ChangeNotifier,
    actor: Actor,
    obj: ContentObject,
    data: EventInput,
) -> ContentObject:
    return await edit_kind(EVENT, session, notifier, actor, obj, data)
