"""The views' table of kinds: one `KindView` per kind, keyed by `Kind`, in page order.

A row says how a kind is named, which badge its list items wear, how its block of the
object page is built (`kind_pages`) and which template shows it (`templates/kinds/`).
The association page lists its sections in the order the kinds are registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from migrantnet.content.events import describe_when_where
from migrantnet.content.formatting import zone
from migrantnet.models import Event, EventStatus, Kind, Practice, Struggle
from migrantnet.translations import N_, gettext
from migrantnet.web.views import kind_pages
from migrantnet.web.views.kind_pages import PageContext
from migrantnet.web.views.parts import Badge, Moment, label, local_moment, outcome_badge

NOTE_TEMPLATE = "kinds/note.html"


@dataclass(frozen=True, slots=True)
class KindView:
    label: str  # English msgids (`N_`): `kind_label` and `kind_plural` translate them
    plural: str
    template: str = NOTE_TEMPLATE  # shows the kind's block of the object page
    page: Callable[[PageContext, Any], object] | None = None  # the block, from the row
    badge: Callable[[Any], Badge | None] | None = None  # on list items, from the row
    starts: Callable[[Any, str], Moment] | None = None  # a list item's start (events)
    microformat: str = "h-entry"
    # The summary the content layer wrote for the author (an event's when and where): lists
    # show the body's opening instead, and the object page, which shows the facts, hides it.
    generated_summary: Callable[[Any, str], str] | None = None
    shows_part_of: bool = True  # False: its own block names the struggle (practices)


KIND_VIEWS: dict[str, KindView] = {}
UNKNOWN = KindView(N_("Post"), N_("Posts"))  # a peer's kind we only store (`article`)


def register_kind_view(kind: str, view: KindView) -> None:
    KIND_VIEWS[kind] = view


def kind_view(kind: str) -> KindView:
    return KIND_VIEWS.get(kind, UNKNOWN)


def kind_label(kind: str) -> str:
    """A kind's name in the interface language ("Déclaration")."""
    return gettext(kind_view(kind).label)


def kind_plural(kind: str) -> str:
    return gettext(kind_view(kind).plural)


def kind_order() -> list[str]:
    return list(KIND_VIEWS)


def _status_badge(row: Struggle | Event) -> Badge:
    return Badge(label(row.status), row.status)


def _event_badge(row: Event) -> Badge | None:
    return _status_badge(row) if row.status != EventStatus.CONFIRMED else None


def _event_start(row: Event, language: str) -> Moment:
    return local_moment(row.starts_at, zone(row.timezone), language)


def _practice_badge(row: Practice) -> Badge:
    return outcome_badge(row.outcome)


register_kind_view(
    Kind.DECLARATION,
    KindView(
        N_("Declaration"),
        N_("Declarations"),
        "kinds/declaration.html",
        page=kind_pages.declaration_view,
    ),
)
register_kind_view(
    Kind.STRUGGLE,
    KindView(
        N_("Struggle"),
        N_("Struggles"),
        "kinds/struggle.html",
        page=kind_pages.struggle_view,
        badge=_status_badge,
    ),
)
register_kind_view(
    Kind.EVENT,
    KindView(
        N_("Event"),
        N_("Events"),
        "kinds/event.html",
        page=kind_pages.event_view,
        badge=_event_badge,
        starts=_event_start,
        microformat="h-event",
        generated_summary=describe_when_where,
    ),
)
register_kind_view(
    Kind.RESOURCE,
    KindView(N_("Resource"), N_("Resources"), "kinds/resource.html", page=kind_pages.resource_view),
)
register_kind_view(
    Kind.PRACTICE,
    KindView(
        N_("Practice"),
        N_("Practices"),
        "kinds/practice.html",
        page=kind_pages.practice_view,
        badge=_practice_badge,
        shows_part_of=False,
    ),
)
register_kind_view(Kind.NOTE, KindView(N_("Note"), N_("Notes")))
