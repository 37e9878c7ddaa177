"""List items: one object in a list (association page, home page, tag page, timelines)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migrantnet.content.formatting import iso
from migrantnet.models import Actor, ContentObject
from migrantnet.translations import gettext, interface_language
from migrantnet.uris import Uris
from migrantnet.web.i18n import pick_language, text_direction
from migrantnet.web.views.kinds import kind_plural, kind_view
from migrantnet.web.views.parts import ItemView, actor_link, instant, text_excerpt


def item_view(
    obj: ContentObject,
    wanted: list[str],
    row: Any = None,
    author: Actor | None = None,
) -> ItemView:
    """`row` is the kind's row (`content.details.load_kind_rows`), for its badge and dates."""
    view = kind_view(obj.kind)
    language = pick_language(obj.content_map, wanted, obj.primary_language) or ""
    title_language = pick_language(obj.name_map, wanted, obj.primary_language) or ""
    summary_language = pick_language(obj.summary_map, wanted, obj.primary_language)
    title = obj.name_map.get(title_language) if title_language else None
    generated = view.generated_summary is not None and row is not None
    if summary_language and not generated:
        excerpt, language = text_excerpt(obj.summary_map[summary_language]), summary_language
    else:
        excerpt = text_excerpt(obj.content_map.get(language, "")) if language else ""
    starts = None
    if view.starts is not None and row is not None:
        starts = view.starts(row, interface_language())  # a date is the interface's words
    return ItemView(
        url=obj.url or obj.ap_id,
        kind=obj.kind,
        kind_label=gettext(view.label),
        microformat=view.microformat,
        title=title,
        title_language=title_language,
        title_direction=text_direction(title_language),
        excerpt=excerpt,
        language=language,
        direction=text_direction(language),
        published=instant(obj.published_at).text,
        published_iso=iso(obj.published_at),
        badge=view.badge(row) if view.badge is not None and row is not None else None,
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
    all_label: str
    older_label: str


def section_view(
    kind: str, slug: str, count: int, items: list[ItemView], older: str | None
) -> SectionView:
    """`older` is the keyset cursor of the next page, None on the last one."""
    base = Uris.kind_section_path(slug, kind)
    plural = kind_plural(kind)
    return SectionView(
        kind=kind,
        heading=plural,
        anchor=f"kind-{kind}",
        count=count,
        items=tuple(items),
        all_url=base,
        older_url=f"{base}&before={older}" if older is not None else None,
        all_label=gettext("%(kinds)s: see all", kinds=plural),
        older_label=gettext("%(kinds)s: earlier page", kinds=plural),
    )
