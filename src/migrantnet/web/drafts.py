"""What an editor is writing, between two submissions of the compose form.

A draft is read from the form (texts per language, the kind's fields, attached uploads) and
turned into the JSON API's request body for the kind, so the page publishes through the same
model and content service as the API. Nothing here writes to the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from babel import Locale, UnknownLocaleError
from starlette.datastructures import FormData

from migrantnet.content.details import ObjectDetails
from migrantnet.content.errors import InvalidInput
from migrantnet.content.events import describe_when_where
from migrantnet.content.html import html_to_text
from migrantnet.content.languages import check_language
from migrantnet.content.markdown import render_markdown
from migrantnet.models import ContentObject, Event, Kind
from migrantnet.translations import gettext
from migrantnet.uris import Uris
from migrantnet.web.api.kinds import KIND_API, KindApi
from migrantnet.web.api.render import object_out
from migrantnet.web.form_fields import FormField, field_values, fields_of, values_for_form

TEXT_PARTS = ("title", "summary", "body")
# Offered first when adding a language; any CLDR code can be typed in too.
SUGGESTED_LANGUAGES = (
    "en", "fr", "ar", "es", "it", "pt", "de", "tr", "fa", "ur", "bn", "wo", "ff", "bm",
    "sw", "am", "ti", "so", "ha", "ln", "ru", "uk", "ro", "sq", "zh", "tl",
)  # fmt: skip
MAX_LANGUAGES = 12


def kind_api(kind: str) -> KindApi[Any, Any] | None:
    return KIND_API.get(kind)


def known_kind_api(kind: str) -> KindApi[Any, Any]:
    """The API of a kind the caller knows we have (routes are made from `KIND_API`, forms
    checked with `kind_api`): a KeyError here is our bug, not a visitor's."""
    return KIND_API[kind]


def language_name(code: str, interface: str = "en") -> str:
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(interface)
    except (UnknownLocaleError, ValueError):
        return code
    return name or code


def text_direction(code: str) -> str:
    try:
        return Locale.parse(code.replace("-", "_")).text_direction
    except (UnknownLocaleError, ValueError):
        return "ltr"


@dataclass
class Draft:
    kind: Kind
    fields: list[FormField]
    languages: list[str]
    texts: dict[str, dict[str, str]]
    primary: str
    values: dict[str, str] = field(default_factory=dict)
    media_ids: list[str] = field(default_factory=list)
    visibility: str = "public"

    def text(self, language: str, part: str) -> str:
        return self.texts.get(language, {}).get(part, "")

    def previews(self) -> dict[str, str]:
        """Each language's body rendered as it will be published (sanitised HTML)."""
        return {
            lang: render_markdown(self.text(lang, "body"))
            for lang in self.languages
            if self.text(lang, "body").strip()
        }

    def body(self) -> dict[str, Any]:
        """The API's request body for this kind (validated by the caller with its model)."""
        maps = {
            part: {lang: self.text(lang, part) for lang in self.languages if self.text(lang, part)}
            for part in TEXT_PARTS
        }
        body: dict[str, Any] = field_values(self.fields, _Values(self.values))
        if self.kind == Kind.NOTE:
            body["text"] = maps["body"]
            body["primary_language"] = self.primary or None
        else:
            body["texts"] = {**maps, "primary_language": self.primary or None}
        body["media_ids"] = list(self.media_ids)
        return body


class _Values(FormData):
    """The draft's kind fields, read like a submitted form."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(list(values.items()))


def new_draft(kind: Kind, language: str) -> Draft:
    spec = known_kind_api(kind)
    fields = fields_of(spec.body)
    values = {f.name: f.default for f in fields if f.default}
    return Draft(kind, fields, [language], {language: {}}, language, values)


def draft_from_form(kind: Kind, form: FormData) -> Draft:
    spec = known_kind_api(kind)
    fields = fields_of(spec.body)
    languages: list[str] = []
    for raw in str(form.get("languages") or "").split(","):
        try:
            code = check_language(raw) if raw.strip() else ""
        except InvalidInput:
            continue
        if code and code not in languages:
            languages.append(code)
    texts = {
        lang: {part: str(form.get(f"{part}.{lang}") or "") for part in TEXT_PARTS}
        for lang in languages[:MAX_LANGUAGES]
    }
    primary = str(form.get("primary_language") or "")
    values = {
        name: str(value) for name, value in form.multi_items() if _is_kind_field(fields, name)
    }
    media_ids = [str(v) for v in form.getlist("media_ids") if isinstance(v, str) and v]
    return Draft(
        kind,
        fields,
        languages[:MAX_LANGUAGES],
        texts,
        primary if primary in languages else (languages[0] if languages else ""),
        values,
        media_ids,
        str(form.get("visibility") or "public"),
    )


def _is_kind_field(fields: list[FormField], name: str) -> bool:
    return any(f.name == name or any(child.name == name for child in f.children) for f in fields)


def add_language(draft: Draft, code: str) -> None:
    """Add an empty column for another language (`InvalidInput` for an unknown code)."""
    language = check_language(code, "new_language")
    if language in draft.languages:
        raise InvalidInput(
            "new_language",
            gettext("%(language)s is already there.", language=language_name(language)),
        )
    if len(draft.languages) >= MAX_LANGUAGES:
        raise InvalidInput(
            "new_language", gettext("At most %(count)s languages.", count=MAX_LANGUAGES)
        )
    draft.languages.append(language)
    draft.texts[language] = {}
    if not draft.primary:
        draft.primary = language


def remove_language(draft: Draft, code: str) -> None:
    if code in draft.languages and len(draft.languages) > 1:
        draft.languages.remove(code)
        draft.texts.pop(code, None)
        if draft.primary == code:
            draft.primary = draft.languages[0]


def draft_of(details: ObjectDetails, uris: Uris) -> Draft:
    """A draft holding what an object says now, to edit it."""
    out = object_out(details, uris)
    kind = Kind(out.kind)
    draft = new_draft(kind, out.primary_language or (out.languages or ["en"])[0])
    draft.languages = list(out.languages) or draft.languages
    draft.primary = out.primary_language or draft.languages[0]
    block = getattr(out, str(kind), None)
    data: dict[str, Any] = {"struggle_id": out.struggle_id, "in_reply_to": out.in_reply_to}
    if block is not None:
        data.update(dict(block))
        if kind == Kind.RESOURCE:
            data["links"] = [dict(link) for link in block.links]
            data["kind"] = block.kind
        if kind == Kind.EVENT:
            data["place"] = dict(block.place) if block.place else {}
            data["starts"] = block.starts.replace(tzinfo=None)
            data["ends"] = block.ends.replace(tzinfo=None)
    draft.values = values_for_form(draft.fields, data)
    for lang, text in out.texts.items():
        summary = text.summary or ""
        event = details.row if kind == Kind.EVENT else None
        if isinstance(event, Event) and summary == describe_when_where(event, lang):
            summary = ""  # written by the node from the date: it follows an edit
        draft.texts[lang] = {
            "title": text.title or "",
            "summary": summary,
            "body": text.body or "",
        }
    draft.media_ids = [media.id for media in out.media]
    draft.visibility = str(out.visibility)
    return draft


def headline(obj: ContentObject) -> str:
    """A line naming an object in lists: its title, else the start of its text."""
    names = obj.name_map or {}
    if names:
        return names.get(obj.primary_language or "", next(iter(names.values())))
    content = obj.content_map or {}
    text = content.get(obj.primary_language or "", next(iter(content.values()), ""))
    return html_to_text(text)[:80]
