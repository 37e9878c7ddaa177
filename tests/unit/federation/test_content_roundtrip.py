"""Every kind, made by the content services on a real database, serialised, read back with
`ap_to_content`, and stored as a peer's object: the same texts and the same kind fields."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import create_association
from migrantnet.content.cosignatures import add_signature
from migrantnet.content.declarations import DeclarationInput, publish_declaration
from migrantnet.content.details import load_details
from migrantnet.content.events import EventInput, PlaceInput, publish_event
from migrantnet.content.notes import publish_note
from migrantnet.content.practices import PracticeInput, publish_practice
from migrantnet.content.publishing import NoFederation
from migrantnet.content.remote import store_remote_object
from migrantnet.content.resources import LinkInput, ResourceInput, publish_resource
from migrantnet.content.struggles import StruggleInput, publish_struggle
from migrantnet.content.texts import TextsInput
from migrantnet.federation.handlers.objects import to_remote_data
from migrantnet.federation.parse.content import ParsedContent, ap_to_content
from migrantnet.federation.serialize.objects import object_to_ap
from migrantnet.models import (
    Actor,
    ContentObject,
    Declaration,
    Event,
    Media,
    Practice,
    Resource,
    Struggle,
)
from migrantnet.uris import Uris

FED = NoFederation()
PEER = "https://peer.example"
NOW = datetime(2027, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def author(session: AsyncSession, uris: Uris) -> Actor:
    actor = await create_association(session, uris, slug="tunis_migrants", name="Tunis Migrants")
    await session.commit()
    return actor


@pytest.fixture
async def peer(session: AsyncSession, author: Actor) -> Actor:
    """The same association as a peer node would know it, to store our objects as remote."""
    ap_id = f"{PEER}/@{author.slug}"
    actor = Actor(
        ap_id=ap_id,
        type="Organization",
        local=False,
        username=author.slug,
        domain="peer.example",
        inbox_url=f"{ap_id}/inbox",
        followers_url=f"{ap_id}/followers",
    )
    session.add(actor)
    await session.flush()
    return actor


class Trip:
    """One object's journey: our row, its AP form, the parse, and the peer's stored copy."""

    def __init__(self, obj: ContentObject, doc: dict[str, Any], parsed: ParsedContent) -> None:
        self.obj, self.doc, self.parsed = obj, doc, parsed
        self.stored: ContentObject | None = None


async def roundtrip(
    session: AsyncSession, uris: Uris, author: Actor, peer: Actor, obj: ContentObject
) -> Trip:
    doc = object_to_ap(await load_details(session, obj, author), uris)
    wire = json.loads(json.dumps(doc))  # what travels is JSON
    trip = Trip(obj, doc, ap_to_content(wire))
    moved = json.loads(json.dumps(doc).replace(uris.base_url, PEER))
    trip.stored = await store_remote_object(
        session, peer, to_remote_data(ap_to_content(moved), peer, NOW)
    )
    assert trip.stored is not None
    return trip


def moved(uris: Uris, value: str) -> str:
    return value.replace(uris.base_url, PEER)


def assert_same_texts(trip: Trip) -> None:
    obj, parsed = trip.obj, trip.parsed.obj
    assert parsed.name_map == obj.name_map
    assert parsed.content_map == obj.content_map
    assert parsed.primary_language == obj.primary_language
    for key, value in obj.summary_map.items():
        assert parsed.summary_map[key] == value
    stored = trip.stored
    assert stored is not None
    assert (stored.name_map, stored.content_map) == (obj.name_map, obj.content_map)
    assert stored.kind == obj.kind
    assert stored.visibility == obj.visibility


def columns(row: Any, *skip: str) -> dict[str, Any]:
    return {
        c.key: getattr(row, c.key)
        for c in row.__table__.columns
        if c.key not in ("object_id", *skip)
    }


async def test_note(session: AsyncSession, uris: Uris, author: Actor, peer: Actor) -> None:
    obj = await publish_note(
        session, uris, FED, author, text={"fr": "Rassemblement **samedi**", "ar": "تجمع السبت"}
    )
    trip = await roundtrip(session, uris, author, peer, obj)
    assert trip.parsed.kind == "note"
    assert trip.parsed.obj.summary_map == {}
    assert_same_texts(trip)


async def test_declaration_with_signatories(
    session: AsyncSession, uris: Uris, author: Actor, peer: Actor
) -> None:
    obj = await publish_declaration(
        session,
        uris,
        FED,
        author,
        DeclarationInput(
            texts=TextsInput(
                title={"fr": "Déclaration de Tunis", "ar": "إعلان تونس"},
                summary={"fr": "Régularisation pour toutes et tous.", "ar": "التسوية للجميع."},
                body={"fr": "Nous, associations…\n\n- papiers\n- droits", "ar": "نحن الجمعيات"},
                primary_language="ar",
            ),
            adopted_on=date(2027, 12, 18),
            adopted_at_place="Tunis",
        ),
    )
    signer = await create_association(session, uris, slug="bologna", name="Bologna")
    await add_signature(session, obj, signer, uris.activity())
    trip = await roundtrip(session, uris, author, peer, obj)
    assert trip.parsed.kind == "declaration"
    assert trip.parsed.values == {
        "adopted_on": date(2027, 12, 18),
        "adopted_at_place": "Tunis",
    }
    assert trip.parsed.signatories == (signer.ap_id,)
    assert_same_texts(trip)
    assert trip.stored is not None
    row = await session.get(Declaration, trip.stored.id)
    assert columns(row) == columns(await session.get(Declaration, obj.id))
    assert trip.stored.extra["signatories"] == [moved(uris, signer.ap_id)]


async def test_struggle(session: AsyncSession, uris: Uris, author: Actor, peer: Actor) -> None:
    obj = await publish_struggle(
        session,
        uris,
        FED,
        author,
        StruggleInput(
            texts=TextsInput(
                title={"it": "Voto ai migranti", "fr": "Vote des migrants"},
                body={"it": "Chiediamo il voto.", "fr": "Nous demandons le vote."},
            ),
            status="suspended",
            countries=["it", "TN"],
            topics=["voting rights", "detention"],
            started_on=date(2024, 3, 8),
        ),
    )
    trip = await roundtrip(session, uris, author, peer, obj)
    assert trip.parsed.kind == "struggle"
    assert trip.parsed.values == {
        "status": "suspended",
        "countries": ["IT", "TN"],
        "topics": ["voting_rights", "detention"],
        "started_on": date(2024, 3, 8),
    }
    assert_same_texts(trip)
    assert trip.stored is not None
    stored = await session.get(Struggle, trip.stored.id)
    assert columns(stored) == columns(await session.get(Struggle, obj.id))


def event_input(**changes: Any) -> EventInput:
    values: dict[str, Any] = {
        "texts": TextsInput(
            title={"es": "Asamblea migrante", "ar": "جمعية المهاجرين"},
            body={"es": "Abierta a **todas**."},
        ),
        "starts": datetime(2027, 12, 18, 15, 0),
        "ends": datetime(2027, 12, 18, 19, 30),
        "timezone": "America/Argentina/Buenos_Aires",
        "place": PlaceInput(
            name="Plaza de Mayo",
            street="Avenida Rivadavia 1",
            locality="Buenos Aires",
            region="CABA",
            postal_code="C1002",
            country="ar",
            latitude=-34.6083,
            longitude=-58.3712,
        ),
        "organizers": ["https://other.example/@red"],
    }
    values.update(changes)
    return EventInput(**values)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"place": None, "online_url": "https://meet.example/asamblea"},
        {"online_url": "https://meet.example/asamblea", "status": "tentative"},
        {
            "timezone": "Europe/Rome",
            "starts": datetime(2027, 7, 14, 18, 0),
            "ends": datetime(2027, 7, 15, 1, 0),
            "status": "cancelled",
        },
    ],
    ids=["place", "online", "hybrid", "summer-time-overnight"],
)
async def test_event(
    session: AsyncSession, uris: Uris, author: Actor, peer: Actor, changes: dict[str, Any]
) -> None:
    obj = await publish_event(session, uris, FED, author, event_input(**changes))
    local = await session.get(Event, obj.id)
    assert local is not None
    trip = await roundtrip(session, uris, author, peer, obj)
    assert trip.parsed.kind == "event"
    event = trip.parsed.values
    assert event is not None
    assert (event.start, event.end) == (local.starts_at, local.ends_at)
    assert event.timezone == local.timezone
    assert event.status == local.status
    assert trip.parsed.organizers == tuple(local.organizers)
    if local.place_name:
        (place,) = event.places
        assert (place.name, place.street, place.locality, place.region, place.postal_code) == (
            local.place_name,
            local.street,
            local.locality,
            local.region,
            local.postal_code,
        )
        assert place.country == local.country
        assert (place.latitude, place.longitude) == (local.latitude, local.longitude)
    else:
        assert event.places == ()
    assert event.online_urls == ((local.online_url,) if local.online_url else ())
    # Ours take comments and need not say so: Mobilizon reads an absent `commentsEnabled`
    # (and `repliesModerationOption`) as "allow_all", as we do.
    assert "commentsEnabled" not in trip.doc and "repliesModerationOption" not in trip.doc
    assert event.comments_enabled
    # The summary the content layer wrote for Mastodon (date, zone, place) comes back too.
    assert trip.parsed.obj.summary_map == obj.summary_map
    assert_same_texts(trip)
    assert trip.stored is not None
    stored = await session.get(Event, trip.stored.id)
    assert columns(stored, "organizers") == columns(local, "organizers")
    assert stored is not None
    assert stored.organizers == [moved(uris, item) for item in local.organizers]


async def test_resource_with_files_and_links(
    session: AsyncSession, uris: Uris, author: Actor, peer: Actor
) -> None:
    obj = await publish_resource(
        session,
        uris,
        FED,
        author,
        ResourceInput(
            texts=TextsInput(
                title={"en": "Know your rights", "ar": "اعرف حقوقك"},
                summary={"en": "A guide to asylum."},
                body={"en": "Read it *before* the interview."},
            ),
            kind="legal_aid",
            languages=["ar", "en"],
            topics=["asylum"],
            audience="People seeking asylum",
            links=[
                LinkInput(url="https://example.org/guide.pdf", name="PDF"),
                LinkInput(url="https://video.example/w/1"),
            ],
        ),
    )
    session.add(
        Media(
            public_id="m1",
            actor_id=author.id,
            object_id=obj.id,
            storage_key="a1/guide.pdf",
            media_type="application/pdf",
            size=1234,
            alt_text="The guide",
        )
    )
    await session.flush()
    trip = await roundtrip(session, uris, author, peer, obj)
    assert trip.parsed.kind == "resource"
    assert trip.parsed.values == {
        "resource_kind": "legal_aid",
        "languages": ["ar", "en"],
        "topics": ["asylum"],
        "audience": "People seeking asylum",
        "links": [
            {"url": "https://example.org/guide.pdf", "name": "PDF"},
            {"url": "https://video.example/w/1", "name": None},
        ],
    }
    (media,) = [a for a in trip.parsed.obj.attachments if a.type != "Link"]
    assert (media.url, media.media_type, media.name) == (
        uris.absolute("/media/a1/guide.pdf"),
        "application/pdf",
        "The guide",
    )
    assert_same_texts(trip)
    assert trip.stored is not None
    stored = await session.get(Resource, trip.stored.id)
    assert columns(stored) == columns(await session.get(Resource, obj.id))
    assert [a["type"] for a in trip.stored.attachments] == ["Document"]  # links are the row's


async def test_practice_linked_to_a_struggle(
    session: AsyncSession, uris: Uris, author: Actor, peer: Actor
) -> None:
    struggle = await publish_struggle(
        session,
        uris,
        FED,
        author,
        StruggleInput(texts=TextsInput(title={"fr": "CRA"}, body={"fr": "Fermeture des CRA."})),
    )
    struggle_trip = await roundtrip(session, uris, author, peer, struggle)
    obj = await publish_practice(
        session,
        uris,
        FED,
        author,
        PracticeInput(
            texts=TextsInput(title={"fr": "Victoire"}, body={"fr": "Le centre a fermé."}),
            outcome="victory",
            struggle_ap_id=struggle.ap_id,
        ),
    )
    trip = await roundtrip(session, uris, author, peer, obj)
    assert trip.parsed.kind == "practice"
    assert trip.parsed.values == {"outcome": "victory"}
    assert trip.parsed.struggle_ap_id == struggle.ap_id
    assert_same_texts(trip)
    assert trip.stored is not None and struggle_trip.stored is not None
    assert trip.stored.struggle_ap_id == struggle_trip.stored.ap_id
    row = await session.get(Practice, trip.stored.id)
    assert row is not None and row.outcome == "victory"


@pytest.mark.parametrize("kind", ["declaration", "struggle", "resource", "practice"])
async def test_federated_as_note_reads_back_the_same(
    session: AsyncSession, uris: Uris, author: Actor, peer: Actor, kind: str
) -> None:
    author.federate_as_note = True
    texts = TextsInput(
        title={"fr": "Titre & sous-titre", "en": "Title"},
        summary={"fr": "En bref.", "en": "In short."},
        body={"fr": "Le *texte*.", "en": "The text."},
    )
    if kind == "declaration":
        obj = await publish_declaration(session, uris, FED, author, DeclarationInput(texts=texts))
    elif kind == "struggle":
        obj = await publish_struggle(
            session, uris, FED, author, StruggleInput(texts=texts, countries=["MA"])
        )
    elif kind == "resource":
        obj = await publish_resource(
            session, uris, FED, author, ResourceInput(texts=texts, kind="poster")
        )
    else:
        obj = await publish_practice(
            session, uris, FED, author, PracticeInput(texts=texts, outcome="defeat")
        )
    trip = await roundtrip(session, uris, author, peer, obj)
    assert trip.doc["type"] == "Note"
    assert trip.parsed.kind == kind
    assert trip.parsed.obj.summary_map == obj.summary_map
    assert_same_texts(trip)


async def test_an_update_changes_the_peers_rows(
    session: AsyncSession, uris: Uris, author: Actor, peer: Actor
) -> None:
    obj = await publish_event(session, uris, FED, author, event_input())
    first = await roundtrip(session, uris, author, peer, obj)
    local = await session.get(Event, obj.id)
    assert local is not None
    local.starts_at = datetime(2027, 12, 19, 18, 0, tzinfo=UTC)
    local.ends_at = datetime(2027, 12, 19, 20, 0, tzinfo=UTC)
    await session.flush()
    second = await roundtrip(session, uris, author, peer, obj)
    assert first.stored is not None and second.stored is not None
    assert second.stored.id == first.stored.id
    rows = list(await session.scalars(select(Event).where(Event.object_id == first.stored.id)))
    assert [(r.starts_at, r.ends_at) for r in rows] == [(local.starts_at, local.ends_at)]


# -- objects of other servers -------------------------------------------------------------


def remote_doc(**fields: Any) -> dict[str, Any]:
    return {
        "id": f"{PEER}/objects/1",
        "type": "Note",
        "attributedTo": f"{PEER}/@tunis_migrants",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "name": "Titre",
        "content": "<p>Texte</p>",
        **fields,
    }


@pytest.mark.parametrize(
    ("type_", "kind"),
    [
        ("Note", "note"),
        ("Question", "note"),
        ("ChatMessage", "note"),
        ("Article", "article"),
        ("Page", "article"),
        ("Document", "resource"),
        ("Video", "resource"),
        ("Audio", "resource"),
    ],
)
def test_without_our_terms_the_type_gives_the_kind(type_: str, kind: str) -> None:
    parsed = ap_to_content(remote_doc(type=type_))
    assert parsed.kind == kind
    # only a resource has fields of its own without our terms (its kind, from the type)
    assert (parsed.values is not None) == (kind == "resource")


def test_an_event_without_start_time_is_not_an_event() -> None:
    parsed = ap_to_content(remote_doc(type="Note", kind="event"))
    assert parsed.kind == "note"
    assert parsed.values is None


def test_prefixed_terms_and_odd_values_are_read_tolerantly() -> None:
    parsed = ap_to_content(
        remote_doc(
            type="Page",
            **{
                "mn:kind": "Struggle",
                "mn:struggleStatus": "WON",
                "mn:countries": "tn",
                "https://migrantnet.org/ns#topics": ["asylum", 3, None, "asylum"],
                "mn:startedOn": "2024-03-08T00:00:00Z",
                "mn:struggle": {"type": "Link", "href": f"{PEER}/objects/0"},
            },
        )
    )
    assert parsed.kind == "struggle"
    assert parsed.values == {
        "status": "won",
        "countries": ["TN"],
        "topics": ["asylum"],
        "started_on": date(2024, 3, 8),
    }
    assert parsed.struggle_ap_id == f"{PEER}/objects/0"


def test_organizers_fep_8a8e() -> None:
    event = {"type": "Event", "startTime": "2027-01-01T10:00:00Z"}
    assert ap_to_content(remote_doc(**event)).organizers == (f"{PEER}/@tunis_migrants",)
    assert ap_to_content(remote_doc(**event, organizers=None)).organizers == ()
    paged = {"type": "OrderedCollection", "first": {"orderedItems": [f"{PEER}/@a"]}}
    assert ap_to_content(remote_doc(**event, organizers=paged)).organizers == (f"{PEER}/@a",)


async def test_unusable_values_are_dropped_when_stored(session: AsyncSession, peer: Actor) -> None:
    doc = remote_doc(
        type="Page",
        kind="struggle",
        struggleStatus="nonsense",
        countries=["ZZ", "fr", "Italia"],
        topics=["ok", "not a topic!!"],
    )
    stored = await store_remote_object(session, peer, to_remote_data(ap_to_content(doc), peer, NOW))
    assert stored is not None
    row = await session.get(Struggle, stored.id)
    assert row is not None
    assert (row.status, row.countries, row.topics) == ("ongoing", ["FR", "IT"], ["ok"])


async def test_a_remote_article_and_video(session: AsyncSession, peer: Actor) -> None:
    article = await store_remote_object(
        session, peer, to_remote_data(ap_to_content(remote_doc(type="Article")), peer, NOW)
    )
    assert article is not None and article.kind == "article"
    video_doc = remote_doc(id=f"{PEER}/videos/2", type="Video")
    video = await store_remote_object(
        session, peer, to_remote_data(ap_to_content(video_doc), peer, NOW)
    )
    assert video is not None and video.kind == "resource"
    row = await session.get(Resource, video.id)
    assert row is not None and row.resource_kind == "video"
