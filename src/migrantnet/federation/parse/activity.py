"""Activities: the envelope the inbox dispatches on.

Only the envelope is read here.  The embedded object, when there is one, is
handed back untouched so the handler for that activity type can parse it with
the parser that fits (an actor for ``Update{Person}``, an activity for
``Announce{Create}``, a content object for ``Create{Note}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from migrantnet.federation.normalize import (
    addresses,
    as_list,
    first_id,
    is_http_uri,
    parse_datetime,
    type_names,
)
from migrantnet.federation.parse.errors import ParseError

__all__ = ["ParsedActivity", "parse_activity"]


@dataclass(frozen=True, slots=True)
class ParsedActivity:
    ap_id: str | None
    type: str
    actor: str
    object_id: str | None
    object: Mapping[str, Any] | None
    target: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    published: datetime | None


def parse_activity(doc: Mapping[str, Any]) -> ParsedActivity:
    """Read an activity; ``ParseError`` when it has no type or no actor."""
    if not isinstance(doc, Mapping):
        raise ParseError("", "activity is not a JSON object")
    names = type_names(doc)
    if not names:
        raise ParseError("type", "activity has no type")
    actor = first_id(doc.get("actor"))
    if actor is None:
        raise ParseError("actor", "activity has no usable actor id")
    raw_object = doc.get("object")
    embedded = raw_object if isinstance(raw_object, Mapping) else None
    ap_id = doc.get("id")
    return ParsedActivity(
        ap_id=ap_id if is_http_uri(ap_id) else None,
        type=names[0],
        actor=actor,
        object_id=first_id(as_list(raw_object)),
        object=embedded,
        target=first_id(doc.get("target")),
        to=tuple(addresses(doc.get("to"))),
        cc=tuple(addresses(doc.get("cc"))),
        published=parse_datetime(doc.get("published")),
    )
