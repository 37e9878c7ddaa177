"""Every Event in the corpus: exact instants, time zone, places, online links.

Expected instants were computed by hand from each file's ``startTime`` /
``endTime`` (for example Gancio's ``17:30:57+02:00`` is ``15:30:57Z``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from migrantnet.federation.normalize import type_names
from migrantnet.federation.parse import (
    ParsedEvent,
    ParsedObject,
    ParsedPlace,
    ParseError,
    parse_event,
    parse_location,
    parse_object,
)

Load = Callable[[str], Any]

LYON = ParsedPlace(
    name="Locaux de Framasoft",
    address="10 Rue Jangot, 69007, Lyon, Auvergne Rhône Alpes, France",
    street="10 Rue Jangot",
    locality="Lyon",
    region="Auvergne Rhône Alpes",
    postal_code="69007",
    country="France",
    latitude=None,
    longitude=None,
)
FEB_12_2018 = datetime(2018, 2, 12, 14, 8, 20, tzinfo=UTC)

# file -> path of the Event inside it ("" = the document itself)
EVENT_FILES: dict[str, str] = {
    "gancio/create-event.json": "object",
    "mobilizon/event.json": "",
    "mobilizon/event-mobilizon-org.json": "",
    "mobilizon/create-event.json": "object",
    "mobilizon/create-event-media.json": "object",
    "mobilizon/create-event-group.json": "object",
}


def _event_object(load_corpus: Load, name: str) -> ParsedObject:
    doc = load_corpus(name)
    inner = EVENT_FILES[name]
    return parse_object(doc[inner] if inner else doc)


def _event(load_corpus: Load, name: str) -> ParsedEvent:
    parsed = _event_object(load_corpus, name)
    assert parsed.type == "Event"
    assert parsed.event is not None
    return parsed.event


def _walk(doc: Any, path: str = "") -> Iterator[str]:
    if isinstance(doc, Mapping):
        if "Event" in type_names(doc):
            yield path
        for key, value in doc.items():
            if key != "@context":
                yield from _walk(value, f"{path}.{key}".lstrip("."))
    elif isinstance(doc, list):
        for item in doc:
            yield from _walk(item, path)


def test_every_corpus_event_is_covered(
    corpus_dir: Path, read_corpus_file: Callable[[Path], Any]
) -> None:
    found: dict[str, str] = {}
    for path in sorted(corpus_dir.rglob("*")):
        if path.suffix in (".json", ".txt"):
            for where in _walk(read_corpus_file(path)):
                found[path.relative_to(corpus_dir).as_posix()] = where
    assert found == EVENT_FILES


def test_gancio_event(load_corpus: Load) -> None:
    event = _event(load_corpus, "gancio/create-event.json")
    assert event.start == datetime(2021, 7, 14, 15, 30, 57, tzinfo=UTC)  # 17:30:57+02:00
    assert event.end == datetime(2021, 7, 14, 16, 30, 57, tzinfo=UTC)
    assert event.timezone is None
    assert event.places == (
        ParsedPlace("Colosseo", None, None, None, None, None, None, None, None),
    )
    assert event.online_urls == ()
    assert event.status == "confirmed"
    assert event.join_mode is None
    assert event.category is None


def test_mobilizon_event(load_corpus: Load) -> None:
    parsed = _event_object(load_corpus, "mobilizon/event.json")
    event = parsed.event
    assert event is not None
    assert event.start == datetime(2022, 12, 11, 19, 0, tzinfo=UTC)
    assert event.end == datetime(2022, 12, 11, 21, 0, tzinfo=UTC)
    assert event.timezone == "Europe/London"
    assert event.places == (
        ParsedPlace(
            name="The Kenn Centre",
            address="Devon Expressway, EX6 7TW, Teignbridge, England, United Kingdom",
            street="Devon Expressway",
            locality="Teignbridge",
            region="England",
            postal_code="EX6 7TW",
            country="United Kingdom",
            latitude=50.66881615,
            longitude=-3.537739788359949,
        ),
    )
    assert event.online_urls == ()
    assert event.status == "confirmed"  # from "ical:status": "CONFIRMED"
    assert event.join_mode == "free"
    assert event.category == "SPORTS"
    assert parsed.attributed_to == "https://rendezvous.nomagic.uk/@devon_caledonian_society"
    assert parsed.is_public is True
    assert parsed.attachments[0].name == "Banner"


def test_mobilizon_org_event_with_geo(load_corpus: Load) -> None:
    event = _event(load_corpus, "mobilizon/event-mobilizon-org.json")
    assert event.start == datetime(2019, 12, 18, 13, 0, tzinfo=UTC)
    assert event.end == datetime(2019, 12, 18, 14, 0, tzinfo=UTC)
    assert event.timezone is None
    (place,) = event.places
    assert place.name == "Cour du Château des Ducs de Bretagne"
    assert place.street is None  # " " in the file
    assert place.postal_code is None  # null in the file
    assert place.locality == "Nantes"
    assert place.address == "Nantes, Pays de la Loire, France"
    # Read from "geo" as given (the fixture has them swapped, which we cannot know).
    assert (place.latitude, place.longitude) == (-1.54939699141711, 47.21617415)
    assert event.join_mode == "free"
    assert event.category == "meeting"


@pytest.mark.parametrize(
    "name", ["mobilizon/create-event.json", "mobilizon/create-event-media.json"]
)
def test_mobilizon_create_event(load_corpus: Load, name: str) -> None:
    parsed = _event_object(load_corpus, name)
    event = parsed.event
    assert event is not None
    assert event.start == FEB_12_2018
    assert event.end is None
    assert event.timezone is None
    assert event.places == (LYON,)
    # Only the Link named "Website" is the online address; "Another link" is not.
    assert event.online_urls == ("https://google.com",)
    assert event.status == "confirmed"
    assert event.category == "TODO remove me"
    assert parsed.attributed_to == "https://mobilizon.fr/@metacartes"


def test_mobilizon_group_event(load_corpus: Load) -> None:
    parsed = _event_object(load_corpus, "mobilizon/create-event-group.json")
    event = parsed.event
    assert event is not None
    assert event.start == FEB_12_2018
    assert event.end is None
    assert event.places == ()
    assert event.online_urls == ()
    assert parsed.attributed_to == "http://mobilizon1.com/@group"
    assert parsed.is_public is False  # addressed to the group only


def test_gancio_place_postal_address(load_corpus: Load) -> None:
    places, online = parse_location(load_corpus("gancio/place-postal-address.json"))
    assert online == ()
    assert places == (
        ParsedPlace(
            name="Location with a postal address",
            address="15 Fediverse Street, 8010, Fediverse Town, Steiermark, Austria",
            street="15 Fediverse Street",
            locality="Fediverse Town",
            region="Steiermark",
            postal_code="8010",
            country="Austria",
            latitude=None,
            longitude=None,
        ),
    )


def test_gancio_place_string_address(load_corpus: Load) -> None:
    places, online = parse_location(load_corpus("gancio/place-string-address.json"))
    assert online == ()
    assert [(p.name, p.address, p.locality) for p in places] == [
        ("Location with a simple string address", "Simple string address", None)
    ]


def test_gancio_place_virtual_location(load_corpus: Load) -> None:
    places, online = parse_location(load_corpus("gancio/place-virtual-location.json"))
    assert places == ()
    assert online == ("https://virtual.location.org",)


def test_gancio_place_list_mixed(load_corpus: Load) -> None:
    places, online = parse_location(load_corpus("gancio/place-list-mixed.json"))
    assert [p.name for p in places] == ["Location with a name", "A second location with a name"]
    assert online == (
        "https://virtual.location.org",
        "https://a.second.fallback.virtual.location.org",
    )


def _synthetic(**fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "https://events.example/e/1",
        "type": "Event",
        "name": "Meeting",
        "startTime": "2025-03-01T18:00:00+01:00",
    }
    doc.update(fields)
    return doc


def test_event_without_start_time() -> None:
    for start in (None, "", "soon", "2025-13-45T99:00:00Z"):
        with pytest.raises(ParseError) as caught:
            parse_object(_synthetic(startTime=start))
        assert caught.value.path == "startTime"


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, "confirmed"),
        ({"eventStatus": "https://schema.org/EventCancelled"}, "cancelled"),
        ({"eventStatus": "EventPostponed"}, "tentative"),
        ({"status": "TENTATIVE"}, "tentative"),
        ({"ical:status": "CANCELLED"}, "cancelled"),
        ({"status": "nonsense"}, "confirmed"),
    ],
)
def test_event_status(fields: dict[str, Any], status: str) -> None:
    assert parse_event(_synthetic(**fields)).status == status


def test_fep_8a8e_event() -> None:
    event = parse_event(
        _synthetic(
            endTime="2025-03-01T20:00:00+01:00",
            timezone="Europe/Berlin",
            joinMode="External",
            externalParticipationUrl="mailto:rsvp@events.example",
            location=[
                {"type": "Place", "name": "Hall", "address": "Hauptstr. 1, Berlin",
                 "latitude": "52.52", "longitude": 13.405},
                {"type": "VirtualLocation", "url": "https://meet.example/room"},
            ],
        )
    )  # fmt: skip
    assert event.start == datetime(2025, 3, 1, 17, 0, tzinfo=UTC)
    assert event.end == datetime(2025, 3, 1, 19, 0, tzinfo=UTC)
    assert event.timezone == "Europe/Berlin"
    assert event.join_mode == "external"
    assert event.external_participation_url == "mailto:rsvp@events.example"
    assert [(p.name, p.address, p.latitude, p.longitude) for p in event.places] == [
        ("Hall", "Hauptstr. 1, Berlin", 52.52, 13.405)
    ]
    assert event.online_urls == ("https://meet.example/room",)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "", 5, "UTC+2"])
def test_invalid_timezone_is_dropped(zone: Any) -> None:
    assert parse_event(_synthetic(timezone=zone)).timezone is None


def test_end_before_start_is_dropped() -> None:
    assert parse_event(_synthetic(endTime="2025-03-01T10:00:00Z")).end is None
