"""Content objects of ours as ActivityStreams objects, one shape per kind (FEDERATION.md).

Every object reads well to a server that ignores our `mn:` terms: `name`, `summary`, `content`
and `url` are set, and the `summary` of a long-form kind is written for Mastodon, which shows an
Article, Page or Event as title + summary + link and drops `content`.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from migrantnet.content import formatting
from migrantnet.content.details import ObjectDetails
from migrantnet.content.formatting import iso
from migrantnet.content.html import html_to_text
from migrantnet.federation.context import OBJECT_CONTEXT, PUBLIC
from migrantnet.models import Event, EventStatus, Kind, Media, Visibility
from migrantnet.uris import Uris

# Sent as a `Note` when the association chooses so (`federate_as_note`): events stay `Event`s,
# which agendas (Mobilizon, Gancio) need and Mastodon shows with their date and place.
LONG_FORM = frozenset({Kind.DECLARATION, Kind.STRUGGLE, Kind.RESOURCE, Kind.PRACTICE, Kind.ARTICLE})
SUMMARY_CLASS = "p-summary"  # microformats class: kept by sanitisers, marks the summary in a Note
EVENT_CATEGORY = "MOVEMENTS_POLITICS"
EVENT_STATUS = {
    EventStatus.CONFIRMED: ("EventScheduled", "CONFIRMED"),
    EventStatus.TENTATIVE: ("EventTentative", "TENTATIVE"),
    EventStatus.CANCELLED: ("EventCancelled", "CANCELLED"),
}
EXCERPT_LENGTH = 280


def addressing(visibility: str, followers_url: str | None) -> tuple[list[str], list[str]]:
    """Mastodon's addressing: public is to Public, unlisted cc Public, followers-only omits it."""
    followers = [followers_url] if followers_url else []
    if visibility == Visibility.PUBLIC:
        return [PUBLIC], followers
    if visibility == Visibility.UNLISTED:
        return followers, [PUBLIC]
    if visibility == Visibility.FOLLOWERS:
        return followers, []
    return [], []


def language_fields(
    doc: dict[str, Any], field: str, values: dict[str, str], primary: str | None
) -> None:
    """`field` in the primary language plus `fieldMap` with every language (BCP 47 keys),
    the primary first: Mastodon takes the first key of `contentMap` as the language."""
    if not values:
        return
    main = values.get(primary or "") or next(iter(values.values()))
    doc[field] = main
    ordered = sorted(values.items(), key=lambda item: item[0] != primary)
    keyed = {lang: text for lang, text in ordered if lang and lang != "und"}
    if keyed:
        doc[f"{field}Map"] = keyed


def object_to_ap(details: ObjectDetails, uris: Uris) -> dict[str, Any]:
    obj, actor = details.obj, details.actor
    kind = obj.kind
    as_note = actor.federate_as_note and kind in LONG_FORM
    to, cc = addressing(obj.visibility, actor.followers_url)
    mentioned = [t["href"] for t in obj.tags or [] if t.get("type") == "Mention" and t.get("href")]
    if obj.visibility == Visibility.DIRECT:
        to = [*to, *mentioned]
    else:
        cc = [*cc, *[href for href in mentioned if href not in cc]]
    doc: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": obj.ap_id,
        # The type is the content layer's choice (`content.objects.AP_TYPES`), one per kind.
        "type": "Note" if as_note else obj.type,
        "kind": kind,
        "attributedTo": actor.ap_id,
        "url": obj.url or obj.ap_id,
        "published": iso(obj.published_at),
        "to": to,
        "cc": cc,
        "sensitive": obj.sensitive,
        "mediaType": "text/html",
    }
    if obj.updated_at:
        doc["updated"] = iso(obj.updated_at)
    if obj.in_reply_to:
        doc["inReplyTo"] = obj.in_reply_to
    if obj.struggle_ap_id:
        doc["struggle"] = obj.struggle_ap_id
    summaries = dict(obj.summary_map)
    if kind != Kind.NOTE:
        summaries = _complete_summaries(details)
    language_fields(doc, "name", obj.name_map, obj.primary_language)
    if as_note:
        contents = _note_form(obj.name_map, summaries, obj.content_map)
    else:
        language_fields(doc, "summary", summaries, obj.primary_language)
        contents = obj.content_map
    language_fields(doc, "content", contents, obj.primary_language)
    doc.setdefault("content", "")
    doc.update(_kind_fields(details))
    doc["tag"] = _tags(details, uris)
    doc["attachment"] = [*_media(details.media, uris), *doc.pop("attachment", [])]
    doc["replies"] = {"id": f"{obj.ap_id}/replies", "type": "Collection", "totalItems": 0}
    return doc


def _kind_fields(details: ObjectDetails) -> dict[str, Any]:
    if details.event is not None:
        return event_fields(details.event)
    if details.struggle is not None:
        row = details.struggle
        fields: dict[str, Any] = {
            "struggleStatus": row.status,
            "countries": list(row.countries),
            "topics": list(row.topics),
        }
        if row.started_on:
            fields["startedOn"] = row.started_on.isoformat()
        return fields
    if details.declaration is not None:
        fields = {}
        if details.declaration.adopted_on:
            fields["adoptedOn"] = details.declaration.adopted_on.isoformat()
        if details.declaration.adopted_at_place:
            fields["adoptedAt"] = details.declaration.adopted_at_place
        signers = [signer.ap_id for signer in details.signatories]
        fields["signatories"] = {
            "id": f"{details.obj.ap_id}/signatories",
            "type": "Collection",
            "totalItems": len(signers),
            "items": signers,
        }
        return fields
    if details.resource is not None:
        resource = details.resource
        fields = {
            "resourceKind": resource.resource_kind,
            "languages": list(resource.languages),
            "topics": list(resource.topics),
            "attachment": [
                {
                    "type": "Link",
                    "href": link["url"],
                    "mediaType": "text/html",
                    **({"name": link["name"]} if link.get("name") else {}),
                }
                for link in resource.links
            ],
        }
        if resource.audience:
            fields["resourceAudience"] = resource.audience
        return fields
    if details.practice is not None:
        return {"outcome": details.practice.outcome}
    return {}


def event_fields(event: Event) -> dict[str, Any]:
    """FEP-8a8e, plus what Mobilizon and Gancio read; times in the event's own offset."""
    zone = formatting.zone(event.timezone)
    status, ical_status = EVENT_STATUS.get(event.status, EVENT_STATUS[EventStatus.CONFIRMED])
    locations: list[dict[str, Any]] = []
    place = _place(event)
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
        "isOnline": place is None,
        "category": EVENT_CATEGORY,
        "joinMode": "free",
    }
    if locations:
        fields["location"] = locations[0] if len(locations) == 1 else locations
    if event.online_url:
        fields["joinMode"] = "external"
        fields["externalParticipationUrl"] = event.online_url
        # Mobilizon reads an event's online address from this Link (Mastodon skips Links).
        fields["attachment"] = [
            {"type": "Link", "name": "Website", "mediaType": "text/html", "href": event.online_url}
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


def _complete_summaries(details: ObjectDetails) -> dict[str, str]:
    """Where the author wrote no summary: the opening of the text, else a resource's links,
    else the title, so Mastodon (title + summary + link) never shows a bare title."""
    obj = details.obj
    result = dict(obj.summary_map)
    links = details.resource.links if details.resource is not None else []
    listed = " · ".join(
        f"{link['name']}: {link['url']}" if link.get("name") else link["url"] for link in links
    )
    for language in [*obj.content_map, *obj.name_map]:
        if result.get(language):
            continue
        text = excerpt_of(obj.content_map.get(language, "")) or listed
        text = text or obj.name_map.get(language, "")
        if text:
            result[language] = text
    return result


def excerpt_of(body_html: str, limit: int = EXCERPT_LENGTH) -> str:
    text = html_to_text(body_html).split("\n\n")[0].strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:.") + "…"


def _note_form(
    names: dict[str, str], summaries: dict[str, str], contents: dict[str, str]
) -> dict[str, str]:
    """Title, summary and body in one HTML text per language, for readers of `Note`s."""
    result: dict[str, str] = {}
    for language in [*contents, *[lang for lang in names if lang not in contents]]:
        parts = []
        if names.get(language):
            parts.append(f"<p><strong>{html.escape(names[language], quote=False)}</strong></p>")
        if summaries.get(language):
            text = html.escape(summaries[language], quote=False).replace("\n", "<br>")
            parts.append(f'<p><span class="{SUMMARY_CLASS}">{text}</span></p>')
        parts.append(contents.get(language, ""))
        result[language] = "".join(parts)
    return result


def _tags(details: ObjectDetails, uris: Uris) -> list[dict[str, Any]]:
    tags: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()

    def add(tag: dict[str, Any]) -> None:
        key = (tag["type"], str(tag.get("href") or tag["name"]).lower())
        if key not in seen:
            seen.add(key)
            tags.append(tag)

    for stored in details.obj.tags or []:
        kind, name = stored.get("type"), stored.get("name")
        if kind == "Hashtag" and name:
            href = stored.get("href") or uris.absolute(f"/tags/{name.lstrip('#').lower()}")
            add({"type": "Hashtag", "href": href, "name": name})
        elif kind == "Mention" and name and stored.get("href"):
            # an unresolved mention is text only: peers need the actor id to notify anyone
            add({"type": "Mention", "href": stored["href"], "name": name})
    topics = [
        *(details.struggle.topics if details.struggle else []),
        *(details.resource.topics if details.resource else []),
    ]
    for topic in topics:
        add({"type": "Hashtag", "href": uris.absolute(f"/tags/{topic}"), "name": f"#{topic}"})
    return tags


def _media(media: list[Media], uris: Uris) -> list[dict[str, Any]]:
    items = []
    for item in media:
        attachment: dict[str, Any] = {
            "type": "Image" if item.media_type.startswith("image/") else "Document",
            "mediaType": item.media_type,
            "url": uris.absolute("/media/" + item.storage_key),
        }
        if item.alt_text:
            attachment["name"] = item.alt_text
        if item.width and item.height:
            attachment["width"] = item.width
            attachment["height"] = item.height
        items.append(attachment)
    return items
