"""The fields each of our kinds adds to its ActivityStreams object (FEDERATION.md).

Events follow FEP-8a8e plus what Mobilizon and Gancio read; the other kinds use our `mn:`
terms. Each function takes the object's details and its kind's row, and is registered in
`serialize/objects.py`'s `KIND_SERIALISERS`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from migrantnet.content import formatting, recurrence
from migrantnet.content.details import ObjectDetails
from migrantnet.content.events import town_only
from migrantnet.models import (
    Declaration,
    Event,
    EventStatus,
    Practice,
    Resource,
    Struggle,
    Visibility,
)
from migrantnet.uris import Uris

EVENT_CATEGORY = "MOVEMENTS_POLITICS"
EVENT_STATUS: dict[str, tuple[str, str]] = {
    EventStatus.CONFIRMED: ("EventScheduled", "CONFIRMED"),
    EventStatus.TENTATIVE: ("EventTentative", "TENTATIVE"),
    EventStatus.CANCELLED: ("EventCancelled", "CANCELLED"),
}


def struggle_fields(details: ObjectDetails, row: Struggle) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "struggleStatus": row.status,
        "countries": list(row.countries),
        "topics": list(row.topics),
    }
    if row.started_on:
        fields["startedOn"] = row.started_on.isoformat()
    return fields


def declaration_fields(details: ObjectDetails, row: Declaration) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if row.adopted_on:
        fields["adoptedOn"] = row.adopted_on.isoformat()
    if row.adopted_at_place:
        fields["adoptedAt"] = row.adopted_at_place
    signers = [signer.ap_id for signer in details.signatories]
    fields["signatories"] = {
        "id": Uris.signatories(details.obj.ap_id),
        "type": "Collection",
        "totalItems": len(signers),
        "items": signers,
    }
    return fields


def resource_fields(details: ObjectDetails, row: Resource) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "resourceKind": row.resource_kind,
        "languages": list(row.languages),
        "topics": list(row.topics),
        "attachment": [
            {
                "type": "Link",
                "href": link["url"],
                "mediaType": "text/html",
                **({"name": link["name"]} if link.get("name") else {}),
            }
            for link in row.links
        ],
    }
    if row.audience:
        fields["resourceAudience"] = row.audience
    return fields


def practice_fields(details: ObjectDetails, row: Practice) -> dict[str, Any]:
    return {"outcome": row.outcome}


def event_row_fields(details: ObjectDetails, row: Event) -> dict[str, Any]:
    """An event whose address is hidden gives its exact place only in a followers-only or
    direct object, which reaches approved followers alone and is never served to others;
    a public or unlisted one gives the town."""
    private = details.obj.visibility in (Visibility.FOLLOWERS, Visibility.DIRECT)
    return event_fields(row, exact=private or details.exact_place)


def event_fields(event: Event, *, exact: bool = True) -> dict[str, Any]:
    """FEP-8a8e, plus what Mobilizon and Gancio read; times in the event's own offset.
    `exact=False`: the town only, when the event hides its address."""
    zone = formatting.zone(event.timezone)
    status, ical_status = EVENT_STATUS.get(event.status, EVENT_STATUS[EventStatus.CONFIRMED])
    locations: list[dict[str, Any]] = []
    in_person = _place(event) is not None
    place = _place(event if exact else town_only(event))
    if place is not None:
        locations.append(place)
    if event.online_url:
        online = event.online_url
        locations.append({"type": "VirtualLocation", "name": online, "url": online})
    fields: dict[str, Any] = {
        "startTime": _local_iso(event.starts_at, zone),
        "endTime": _local_iso(event.ends_at, zone),
        "timezone": event.timezone,
        "eventStatus": status,
        "ical:status": ical_status,
        "organizers": {
            "type": "Collection",
            "totalItems": len(event.organizers),
            "items": list(event.organizers),
        },
        "isOnline": not in_person,
        "category": EVENT_CATEGORY,
        "joinMode": "free",
    }
    if locations:
        fields["location"] = locations[0] if len(locations) == 1 else locations
    if event.rrule:
        fields.update(_series_fields(event, zone))
    if event.online_url:
        fields["joinMode"] = "external"
        fields["externalParticipationUrl"] = event.online_url
        # Mobilizon reads an event's online address from this Link (Mastodon skips Links).
        fields["attachment"] = [
            {"type": "Link", "name": "Website", "mediaType": "text/html", "href": event.online_url}
        ]
    return fields


def _series_fields(event: Event, zone: ZoneInfo) -> dict[str, Any]:
    """A series (FEDERATION.md, "Recurring events"): the object stays an `Event` whose times are
    its first occurrence, so servers that know no recurrence show that; `mn:rrule` is the
    RFC 5545 rule, `mn:exdate` the cancelled starts, `mn:movedOccurrences` the moved ones."""
    fields: dict[str, Any] = {"rrule": event.rrule}
    cancelled = recurrence.parse_instants(event.exdates)
    if cancelled:
        fields["exdate"] = [_local_iso(value, zone) for value in cancelled]
    moved = recurrence.parse_moved(event.moved)
    if moved:
        fields["movedOccurrences"] = [
            {
                "recurrenceId": _local_iso(m.of, zone),
                "startTime": _local_iso(m.starts_at, zone),
                "endTime": _local_iso(m.ends_at, zone),
            }
            for m in moved
        ]
    return fields


def _local_iso(value: datetime, zone: ZoneInfo) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).isoformat(timespec="seconds")


def _place(event: Event) -> dict[str, Any] | None:
    address = {
        key: value
        for key, value in (
            ("streetAddress", event.street),
            ("addressLocality", event.locality),
            ("addressRegion", event.region),
            ("postalCode", event.postal_code),
            ("addressCountry", event.country),
        )
        if value
    }
    name = event.place_name or event.street or event.locality
    if not name and not address and event.latitude is None:
        return None
    place: dict[str, Any] = {"type": "Place", "name": name or ""}
    if address:
        place["address"] = {"type": "PostalAddress", **address}
    if event.latitude is not None and event.longitude is not None:
        place["latitude"] = event.latitude
        place["longitude"] = event.longitude
    return place
