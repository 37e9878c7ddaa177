"""The object page: one declaration, struggle, event, resource, practice or note in full."""

from __future__ import annotations

from dataclasses import dataclass

from migrantnet.content.details import ObjectDetails
from migrantnet.models import ContentObject
from migrantnet.translations import gettext, interface_language
from migrantnet.web.i18n import language_name, pick_language, text_direction
from migrantnet.web.views.items import item_view
from migrantnet.web.views.kind_pages import PageContext
from migrantnet.web.views.kinds import NOTE_TEMPLATE, kind_view
from migrantnet.web.views.parts import (
    DESCRIPTION_LENGTH,
    ActorLink,
    LanguageLink,
    LinkView,
    Moment,
    Related,
    actor_link,
    demote_headings,
    host_and_path,
    instant,
    text_excerpt,
)


@dataclass(frozen=True, slots=True)
class ObjectPageView:
    url: str
    kind: str
    kind_label: str
    microformat: str
    heading: str
    titled: bool  # False when the heading stands in for a missing title (notes)
    heading_language: str
    heading_direction: str
    summary: str | None
    summary_language: str
    summary_direction: str
    content_html: str
    language: str
    direction: str
    locale_language: str  # the language dates and names are given in
    locale_direction: str
    published: Moment
    updated: Moment | None
    description: str
    og_locale: str
    author: ActorLink
    current_language: str | None  # its name in itself
    shown_language: str
    shown_direction: str
    other_languages: tuple[LanguageLink, ...]
    part_of: LinkView | None
    in_reply_to: LinkView | None  # the post it answers: its author's name, else its address
    template: str  # the kind's template, which shows `detail`
    detail: object | None  # the kind's block (`web/views/kind_pages.py`)
    shows_part_of: bool


def _part_of(obj: ContentObject, wanted: list[str], related: Related) -> LinkView | None:
    """The struggle an object belongs to, by its title when we know it."""
    if related.struggle is not None:
        struggle = related.struggle
        title_language = pick_language(struggle.name_map, wanted, struggle.primary_language)
        title = struggle.name_map.get(title_language) if title_language else None
        return LinkView(struggle.url or struggle.ap_id, title or host_and_path(struggle.ap_id))
    if obj.struggle_ap_id:
        return LinkView(obj.struggle_ap_id, host_and_path(obj.struggle_ap_id))
    return None


def _in_reply_to(obj: ContentObject, related: Related) -> LinkView | None:
    if not obj.in_reply_to:
        return None
    if related.answered is not None:
        answered, author = related.answered
        return LinkView(answered.url or answered.ap_id, actor_link(author).name)
    return LinkView(obj.in_reply_to, host_and_path(obj.in_reply_to))


def _text_languages(obj: ContentObject) -> list[str]:
    seen: list[str] = []
    for mapping in (obj.content_map, obj.name_map, obj.summary_map):
        seen += [language for language in mapping if language not in seen]
    return seen


def object_page_view(details: ObjectDetails, wanted: list[str], related: Related) -> ObjectPageView:
    obj = details.obj
    language = pick_language(obj.content_map, wanted, obj.primary_language)
    title_language = pick_language(obj.name_map, wanted, obj.primary_language)
    summary_language = pick_language(obj.summary_map, wanted, obj.primary_language)
    # Dates, countries and language names are in the interface language, around the text.
    reader = interface_language()
    view = kind_view(obj.kind)
    kind_label = gettext(view.label)
    author = actor_link(details.actor)
    title = obj.name_map.get(title_language) if title_language else None
    summary = obj.summary_map.get(summary_language) if summary_language else None
    description = text_excerpt(
        summary or obj.content_map.get(language or "", ""), DESCRIPTION_LENGTH
    )

    shown_summary = summary
    row = details.row
    if (
        view.generated_summary is not None
        and row is not None
        and summary_language
        and summary == view.generated_summary(row, summary_language)
    ):
        shown_summary = None  # the generated when and where: shown in full below
    detail = None
    if view.page is not None and row is not None:
        items = tuple(
            item_view(item, wanted, related.timeline_rows.get(item.id)) for item in related.timeline
        )
        detail = view.page(PageContext(details, reader, related, items), row)

    url = obj.url or obj.ap_id
    shown = language or title_language  # a title-only event or resource has no body
    others = tuple(
        LanguageLink(code, language_name(code), f"{url}?lang={code}", text_direction(code))
        for code in _text_languages(obj)
        if code != shown
    )
    return ObjectPageView(
        url=url,
        kind=obj.kind,
        kind_label=kind_label,
        microformat=view.microformat,
        heading=title or gettext("%(kind)s by %(name)s", kind=kind_label, name=author.name),
        titled=title is not None,
        heading_language=title_language or reader,
        heading_direction=text_direction(title_language or reader),
        summary=shown_summary,
        summary_language=summary_language or "",
        summary_direction=text_direction(summary_language),
        content_html=demote_headings(obj.content_map.get(language, "")) if language else "",
        language=language or "",
        direction=text_direction(language),
        locale_language=reader,
        locale_direction=text_direction(reader),
        published=instant(obj.published_at),
        updated=instant(obj.updated_at) if obj.updated_at else None,
        description=description,
        og_locale=(shown or "").replace("-", "_"),
        author=author,
        current_language=language_name(shown) if shown else None,
        shown_language=shown or "",
        shown_direction=text_direction(shown),
        other_languages=others,
        part_of=_part_of(obj, wanted, related),
        in_reply_to=_in_reply_to(obj, related),
        template=view.template if detail is not None else NOTE_TEMPLATE,
        detail=detail,
        shows_part_of=view.shows_part_of or detail is None,
    )
