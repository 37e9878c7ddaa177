"""The content layer's table of kinds: one `KindSpec` per kind, keyed by `Kind`.

Every other layer has its own table keyed the same way (parse, serialise, API, views); a
new kind is its own modules plus one `register_kind` line in each (ARCHITECTURE.md, "How to
add a kind"). Publishing, editing, loading details and storing a peer's copy all look the
kind up here, so none of them branches on the kind.
"""

from __future__ import annotations

from typing import Any

from migrantnet.content.declarations import DECLARATION
from migrantnet.content.events import EVENT
from migrantnet.content.notes import NOTE
from migrantnet.content.objects import KindSpec
from migrantnet.content.practices import PRACTICE
from migrantnet.content.resources import RESOURCE
from migrantnet.content.struggles import STRUGGLE

KINDS: dict[str, KindSpec[Any, Any]] = {}


def register_kind(spec: KindSpec[Any, Any]) -> None:
    KINDS[spec.kind] = spec


def kind_spec(kind: str) -> KindSpec[Any, Any] | None:
    """The spec of a kind we author; None for a peer's kind we only store (`article`)."""
    return KINDS.get(kind)


register_kind(NOTE)
register_kind(DECLARATION)
register_kind(STRUGGLE)
register_kind(EVENT)
register_kind(RESOURCE)
register_kind(PRACTICE)
