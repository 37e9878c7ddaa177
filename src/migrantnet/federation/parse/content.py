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
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from migrantnet.content.events import RemoteEventData
from migrantnet.content.html import html_to_text, is_blank_html
from migrantnet.content.kinds import kind_spec
from migrantnet.content.remote import RemoteObjectData
from migrantnet.federation.context import PUBLIC_FORMS
from migrantnet.federation.normalize import (
    first_id,
    is_http_uri,
)
from migrantnet.federation.parse import terms
from migrantnet.federation.parse.event import ParsedEvent
from migrantnet.federation.parse.objects import ParsedObject, parse_object
from migrantnet.federation.parse.terms import collection_ids, prop, word
from migrantnet.models import Visibility

__all__ = [
    "KIND_PARSERS",
    "KindParser",
    "ParsedContent",
    "ap_to_content",
    "content_by_type",
    "content_to_remote",
    "is_long_form",
    "kind_from_type",
    "register_kind_parser",
]

_TYPE_KINDS = {
    "Event": "event",
    "Article": "article",
    "Page": "article",
    "Document": "resource",
    "Video": "resource",
    "Audio": "resource",
}
# What `federate_as_note` puts before the body (serialize/objects.py): title, then summary.
_PRELUDE = re.compile(
    r'^\s*<p><strong>(?P<title>.*?)</strong></p>\s*(?:<p><span class="p-summary">'
    r"(?P<summary>.*?)</span></p>)?",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class ParsedContent:
    obj: ParsedObject
    kind: str  # note, article, or a kind of `KIND_PARSERS`
    values: Any  # the kind's own fields (its parser's result); None for notes and articles
    signatories: tuple[str, ...]
    struggle_ap_id: str | None = None  # the struggle this object is part of
    organizers: tuple[str, ...] = ()  # of an event


def _values(content: ParsedContent) -> Any:
    return content.values


@dataclass(frozen=True, slots=True)
class KindParser:
    """How one of our kinds is read back. `fields` returns None when the object cannot be of
    this kind (an `Event` without a start); `to_remote` gives what `content.remote` stores."""

    fields: Callable[[Mapping[str, Any], ParsedObject], Any]
    to_remote: Callable[[ParsedContent], Any] = _values
    link_fields: bool = False  # its `Link` attachments are its own fields, not media


KIND_PARSERS: dict[str, KindParser] = {}


def register_kind_parser(kind: str, parser: KindParser) -> None:
    KIND_PARSERS[kind] = parser


def is_long_form(kind: str) -> bool:
    """May come as a Note with its title and summary before the body (`KindSpec.long_form`);
    a remote Article or Page is read the same way."""
    spec = kind_spec(kind)
    return kind == "article" or (spec is not None and spec.long_form)


def kind_from_type(type_name: str) -> str:
    return _TYPE_KINDS.get(type_name, "note")


def _kind_values(kind: str, doc: Mapping[str, Any], obj: ParsedObject) -> Any:
    parser = KIND_PARSERS.get(kind)
    return parser.fields(doc, obj) if parser is not None else None


def ap_to_content(doc: Mapping[str, Any]) -> ParsedContent:
    """Raises `ParseError` as `parse_object` does; every extension field is optional."""
    obj = parse_object(doc)
    declared = word(prop(doc, "kind"))
    values = _kind_values(declared, doc, obj) if declared else None
    if declared == "note" or values is not None:
        kind = declared or "note"
    else:
        kind = "event" if obj.event is not None else kind_from_type(obj.type)
        values = _kind_values(kind, doc, obj)
    if obj.type == "Note" and is_long_form(kind):
        obj = _without_prelude(obj)
    return ParsedContent(
        obj=obj,
        kind=kind,
        values=values,
        signatories=tuple(collection_ids(prop(doc, "signatories"))),
        struggle_ap_id=first_id(prop(doc, "struggle")),
        organizers=_organizers(doc, obj) if kind == "event" else (),
    )


def _organizers(doc: Mapping[str, Any], obj: ParsedObject) -> tuple[str, ...]:
    """FEP-8a8e: `organizers` as sent (null or empty: deliberately undisclosed); when the
    property is absent, the author."""
    if "organizers" in doc:
        return tuple(collection_ids(doc["organizers"]))
    return (obj.attributed_to,) if obj.attributed_to else ()


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
        # the series is kept in the events row (`rrule`, `exdates`, `moved`), not here
        for name in ("rrule", "exdates", "moved"):
            event.pop(name, None)
        extra["event"] = event
    if obj.audience:
        extra["audience"] = list(obj.audience)
    if content.signatories:
        extra["signatories"] = list(content.signatories)
    attachments = [asdict(item) for item in obj.attachments]
    parser = KIND_PARSERS.get(content.kind)
    if parser is not None and parser.link_fields and content.values is not None:
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
        noindex=obj.noindex,
        visibility=_visibility(obj, followers_url),
        published_at=obj.published or now,
        updated_at=obj.updated,
        tags=[asdict(tag) for tag in obj.tags],
        attachments=attachments,
        extra=extra,
        kind=content.kind,
        struggle_ap_id=content.struggle_ap_id,
        values=parser.to_remote(content) if parser is not None else None,
    )


def content_by_type(parsed: ParsedObject) -> ParsedContent:
    """For a `ParsedObject` read without our terms: the kind its type suggests."""
    kind = "event" if parsed.event is not None else kind_from_type(parsed.type)
    return ParsedContent(parsed, kind, parsed.event, ())  # an event's fields are its own


def _event_data(content: ParsedContent) -> RemoteEventData | None:
    event = content.values
    if not isinstance(event, ParsedEvent):
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
        rrule=event.rrule,
        exdates=list(event.exdates),
        moved=list(event.moved),
    )


register_kind_parser("declaration", KindParser(terms.declaration_fields))
register_kind_parser("struggle", KindParser(terms.struggle_fields))
register_kind_parser("event", KindParser(lambda doc, obj: obj.event, _event_data))
register_kind_parser("resource", KindParser(terms.resource_fields, link_fields=True))
register_kind_parser("practice", KindParser(terms.practice_fields))
