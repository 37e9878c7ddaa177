"""Content services on a real database: every kind in two languages, and bad input refused
with a clear error and nothing saved."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import create_association
from migrantnet.content.declarations import DeclarationInput, publish_declaration
from migrantnet.content.errors import InvalidInput
from migrantnet.content.events import EventInput, PlaceInput, publish_event
from migrantnet.content.notes import publish_note
from migrantnet.content.practices import PracticeInput, publish_practice
from migrantnet.content.publishing import NoFederation
from migrantnet.content.resources import LinkInput, ResourceInput, publish_resource
from migrantnet.content.struggles import StruggleInput, publish_struggle, struggle_timeline
from migrantnet.content.texts import TextsInput
from migrantnet.models import Actor, ContentObject, Event, Resource, Struggle
from migrantnet.uris import Uris

FED = NoFederation()


@pytest.fixture
async def actor(session: AsyncSession, uris: Uris) -> Actor:
    actor = await create_association(session, uris, slug="red_migrante", name="Red Migrante")
    await session.commit()
    return actor


def event_input(**changes: object) -> EventInput:
    values: dict[str, object] = {
        "texts": TextsInput(title={"es": "Asamblea", "ar": "جمعية عامة"}, body={"es": "Abierta."}),
        "starts": datetime(2027, 12, 18, 15, 0),
        "ends": datetime(2027, 12, 18, 19, 0),
        "timezone": "America/Argentina/Buenos_Aires",
        "place": PlaceInput(name="Plaza de Mayo", locality="Buenos Aires", country="ar"),
    }
    values.update(changes)
    return EventInput(**values)  # type: ignore[arg-type]


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(ContentObject.id))) or 0)


async def test_an_event_keeps_its_zone_and_utc_instants(
    session: AsyncSession, uris: Uris, actor: Actor
) -> None:
    obj = await publish_event(session, uris, FED, actor, event_input())
    await session.commit()
    event = await session.get(Event, obj.id)
    assert event is not None
    assert event.starts_at == datetime(2027, 12, 18, 18, 0, tzinfo=UTC)  # UTC-3
    assert event.ends_at == datetime(2027, 12, 18, 22, 0, tzinfo=UTC)
    assert event.country == "AR"
    assert event.organizers == [actor.ap_id]
    assert set(obj.name_map) == {"es", "ar"}
    # No summary written: one is made for Mastodon readers, with date, zone and place.
    assert "America/Argentina/Buenos_Aires" in obj.summary_map["es"]
    assert "Plaza de Mayo" in obj.summary_map["es"]
    assert "diciembre" in obj.summary_map["es"]
    assert "ar" in obj.summary_map


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends": datetime(2027, 12, 18, 14, 0)}, "ends: the event must end after it starts"),
        (
            {"timezone": "Mars/Olympus_Mons"},
            "timezone: 'Mars/Olympus_Mons' is not an IANA time zone",
        ),
        ({"texts": TextsInput(title={"xx": "Titre"})}, "title: 'xx' is not a known language code"),
        ({"texts": TextsInput(title={})}, "title: must not be empty"),
        ({"place": None, "online_url": None}, "place: an event needs a place or an online link"),
        (
            {"online_url": "javascript:alert(1)", "place": None},
            "online_url: 'javascript:alert(1)' is not an http(s) link",
        ),
        (
            {"place": PlaceInput(name="X", country="ZZ")},
            "countries: 'ZZ' is not an ISO 3166 country code",
        ),
        (
            {"place": PlaceInput(name="X", latitude=95.0, longitude=0.0)},
            "latitude: must be between -90 and 90",
        ),
        ({"status": "maybe"}, "status: 'maybe' is not one of confirmed, tentative, cancelled"),
    ],
)
async def test_bad_events_are_refused_and_nothing_is_saved(
    session: AsyncSession, uris: Uris, actor: Actor, changes: dict[str, object], message: str
) -> None:
    before = await count(session)
    with pytest.raises(InvalidInput) as excinfo:
        await publish_event(session, uris, FED, actor, event_input(**changes))
    assert str(excinfo.value).startswith(message)
    await session.rollback()
    assert await count(session) == before


async def test_every_kind_in_two_languages(session: AsyncSession, uris: Uris, actor: Actor) -> None:
    struggle = await publish_struggle(
        session,
        uris,
        FED,
        actor,
        StruggleInput(
            texts=TextsInput(
                title={"es": "Voto migrante", "it": "Voto migrante"},
                body={"es": "Texto", "it": "Testo"},
            ),
            countries=["ar", "AR", "uy"],
            topics=["Voting Rights", "voting_rights"],
            started_on=date(2025, 1, 1),
        ),
    )
    row = await session.get(Struggle, struggle.id)
    assert row is not None
    assert row.countries == ["AR", "UY"]
    assert row.topics == ["voting_rights"]
    update = await publish_note(
        session, uris, FED, actor, text={"es": "Avance"}, struggle_ap_id=struggle.ap_id
    )
    practice = await publish_practice(
        session,
        uris,
        FED,
        actor,
        PracticeInput(
            texts=TextsInput(title={"es": "Victoria"}, body={"es": "Ganamos."}),
            outcome="victory",
            struggle_ap_id=struggle.ap_id,
        ),
    )
    assert [o.ap_id for o in await struggle_timeline(session, struggle)] == [
        update.ap_id,
        practice.ap_id,
    ]
    declaration = await publish_declaration(
        session,
        uris,
        FED,
        actor,
        DeclarationInput(
            texts=TextsInput(
                title={"ar": "إعلان", "fr": "Déclaration"},
                body={"ar": "نص", "fr": "Texte"},
                primary_language="ar",
            )
        ),
    )
    assert declaration.primary_language == "ar"
    assert declaration.type == "Article"
    resource = await publish_resource(
        session,
        uris,
        FED,
        actor,
        ResourceInput(
            texts=TextsInput(title={"en": "Guide", "ar": "دليل"}),
            kind="legal_aid",
            languages=["ar", "en"],
            links=[LinkInput(url="https://example.org/guide.pdf", name="PDF")],
        ),
    )
    resource_row = await session.get(Resource, resource.id)
    assert resource_row is not None
    assert resource_row.languages == ["ar", "en"]
    assert resource.type == "Page"


async def test_practice_must_link_a_real_struggle(
    session: AsyncSession, uris: Uris, actor: Actor
) -> None:
    with pytest.raises(InvalidInput, match=r"struggle: .* is not a known struggle"):
        await publish_practice(
            session,
            uris,
            FED,
            actor,
            PracticeInput(
                texts=TextsInput(title={"en": "T"}, body={"en": "B"}),
                outcome="defeat",
                struggle_ap_id="https://x.example/nope",
            ),
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": {"en": "  "}}, "body: must not be empty"),
        ({"text": {"en": "x" * 5001}}, "body: at most 5000 characters"),
        ({"text": {"en": "hi"}, "visibility": "everyone"}, "visibility: 'everyone' is not one of"),
    ],
)
async def test_bad_notes(
    session: AsyncSession, uris: Uris, actor: Actor, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        await publish_note(session, uris, FED, actor, **kwargs)  # type: ignore[arg-type]
    assert str(excinfo.value).startswith(message)
