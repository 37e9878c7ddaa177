"""A content object with its kind: what our `mn:` terms say, or what its type suggests.

`ap_to_content` reads any object through `parse_object`, then our extension fields
(FEDERATION.md, "Content types"), as terms or as `mn:`-prefixed keys. Values are only shaped
here (strings, lists of strings, dates); which codes are acceptable is the content layer's
rule, applied when the rows are stored. Objects of other servers get a kind from their type.
`content_to_remote` hands the result to the content layer, as the inbox stores it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from migrantnet.content.html import html_to_text, is_blank_html
from migrantnet.content.remote import RemoteEventData, RemoteObjectData
from migrantnet.federation.context import PUBLIC_FORMS
from migrantnet.federation.normalize import (
    as_list,
    first_id,
    ids,
    is_http_uri,
    plain_text,
    type_names,
)
from migrantnet.federation.parse.event import ParsedEvent
from migrantnet.federation.parse.objects import ParsedObject, parse_object
from migrantnet.models import Visibility

__all__ = [
    "LONG_FORM_KINDS",
    "ParsedContent",
    "ap_to_content",
    "content_by_type",
    "content_to_remote",
    "kind_from_type",
]

OUR_KINDS = frozenset({"note", "declaration", "struggle", "event", "resource", "practice"})
LONG_FORM_KINDS = frozenset({"declaration", "struggle", "resource", "practice", "article"})
_TYPE_KINDS = {
    "Event": "event",
    "Article": "article",
    "Page": "article",
    "Document": "resource",
    "Video": "resource",
    "Audio": "resource",
}
_MEDIA_KINDS = {"Video": "video", "Audio": "audio"}  # a resource kind for others' media
# What `federate_as_note` puts before the body (serialize/objects.py): title, then summary.
_PRELUDE = re.compile(
    r'^\s*<p><strong>(?P<title>.*?)</strong></p>\s*(?:<p><span class="p-summary">'
    r"(?P<summary>.*?)</span></p>)?",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class ParsedContent:
    obj: ParsedObject
    kind: str  # note, article, declaration, struggle, event, resource or practice
    struggle: dict[str, Any] | None
    declaration: dict[str, Any] | None
    resource: dict[str, Any] | None
    practice: dict[str, Any] | None
    event: ParsedEvent | None
    signatories: tuple[str, ...]
    struggle_ap_id: str | None = None  # the struggle this object is part of
    organizers: tuple[str, ...] = ()  # of an event


def kind_from_type(type_name: str) -> str:
    return _TYPE_KINDS.get(type_name, "note")


def ap_to_content(doc: Mapping[str, Any]) -> ParsedContent:
    """Raises `ParseError` as `parse_object` does; every extension field is optional."""
    obj = parse_object(doc)
    declared = _word(_prop(doc, "kind"))
    if declared in OUR_KINDS and (declared != "event" or obj.event is not None):
        kind = declared
    else:
        kind = "event" if obj.event is not None else kind_from_type(obj.type)
    if obj.type == "Note" and kind in LONG_FORM_KINDS:
        obj = _without_prelude(obj)
    return ParsedContent(
        obj=obj,
        kind=kind,
        struggle=_struggle(doc) if kind == "struggle" else None,
        declaration=_declaration(doc) if kind == "declaration" else None,
        resource=_resource(doc, obj.type) if kind == "resource" else None,
        practice=_practice(doc) if kind == "practice" else None,
        event=obj.event if kind == "event" else None,
        signatories=tuple(_collection_ids(_prop(doc, "signatories"))),
        struggle_ap_id=first_id(_prop(doc, "struggle")),
        organizers=_organizers(doc, obj) if kind == "event" else (),
    )


def _organizers(doc: Mapping[str, Any], obj: ParsedObject) -> tuple[str, ...]:
    """FEP-8a8e: `organizers` as sent (null or empty: deliberately undisclosed); when the
    property is absent, the author."""
    if "organizers" in doc:
        return tuple(_collection_ids(doc["organizers"]))
    return (obj.attributed_to,) if obj.attributed_to else ()


def _prop(doc: Mapping[str, Any], name: str) -> Any:
    """Our term as sent (`kind`), or with our prefix, or as the full IRI."""
    for key in (name, f"mn:{name}", f"https://migrantnet.org/ns#{name}"):
        value = doc.get(key)
        if value is not None:
            return value
    return None


def _word(value: Any) -> str | None:
    text = plain_text(value) if isinstance(value, str) else None
    return text.lower() if text else None


def _words(value: Any) -> list[str]:
    result: list[str] = []
    for item in as_list(value):
        text = plain_text(item) if isinstance(item, str) else None
        if text and text not in result:
            result.append(text)
    return result


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _collection_ids(value: Any) -> list[str]:
    """Ids in a Collection (`items`, `orderedItems`, an embedded `first` page) or a list."""
    if isinstance(value, Mapping) and ("type" in value or "items" in value or "first" in value):
        found = ids(value.get("items")) or ids(value.get("orderedItems"))
        first = value.get("first")
        if not found and isinstance(first, Mapping):
            found = ids(first.get("items")) or ids(first.get("orderedItems"))
        return found
    return ids(value)


def _struggle(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "status": _word(_prop(doc, "struggleStatus")),
        "countries": [c.upper() for c in _words(_prop(doc, "countries"))],
        "topics": _words(_prop(doc, "topics")),
        "started_on": _date(_prop(doc, "startedOn")),
    }


def _declaration(doc: Mapping[str, Any]) -> dict[str, Any]:
    place = _prop(doc, "adoptedAt")
    return {
        "adopted_on": _date(_prop(doc, "adoptedOn")),
        "adopted_at_place": plain_text(place) if isinstance(place, str) else None,
    }


def _resource(doc: Mapping[str, Any], type_name: str) -> dict[str, Any]:
    audience = _prop(doc, "resourceAudience") or doc.get("mn:audience")
    links = []
    for item in as_list(doc.get("attachment")):
        if isinstance(item, Mapping) and "Link" in type_names(item):
            url = first_id({"type": "Link", "href": item.get("href") or item.get("url")})
            if url:
                name = item.get("name")
                links.append(
                    {"url": url, "name": plain_text(name) if isinstance(name, str) else None}
                )
    return {
        "resource_kind": _word(_prop(doc, "resourceKind")) or _MEDIA_KINDS.get(type_name),
        "languages": _words(_prop(doc, "languages")),
        "topics": _words(_prop(doc, "topics")),
        "audience": plain_text(audience) if isinstance(audience, str) else None,
        "links": links,
    }


def _practice(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {"outcome": _word(_prop(doc, "outcome"))}


def _without_prelude(obj: ParsedObject) -> ParsedObject:
    """A long-form object sent as a Note carries its title and summary at the head of the
    content; take them out again, so the body is stored once and the summary kept."""
    contents = dict(obj.content_map)
    summaries = dict(obj.summary_map)
    for language, content in obj.content_map.items():
        match = _PRELUDE.match(content)
        title = obj.name_map.get(language) or next(iter(obj.name_map.values()), None)
        if match is None or html_to_text(match["title"]) != title:
            continue
        if match["summary"] is not None:
            summaries.setdefault(language, html_to_text(match["summary"]))
        body = content[match.end() :].strip()
        if is_blank_html(body):
            del contents[language]
        else:
            contents[language] = body
    return dataclasses.replace(obj, content_map=contents, summary_map=summaries)


# -- to the content layer ------------------------------------------------------------------


def _visibility(parsed: ParsedObject, followers_url: str | None) -> Visibility:
    if any(item in PUBLIC_FORMS for item in parsed.to):
        return Visibility.PUBLIC
    if any(item in PUBLIC_FORMS for item in parsed.cc):
        return Visibility.UNLISTED
    if followers_url and followers_url in (*parsed.to, *parsed.cc):
        return Visibility.FOLLOWERS
    return Visibility.DIRECT


def content_to_remote(
    content: ParsedContent, followers_url: str | None, now: datetime
) -> RemoteObjectData:
    """What the content layer stores of a remote object (`content.remote`)."""
    obj = content.obj
    extra: dict[str, Any] = {}
    if obj.event is not None:
        event = asdict(obj.event)
        event["start"] = obj.event.start.isoformat()
        event["end"] = obj.event.end.isoformat() if obj.event.end else None
        extra["event"] = event
    if obj.audience:
        extra["audience"] = list(obj.audience)
    if content.signatories:
        extra["signatories"] = list(content.signatories)
    attachments = [asdict(item) for item in obj.attachments]
    if content.resource is not None:  # its links are the resource's, not media
        attachments = [item for item in attachments if item["type"] != "Link"]
    return RemoteObjectData(
        ap_id=obj.ap_id,
        type=obj.type,
        url=obj.url,
        in_reply_to=obj.in_reply_to,
        primary_language=obj.primary_language,
        name_map=dict(obj.name_map),
        summary_map=dict(obj.summary_map),
        content_map=dict(obj.content_map),
        sensitive=obj.sensitive,
        visibility=_visibility(obj, followers_url),
        published_at=obj.published or now,
        updated_at=obj.updated,
        tags=[asdict(tag) for tag in obj.tags],
        attachments=attachments,
        extra=extra,
        kind=content.kind,
        struggle_ap_id=content.struggle_ap_id,
        event=_event_data(content),
        struggle=content.struggle,
        declaration=content.declaration,
        resource=content.resource,
        practice=content.practice,
    )


def content_by_type(parsed: ParsedObject) -> ParsedContent:
    """For a `ParsedObject` read without our terms: the kind its type suggests."""
    kind = "event" if parsed.event is not None else kind_from_type(parsed.type)
    return ParsedContent(parsed, kind, None, None, None, None, parsed.event, ())


def _event_data(content: ParsedContent) -> RemoteEventData | None:
    event = content.event
    if event is None:
        return None
    place = event.places[0] if event.places else None
    structured = place is not None and any(
        (place.street, place.locality, place.region, place.postal_code, place.country)
    )
    return RemoteEventData(
        starts_at=event.start,
        ends_at=event.end,
        timezone=event.timezone,
        status=event.status,
        place_name=place.name if place else None,
        # A one-line address ("15 Fediverse Street, Graz") is kept where the street goes.
        street=(place.street if structured else place.address) if place else None,
        locality=place.locality if place else None,
        region=place.region if place else None,
        postal_code=place.postal_code if place else None,
        country=place.country if place else None,
        latitude=place.latitude if place else None,
        longitude=place.longitude if place else None,
        online_url=next((url for url in event.online_urls if is_http_uri(url)), None),
        organizers=list(content.organizers),
    )
