"""List items: one object in a list (association page, home page, tag page, timelines)."""

from __future__ import annotations

from dataclasses import dataclass

from migrantnet.content.formatting import iso, zone
from migrantnet.models import Actor, ContentObject, Event, EventStatus, Kind, Practice, Struggle
from migrantnet.web.i18n import pick_language, text_direction
from migrantnet.web.views.parts import (
    KIND_LABELS,
    ActorLink,
    Badge,
    KindRow,
    Moment,
    actor_link,
    instant,
    label,
    local_moment,
    outcome_badge,
    text_excerpt,
)


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


def _item_badge(row: KindRow | None) -> Badge | None:
    if isinstance(row, Struggle):
        return Badge(label(row.status), row.status)
    if isinstance(row, Event) and row.status != EventStatus.CONFIRMED:
        return Badge(label(row.status), row.status)
    if isinstance(row, Practice):
        return outcome_badge(row.outcome)
    return None


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
        excerpt, language = text_excerpt(obj.summary_map[summary_language]), summary_language
    else:
        excerpt = text_excerpt(obj.content_map.get(language, "")) if language else ""
    starts = None
    if isinstance(row, Event):
        starts = local_moment(row.starts_at, zone(row.timezone), title_language or language)
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
        published=instant(obj.published_at).text,
        published_iso=iso(obj.published_at),
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
