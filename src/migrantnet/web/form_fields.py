"""Forms built from the JSON API's request bodies: one definition of a kind's fields.

`fields_of(EventIn)` lists the inputs a kind needs, read from its pydantic model; a submitted
form becomes the same body the API receives (`form_to_body`), so the page and the API share
the model's validation and the content service's rules. Errors of either come back as
field name -> message, shown beside the field.
"""

from __future__ import annotations

import asyncio
import functools
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any
from zoneinfo import available_timezones

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from migrantnet.translations import N_, gettext

# Filled in by the multilingual editor, the upload part or the common part of every form.
COMMON = frozenset({"texts", "text", "primary_language", "media_ids", "visibility"})
# Names the content services give their errors -> the form's field names.
SERVICE_FIELDS = {
    "latitude": "place.latitude",
    "longitude": "place.longitude",
    "country": "place.country",
    "locality": "place.locality",
    "struggle": "struggle_id",
    "organizers": "organizers",
}


@dataclass(frozen=True)
class FormField:
    """One input: `widget` is text, textarea, date, datetime, select, list, lines, checkbox
    or group."""

    name: str
    widget: str
    required: bool = False
    options: tuple[str, ...] = ()
    default: str = ""
    children: tuple[FormField, ...] = field(default_factory=tuple)
    columns: tuple[str, ...] = ()  # for `lines`: the fields of one line, in order


def _unwrap(annotation: Any) -> Any:
    """`X | None` -> X."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return args[0] if len(args) == 1 else str
    return annotation


def _widget(name: str, annotation: Any) -> FormField | None:
    kind = _unwrap(annotation)
    origin = typing.get_origin(kind)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return FormField(name, "select", options=tuple(str(item.value) for item in kind))
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return FormField(name, "group", children=tuple(fields_of(kind, prefix=f"{name}.")))
    if origin is list:
        (item,) = typing.get_args(kind)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return FormField(name, "lines", columns=tuple(item.model_fields))
        return FormField(name, "list")
    if kind is datetime:
        return FormField(name, "datetime")
    if kind is date:
        return FormField(name, "date")
    if kind is bool:
        return FormField(name, "checkbox")
    if kind in (str, float, int):
        return FormField(name, "text")
    return None


def fields_of(model: type[BaseModel], *, prefix: str = "") -> list[FormField]:
    """The kind-specific inputs of a request body model, in the model's order."""
    found = []
    for name, info in model.model_fields.items():
        if not prefix and name in COMMON:
            continue
        made = _widget(f"{prefix}{name}", info.annotation)
        if made is None:
            continue
        default = info.default
        if isinstance(default, Enum):
            default = default.value
        found.append(
            FormField(
                made.name,
                made.widget,
                required=info.is_required(),
                options=made.options,
                default="" if default is None or not isinstance(default, str) else default,
                children=made.children,
                columns=made.columns,
            )
        )
    return found


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]


def field_values(fields: list[FormField], form: FormData) -> dict[str, Any]:
    """The kind-specific part of the body, from a submitted form (empty inputs left out)."""
    body: dict[str, Any] = {}
    for f in fields:
        key = f.name.rsplit(".", 1)[-1]
        if f.widget == "group":
            nested = field_values(list(f.children), form)
            if nested:
                body[key] = nested
            continue
        raw = _text(form, f.name)
        if f.widget == "checkbox":
            if raw:  # a ticked box sends its value; an unticked one sends nothing: false
                body[key] = True
        elif f.widget == "list":
            body[key] = _split(raw)
        elif f.widget == "lines":
            rows = []
            for line in raw.splitlines():
                parts = line.strip().split(None, len(f.columns) - 1)
                if parts:
                    rows.append(dict(zip(f.columns, parts, strict=False)))
            body[key] = rows
        elif raw:
            body[key] = raw
    return body


def values_for_form(fields: list[FormField], data: dict[str, Any]) -> dict[str, str]:
    """Field name -> the text to show in its input, from a body-shaped mapping (editing)."""
    shown: dict[str, str] = {}
    for f in fields:
        value = data.get(f.name.rsplit(".", 1)[-1])
        if f.widget == "group":
            shown.update(values_for_form(list(f.children), value or {}))
        elif value is None:
            continue
        elif f.widget == "checkbox":
            if value is True:
                shown[f.name] = "1"
        elif f.widget == "list":
            shown[f.name] = ", ".join(str(item) for item in value)
        elif f.widget == "lines":
            shown[f.name] = "\n".join(
                " ".join(str(row.get(col) or "") for col in f.columns).strip() for row in value
            )
        elif f.widget == "datetime" and isinstance(value, datetime):
            shown[f.name] = value.strftime("%Y-%m-%dT%H:%M")
        elif isinstance(value, Enum):
            shown[f.name] = str(value.value)
        else:
            shown[f.name] = str(value)
    return shown


def validation_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic's errors by form field (`texts.title` -> `title`, `place.latitude` stays)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
        if loc and loc[0] in ("texts", "text"):
            loc = loc[1:2] or ["body"]
        name = ".".join(loc) or "form"
        errors.setdefault(name, _validation_message(error))
    return errors


# Pydantic's messages are English and speak of types: the form says them in the reader's words.
VALIDATION_MESSAGES = {
    "missing": N_("This is required."),
    "string_too_short": N_("This is too short."),
    "string_too_long": N_("At most %(max_length)s characters."),
    "too_long": N_("At most %(max_length)s items."),
    "url_parsing": N_("This is not a web address."),
    "url_scheme": N_("The address must start with https:// or http://."),
    "datetime_parsing": N_("This is not a date and time."),
    "datetime_from_date_parsing": N_("This is not a date and time."),
    "date_parsing": N_("This is not a date."),
    "date_from_datetime_parsing": N_("This is not a date."),
    "float_parsing": N_("This is not a number."),
    "int_parsing": N_("This is not a whole number."),
    "enum": N_("Choose one of the options."),
    "literal_error": N_("Choose one of the options."),
    "greater_than_equal": N_("At least %(ge)s."),
    "less_than_equal": N_("At most %(le)s."),
}


def _validation_message(error: Any) -> str:
    """A translated message by pydantic's error type; a content rule's own message as it is."""
    known = VALIDATION_MESSAGES.get(str(error.get("type", "")))
    if known is not None:
        context = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
        try:
            return gettext(known, **context) if context else gettext(known)
        except (KeyError, ValueError):
            return gettext(known.split("%", 1)[0].strip() or known)
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


def service_field(name: str) -> str:
    return SERVICE_FIELDS.get(name, name)


# The label of each kind field (English msgids, translated in the templates).
LABELS = {
    "adopted_on": N_("Adopted on"),
    "adopted_at_place": N_("Adopted at (place)"),
    "status": N_("Status"),
    "countries": N_("Countries"),
    "topics": N_("Topics"),
    "started_on": N_("Started on"),
    "starts": N_("Starts"),
    "ends": N_("Ends"),
    "timezone": N_("Time zone"),
    "place": N_("Place"),
    "place.name": N_("Name of the place"),
    "place.street": N_("Street and number"),
    "place.locality": N_("Town or city"),
    "place.region": N_("Region"),
    "place.postal_code": N_("Postal code"),
    "place.country": N_("Country"),
    "place.latitude": N_("Latitude"),
    "place.longitude": N_("Longitude"),
    "online_url": N_("Online link"),
    "organizers": N_("Co-organisers"),
    "struggle_id": N_("Part of a struggle"),
    "in_reply_to": N_("In reply to"),
    "group": N_("Post to a group"),
    "kind": N_("Type"),
    "languages": N_("Languages it exists in"),
    "audience": N_("Audience"),
    "links": N_("Links"),
    "outcome": N_("Outcome"),
    "hide_address": N_("Give the exact address to members and followers only"),
    "noindex": N_("Keep out of search engines, search and feeds"),
}
HINTS = {
    "countries": N_("Two-letter codes separated by commas, e.g. TN, IT."),
    "topics": N_("Separated by commas, e.g. asylum, housing."),
    "languages": N_("Codes separated by commas, e.g. fr, ar."),
    "organizers": N_("Addresses of other associations' actors, separated by commas."),
    "struggle_id": N_("The address of one of our struggles, or of a followed one."),
    "links": N_("One per line: the address, then a name."),
    "in_reply_to": N_(
        "The address of the post this answers, here or on another server: its author is "
        "sent the reply, which shows under the post."
    ),
    "group": N_(
        "The group shares it with all its members, on every node. The groups listed are "
        "those this association joined."
    ),
    "place.country": N_("Two-letter code, e.g. AR."),
    "timezone": N_("Start typing a city: America/Argentina/Buenos_Aires, Africa/Tunis…"),
    "starts": N_("The time where the event happens."),
    "online_url": N_("For an online event or a stream."),
    "hide_address": N_(
        "Everyone else sees the town only: give it above. Followers get the exact address "
        "when the event is for followers only."
    ),
    "noindex": N_(
        "For a sensitive item: search engines are asked not to list its page, and other "
        "servers not to index it. Anyone with the link can still read it."
    ),
}


@functools.cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone, for the searchable list of time zones (read once, when first shown)."""
    return tuple(sorted(available_timezones()))


async def load_zone_names() -> tuple[str, ...]:
    """`zone_names()` read in a thread the first time, so no request waits on the disk."""
    return await asyncio.to_thread(zone_names)


def option_label(value: str) -> str:
    """`good_practice` -> `Good practice`: the English msgid of an option."""
    return value.replace("_", " ").capitalize()
