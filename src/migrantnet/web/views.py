"""View models: small, ready, localised values for templates, which hold no logic."""

from __future__ import annotations

from dataclasses import dataclass

from migrantnet.models import Actor, ContentObject

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"})


def text_direction(language: str | None) -> str:
    return "rtl" if language and language.split("-")[0] in RTL_LANGUAGES else "ltr"


def pick_language(values: dict[str, str], wanted: list[str], primary: str | None) -> str | None:
    """The reader's language when the text exists in it, else the author's primary one."""
    for language in wanted:
        if language in values:
            return language
        base = language.split("-")[0]
        for key in values:
            if key.split("-")[0] == base:
                return key
    if primary and primary in values:
        return primary
    return next(iter(values), None)


def accepted_languages(header: str | None) -> list[str]:
    """Accept-Language in order of preference (q values honoured, malformed parts skipped)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-quality, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


@dataclass(frozen=True, slots=True)
class ObjectView:
    url: str
    type: str
    title: str | None
    content_html: str
    language: str | None
    direction: str
    published: str
    languages: tuple[str, ...]
    deleted: bool


def object_view(obj: ContentObject, wanted: list[str]) -> ObjectView:
    language = pick_language(obj.content_map, wanted, obj.primary_language)
    title_language = pick_language(obj.name_map, wanted, obj.primary_language)
    return ObjectView(
        url=obj.url or obj.ap_id,
        type=obj.type,
        title=obj.name_map.get(title_language) if title_language else None,
        content_html=obj.content_map.get(language, "") if language else "",
        language=language,
        direction=text_direction(language),
        published=obj.published_at.strftime("%Y-%m-%d %H:%M UTC"),
        languages=tuple(obj.content_map),
        deleted=obj.deleted_at is not None,
    )


@dataclass(frozen=True, slots=True)
class ActorView:
    slug: str
    name: str
    handle: str
    summary_html: str


def actor_view(actor: Actor, domain: str) -> ActorView:
    return ActorView(
        slug=actor.slug or "",
        name=actor.name or actor.username or "",
        handle=f"@{actor.username}@{domain}",
        summary_html=actor.summary or "",
    )
