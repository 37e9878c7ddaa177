"""Every Event of the corpus, stored as the inbox stores a Create: one `events` row each,
with the right UTC instants, zone and place.

Expected values were worked out by hand from each file: Gancio's ``17:30:57+02:00`` is
``15:30:57Z``; Mobilizon's ``addressCountry`` names ("France", "United Kingdom") become ISO
codes; an event without ``endTime`` ends when it starts; without ``timezone``, UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.remote import store_remote_object
from migrantnet.federation.handlers.objects import to_remote_data
from migrantnet.federation.normalize import type_names
from migrantnet.federation.parse.content import ap_to_content
from migrantnet.models import Actor, Event

NOW = datetime(2025, 1, 1, tzinfo=UTC)
FEB_12_2018 = datetime(2018, 2, 12, 14, 8, 20, tzinfo=UTC)
LYON = {
    "place_name": "Locaux de Framasoft",
    "street": "10 Rue Jangot",
    "locality": "Lyon",
    "region": "Auvergne Rhône Alpes",
    "postal_code": "69007",
    "country": "FR",
    "latitude": None,
    "longitude": None,
}
NO_PLACE = dict.fromkeys(LYON)

# file -> (path of the Event inside it, the row we expect)
EXPECTED: dict[str, tuple[str, dict[str, Any]]] = {
    "gancio/create-event.json": (
        "object",
        {
            "starts_at": datetime(2021, 7, 14, 15, 30, 57, tzinfo=UTC),
            "ends_at": datetime(2021, 7, 14, 16, 30, 57, tzinfo=UTC),
            "timezone": "UTC",
            "status": "confirmed",
            **NO_PLACE,
            "place_name": "Colosseo",
            "online_url": None,
            "organizers": ["https://demo.gancio.org/federation/u/gancio"],
        },
    ),
    "mobilizon/event.json": (
        "",
        {
            "starts_at": datetime(2022, 12, 11, 19, 0, tzinfo=UTC),
            "ends_at": datetime(2022, 12, 11, 21, 0, tzinfo=UTC),
            "timezone": "Europe/London",
            "status": "confirmed",
            "place_name": "The Kenn Centre",
            "street": "Devon Expressway",
            "locality": "Teignbridge",
            "region": "England",
            "postal_code": "EX6 7TW",
            "country": "GB",
            "latitude": 50.66881615,
            "longitude": -3.537739788359949,
            "online_url": None,
            "organizers": ["https://rendezvous.nomagic.uk/@devon_caledonian_society"],
        },
    ),
    "mobilizon/event-mobilizon-org.json": (
        "",
        {
            "starts_at": datetime(2019, 12, 18, 13, 0, tzinfo=UTC),
            "ends_at": datetime(2019, 12, 18, 14, 0, tzinfo=UTC),
            "timezone": "UTC",
            "status": "confirmed",
            "place_name": "Cour du Château des Ducs de Bretagne",
            "street": None,  # " " in the file
            "locality": "Nantes",
            "region": "Pays de la Loire",
            "postal_code": None,
            "country": "FR",
            # As given under "geo" (swapped in the fixture; both are valid coordinates).
            "latitude": -1.54939699141711,
            "longitude": 47.21617415,
            "online_url": None,
            "organizers": ["https://mobilizon.org/@tcit"],
        },
    ),
    "mobilizon/create-event.json": (
        "object",
        {
            "starts_at": FEB_12_2018,
            "ends_at": FEB_12_2018,  # no endTime
            "timezone": "UTC",
            "status": "confirmed",
            **LYON,
            "online_url": "https://google.com",  # the Link named "Website"
            "organizers": ["https://mobilizon.fr/@metacartes"],
        },
    ),
    "mobilizon/create-event-media.json": (
        "object",
        {
            "starts_at": FEB_12_2018,
            "ends_at": FEB_12_2018,
            "timezone": "UTC",
            "status": "confirmed",
            **LYON,
            "online_url": "https://google.com",
            "organizers": ["https://mobilizon.fr/@metacartes"],
        },
    ),
    "mobilizon/create-event-group.json": (
        "object",
        {
            "starts_at": FEB_12_2018,
            "ends_at": FEB_12_2018,
            "timezone": "UTC",
            "status": "confirmed",
            **NO_PLACE,
            "online_url": None,
            "organizers": ["http://mobilizon1.com/@group"],
        },
    ),
}


def _events(doc: Any, path: str = "") -> Iterator[str]:
    if isinstance(doc, Mapping):
        if "Event" in type_names(doc):
            yield path
        for key, value in doc.items():
            if key != "@context":
                yield from _events(value, f"{path}.{key}".lstrip("."))
    elif isinstance(doc, list):
        for item in doc:
            yield from _events(item, path)


def test_every_corpus_event_has_an_expected_row(
    corpus_dir: Path, read_corpus_file: Callable[[Path], Any]
) -> None:
    found = {
        path.relative_to(corpus_dir).as_posix(): where
        for path in sorted(corpus_dir.rglob("*"))
        if path.suffix in (".json", ".txt")
        for where in _events(read_corpus_file(path))
    }
    assert found == {name: where for name, (where, _) in EXPECTED.items()}


async def _sender(session: AsyncSession, ap_id: str) -> Actor:
    host = ap_id.split("/")[2]
    actor = Actor(
        ap_id=ap_id,
        type="Organization",
        local=False,
        username=ap_id.rsplit("/", 1)[-1].lstrip("@"),
        domain=host,
        inbox_url=f"{ap_id}/inbox",
        followers_url=f"{ap_id}/followers",
    )
    session.add(actor)
    await session.flush()
    return actor


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_corpus_event_becomes_an_events_row(
    session: AsyncSession, load_corpus: Callable[[str], Any], name: str
) -> None:
    where, expected = EXPECTED[name]
    doc = load_corpus(name)
    event_doc = doc[where] if where else doc
    parsed = ap_to_content(event_doc)
    assert parsed.kind == "event"
    assert parsed.obj.attributed_to is not None
    sender = await _sender(session, parsed.obj.attributed_to)
    stored = await store_remote_object(session, sender, to_remote_data(parsed, sender, NOW))
    assert stored is not None
    assert stored.kind == "event"
    object_id = stored.id
    await session.commit()
    row = await session.get(Event, object_id)
    assert row is not None
    await session.refresh(row)  # as written to the database
    assert {key: getattr(row, key) for key in expected} == expected
    # Delivered again (a repeated Create, or an Update): still one row, unchanged.
    again = await store_remote_object(session, sender, to_remote_data(parsed, sender, NOW))
    assert again is not None and again.id == object_id
    await session.commit()
    await session.refresh(row)
    assert {key: getattr(row, key) for key in expected} == expected
