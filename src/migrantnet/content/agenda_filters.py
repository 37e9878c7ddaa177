"""What a reader may ask of the agenda, checked: the date range (capped at `MAX_RANGE`, so a
request for a century costs what a year does), topic, mode, language, organiser, group, and
the keyset position of a page. Shared by the pages, the feeds and the JSON API, so each says
the same thing of the same mistake."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from migrantnet.content.errors import InvalidInput
from migrantnet.models.base import MAX_ROW_ID
from migrantnet.translations import N_

MAX_RANGE = timedelta(days=366)
MODES = ("online", "in_person")
_TAG_RE = re.compile(r"^#?(\w{1,100})$")
_LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_CURSOR_RE = re.compile(r"^(-?\d{1,19})_(\d{1,19})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RANGE_CAPPED = "A range of at most 366 days is shown: it was shortened."


@dataclass(frozen=True, slots=True)
class AgendaFilter:
    """What a reader narrowed the agenda to; every field optional, all of them checked."""

    starts_from: datetime | None = None  # aware; events that end at or after it
    until: datetime | None = None  # aware; events that start before it
    tag: str | None = None  # a hashtag, without `#`, lower-cased
    mode: str | None = None  # "online" | "in_person" (a hybrid event is both)
    language: str | None = None  # BCP 47; "fr" also matches "fr-CA"
    organiser: str | None = None  # an actor's id: its events and those it co-organises
    group: str | None = None  # a group's id: the events it shared (its agenda)
    # An association of ours (its id): the events it organises, its own and those naming it a
    # co-organiser that reached it by a way it chose (`agenda_queries.co_organised`).
    organised_by: str | None = None


@dataclass(frozen=True, slots=True)
class CheckedRange:
    starts_from: datetime
    until: datetime | None
    capped: bool  # the range asked for was longer than MAX_RANGE


def check_range(
    starts_from: datetime | None, until: datetime | None, now: datetime
) -> CheckedRange:
    """From `now` by default; an end before the start is refused, a range longer than
    `MAX_RANGE` is cut to it (`capped` says so, for the reader)."""
    start = starts_from or now
    if until is None:
        return CheckedRange(start, None, False)
    if until <= start:
        raise InvalidInput("to", N_("the end of the range must come after its start"))
    if until - start > MAX_RANGE:
        return CheckedRange(start, start + MAX_RANGE, True)
    return CheckedRange(start, until, False)


def check_tag(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    match = _TAG_RE.match(value.strip())
    if match is None:
        raise InvalidInput("tag", N_("%(value)s is not a hashtag"), value=repr(value))
    return match.group(1).lower()


def check_mode(value: str | None) -> str | None:
    if not value:
        return None
    if value not in MODES:
        raise InvalidInput("mode", N_("choose online or in_person"))
    return value


def check_language_filter(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    if not _LANGUAGE_RE.match(value.strip()):
        raise InvalidInput(
            "language", N_("%(value)s is not a language code such as fr or ar"), value=repr(value)
        )
    return value.strip().lower()


def check_organiser(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    value = value.strip()
    if not value.startswith(("https://", "http://")) or len(value) > 2048:
        raise InvalidInput("organiser", N_("give the address (id) of an organiser"))
    return value


def check_group_filter(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    value = value.strip()
    if not value.startswith(("https://", "http://")) or len(value) > 2048:
        raise InvalidInput("group", N_("give the address (id) of a group"))
    return value


@dataclass(frozen=True, slots=True)
class AgendaCursor:
    """Where an upcoming page ends: the start and id of its last event."""

    starts_at: datetime
    object_id: int

    def encode(self) -> str:
        micros = (self.starts_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}_{self.object_id}"

    @classmethod
    def parse(cls, value: str) -> AgendaCursor:
        match = _CURSOR_RE.match(value)
        if match is None:
            raise InvalidInput(
                "after", N_("%(value)s is not a page position from this site"), value=repr(value)
            )
        micros, object_id = int(match[1]), int(match[2])
        if not 0 < object_id <= MAX_ROW_ID:
            raise InvalidInput("after", N_("%(value)s is out of range"), value=repr(value))
        try:
            starts = _EPOCH + timedelta(microseconds=micros)
        except OverflowError:
            raise InvalidInput(
                "after", N_("%(value)s is out of range"), value=repr(value)
            ) from None
        return cls(starts, object_id)
