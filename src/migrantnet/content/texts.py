"""Multilingual texts of an object: title, summary and body in one or more languages.

Authors write Markdown; we keep their source (to edit it later) and the rendered, sanitised
HTML. One language is primary: the one federated as plain `name`/`summary`/`content`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migrantnet.content.errors import InvalidInput
from migrantnet.content.html import html_to_text
from migrantnet.content.languages import check_language
from migrantnet.content.markdown import render_markdown
from migrantnet.content.tags import find_tags
from migrantnet.translations import N_

MAX_TITLE = 300
MAX_SUMMARY = 2000
MAX_BODY = 200_000


@dataclass(frozen=True, slots=True)
class TextsInput:
    """What an author submits: language -> text for each field."""

    title: dict[str, str] = field(default_factory=dict)
    summary: dict[str, str] = field(default_factory=dict)
    body: dict[str, str] = field(default_factory=dict)
    primary_language: str | None = None


@dataclass(frozen=True, slots=True)
class Texts:
    name_map: dict[str, str]
    summary_map: dict[str, str]
    content_map: dict[str, str]
    source_map: dict[str, str]
    primary_language: str

    @property
    def languages(self) -> list[str]:
        seen: list[str] = []
        for mapping in (self.content_map, self.name_map, self.summary_map):
            seen += [lang for lang in mapping if lang not in seen]
        return seen


def _clean(values: dict[str, str], field_name: str, limit: int) -> dict[str, str]:
    result: dict[str, str] = {}
    for language, value in values.items():
        text = (value or "").strip()
        if not text:
            continue
        if len(text) > limit:
            raise InvalidInput(
                field_name,
                N_("at most %(limit)s characters (%(language)s)"),
                limit=limit,
                language=language,
            )
        result[check_language(language, field_name)] = text
    return result


def prepare_texts(
    data: TextsInput, *, title_required: bool, body_required: bool, body_limit: int = MAX_BODY
) -> Texts:
    titles = _clean(data.title, "title", MAX_TITLE)
    summaries = _clean(data.summary, "summary", MAX_SUMMARY)
    bodies = _clean(data.body, "body", body_limit)
    if title_required and not titles:
        raise InvalidInput("title", N_("must not be empty"))
    if body_required and not bodies:
        raise InvalidInput("body", N_("must not be empty"))
    languages = [*bodies, *[lang for lang in titles if lang not in bodies]]
    if not languages:
        raise InvalidInput("body", N_("must not be empty"))
    primary = (
        check_language(data.primary_language, "primary_language")
        if data.primary_language
        else languages[0]
    )
    if primary not in titles and primary not in bodies:
        raise InvalidInput(
            "primary_language", N_("there is no text in %(primary)s"), primary=repr(primary)
        )
    content_map = {lang: render_markdown(text) for lang, text in bodies.items()}
    summary_map = {lang: html_to_text(render_markdown(text)) for lang, text in summaries.items()}
    return Texts(
        name_map=titles,
        summary_map=summary_map,
        content_map=content_map,
        source_map=bodies,
        primary_language=primary,
    )


def apply_texts_input(obj: object, texts: Texts) -> None:
    """Write prepared texts onto an object (a `ContentObject`); kept here beside `Texts`."""
    obj.name_map = texts.name_map  # type: ignore[attr-defined]
    obj.summary_map = texts.summary_map  # type: ignore[attr-defined]
    obj.content_map = texts.content_map  # type: ignore[attr-defined]
    obj.primary_language = texts.primary_language  # type: ignore[attr-defined]
    obj.extra = {**(obj.extra or {}), "source": texts.source_map}  # type: ignore[attr-defined]
    resolved = {
        tag["name"]: tag.get("href")
        for tag in (obj.tags or [])  # type: ignore[attr-defined]
        if tag.get("type") == "Mention"
    }
    obj.tags = [  # type: ignore[attr-defined]
        {**tag, "href": resolved[tag["name"]]} if resolved.get(tag["name"]) else tag
        for tag in find_tags({**texts.source_map, **texts.name_map})
    ]
