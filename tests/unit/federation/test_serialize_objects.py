"""`object_to_ap`, kind by kind: the shape peers read, and what Mastodon shows of it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from migrantnet.content.details import ObjectDetails
from migrantnet.federation.context import OBJECT_CONTEXT, PUBLIC
from migrantnet.federation.parse.content import ap_to_content
from migrantnet.federation.serialize.objects import excerpt_of, object_to_ap
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

URIS = Uris("https://node.example")
ACTOR_ID = "https://node.example/@tunis_migrants"
OBJECT_ID = f"{ACTOR_ID}/objects/abc"
PUBLISHED = datetime(2027, 11, 2, 9, 30, tzinfo=UTC)
AP_TYPES = {
    "note": "Note",
    "declaration": "Article",
    "struggle": "Page",
    "event": "Event",
    "resource": "Page",
    "practice": "Article",
}
BODY_FR = "<p>Nous demandons la régularisation de toutes et tous.</p><p>Deuxième paragraphe.</p>"


def actor(**changes: Any) -> Actor:
    values: dict[str, Any] = {
        "id": 1,
        "ap_id": ACTOR_ID,
        "type": "Organization",
        "local": True,
        "slug": "tunis_migrants",
        "username": "tunis_migrants",
        "domain": "node.example",
        "inbox_url": f"{ACTOR_ID}/inbox",
        "followers_url": f"{ACTOR_ID}/followers",
        "federate_as_note": False,
    }
    values.update(changes)
    return Actor(**values)


def content_object(kind: str, **changes: Any) -> ContentObject:
    values: dict[str, Any] = {
        "id": 7,
        "ap_id": OBJECT_ID,
        "type": AP_TYPES[kind],
        "kind": kind,
        "actor_id": 1,
        "local": True,
        "visibility": "public",
        "url": OBJECT_ID,
        "primary_language": "fr",
        "name_map": {"fr": "Déclaration de Tunis", "ar": "إعلان تونس"},
        "summary_map": {"fr": "Pour la régularisation.", "ar": "من أجل التسوية."},
        "content_map": {"fr": BODY_FR, "ar": "<p>نطالب بتسوية أوضاع الجميع.</p>"},
        "sensitive": False,
        "tags": [],
        "attachments": [],
        "extra": {},
        "published_at": PUBLISHED,
        "updated_at": None,
        "in_reply_to": None,
        "struggle_ap_id": None,
    }
    if kind == "note":
        values.update(name_map={}, summary_map={}, content_map={"fr": "<p>Rassemblement!</p>"})
    values.update(changes)
    return ContentObject(**values)


def buenos_aires_event(**changes: Any) -> Event:
    values: dict[str, Any] = {
        "object_id": 7,
        "starts_at": datetime(2027, 12, 18, 18, 0, tzinfo=UTC),
        "ends_at": datetime(2027, 12, 18, 22, 0, tzinfo=UTC),
        "timezone": "America/Argentina/Buenos_Aires",
        "status": "confirmed",
        "place_name": "Plaza de Mayo",
        "street": "Avenida Rivadavia 1",
        "locality": "Buenos Aires",
        "region": "CABA",
        "postal_code": "C1002",
        "country": "AR",
        "latitude": -34.6083,
        "longitude": -58.3712,
        "online_url": None,
        "organizers": [ACTOR_ID, "https://peer.example/@red_migrante"],
    }
    values.update(changes)
    return Event(**values)


def details(kind: str, *, who: Actor | None = None, **parts: Any) -> ObjectDetails:
    obj = parts.pop("obj", None) or content_object(kind)
    row = parts.pop(kind, None)  # the kind's row, passed by the kind's name
    return ObjectDetails(obj=obj, actor=who or actor(), row=row, **parts)


def serialise(d: ObjectDetails) -> dict[str, Any]:
    return object_to_ap(d, URIS)


# -- common to every kind --------------------------------------------------------------


def every_kind() -> list[ObjectDetails]:
    return [
        details("note"),
        details("declaration", declaration=Declaration(object_id=7)),
        details(
            "struggle",
            struggle=Struggle(object_id=7, status="ongoing", countries=["TN"], topics=[]),
        ),
        details("event", event=buenos_aires_event()),
        details(
            "resource",
            resource=Resource(
                object_id=7, resource_kind="guide", languages=["fr"], topics=[], links=[]
            ),
        ),
        details("practice", practice=Practice(object_id=7, outcome="victory")),
    ]


@pytest.mark.parametrize("d", every_kind(), ids=lambda d: d.obj.kind)
def test_common_fields(d: ObjectDetails) -> None:
    doc = serialise(d)
    assert doc["@context"] == OBJECT_CONTEXT
    assert doc["id"] == doc["url"] == OBJECT_ID
    assert doc["type"] == AP_TYPES[d.obj.kind]
    assert doc["kind"] == d.obj.kind
    assert doc["attributedTo"] == ACTOR_ID
    assert doc["published"] == "2027-11-02T09:30:00Z"
    assert doc["to"] == [PUBLIC]
    assert doc["cc"] == [f"{ACTOR_ID}/followers"]
    assert doc["mediaType"] == "text/html"
    assert doc["sensitive"] is False
    assert doc["replies"] == {
        "id": f"{OBJECT_ID}/replies",
        "type": "OrderedCollection",
        "first": f"{OBJECT_ID}/replies?page=true",
    }
    assert isinstance(doc["tag"], list)
    assert isinstance(doc["attachment"], list)
    assert doc["content"]


@pytest.mark.parametrize("d", every_kind()[1:], ids=lambda d: d.obj.kind)
def test_long_form_kinds_carry_name_summary_and_content_in_every_language(
    d: ObjectDetails,
) -> None:
    doc = serialise(d)
    assert doc["name"] == "Déclaration de Tunis"
    assert doc["nameMap"] == {"fr": "Déclaration de Tunis", "ar": "إعلان تونس"}
    assert doc["summary"] == "Pour la régularisation."
    assert set(doc["summaryMap"]) == {"fr", "ar"}
    assert doc["content"] == BODY_FR
    assert set(doc["contentMap"]) == {"fr", "ar"}


@pytest.mark.parametrize("kind", ["declaration", "struggle", "resource", "practice"])
def test_without_an_author_summary_mastodon_still_gets_the_opening_of_the_text(
    kind: str,
) -> None:
    obj = content_object(kind, summary_map={})
    doc = serialise(details(kind, obj=obj))
    # Mastodon shows an Article or Page as title + summary + link: never an empty summary.
    assert doc["summaryMap"] == {
        "fr": "Nous demandons la régularisation de toutes et tous.",
        "ar": "نطالب بتسوية أوضاع الجميع.",
    }


def test_a_resource_with_only_a_title_is_summed_up_by_its_links() -> None:
    obj = content_object("resource", summary_map={}, content_map={}, name_map={"en": "Guide"})
    row = Resource(
        object_id=7,
        resource_kind="guide",
        languages=[],
        topics=[],
        links=[{"url": "https://x.example/g.pdf", "name": "PDF"}, {"url": "https://y.example/v"}],
    )
    doc = serialise(details("resource", obj=obj, resource=row))
    assert doc["summary"] == "PDF: https://x.example/g.pdf · https://y.example/v"
    assert doc["content"] == ""


def test_without_body_summary_or_links_the_title_is_the_summary() -> None:
    obj = content_object("declaration", summary_map={}, content_map={}, name_map={"fr": "Titre"})
    assert serialise(details("declaration", obj=obj))["summaryMap"] == {"fr": "Titre"}


def test_a_long_excerpt_is_cut_on_a_word() -> None:
    text = "<p>" + "régularisation " * 40 + "</p>"
    excerpt = excerpt_of(text)
    assert len(excerpt) <= 281
    assert excerpt.endswith("régularisation…")


def test_note_has_no_summary_so_mastodon_shows_no_content_warning() -> None:
    doc = serialise(details("note"))
    assert doc["type"] == "Note"
    assert "summary" not in doc
    assert "name" not in doc
    assert doc["content"] == "<p>Rassemblement!</p>"
    assert doc["contentMap"] == {"fr": "<p>Rassemblement!</p>"}


@pytest.mark.parametrize(
    ("visibility", "to", "cc"),
    [
        ("public", [PUBLIC], [f"{ACTOR_ID}/followers"]),
        ("unlisted", [f"{ACTOR_ID}/followers"], [PUBLIC]),
        ("followers", [f"{ACTOR_ID}/followers"], []),
    ],
)
def test_addressing(visibility: str, to: list[str], cc: list[str]) -> None:
    doc = serialise(details("note", obj=content_object("note", visibility=visibility)))
    assert (doc["to"], doc["cc"]) == (to, cc)


def test_updated_reply_and_struggle_link() -> None:
    obj = content_object(
        "note",
        updated_at=datetime(2027, 11, 3, 10, 0, tzinfo=UTC),
        in_reply_to="https://peer.example/notes/1",
        struggle_ap_id=f"{ACTOR_ID}/objects/struggle",
    )
    doc = serialise(details("note", obj=obj))
    assert doc["updated"] == "2027-11-03T10:00:00Z"
    assert doc["inReplyTo"] == "https://peer.example/notes/1"
    assert doc["struggle"] == f"{ACTOR_ID}/objects/struggle"


def test_media_become_attachments_served_under_media() -> None:
    media = [
        Media(
            storage_key="ab/cd/poster.webp",
            media_type="image/webp",
            size=1000,
            width=1200,
            height=800,
            alt_text="Affiche de la marche du 18 décembre",
        ),
        Media(storage_key="ef/gh/guide.pdf", media_type="application/pdf", size=5000),
    ]
    doc = serialise(details("note", media=media))
    assert doc["attachment"] == [
        {
            "type": "Image",
            "mediaType": "image/webp",
            "url": "https://node.example/media/ab/cd/poster.webp",
            "name": "Affiche de la marche du 18 décembre",
            "width": 1200,
            "height": 800,
        },
        {
            "type": "Document",
            "mediaType": "application/pdf",
            "url": "https://node.example/media/ef/gh/guide.pdf",
        },
    ]


def test_mentions_and_hashtags_kept_topics_become_hashtags() -> None:
    obj = content_object(
        "struggle",
        tags=[
            {"type": "Mention", "name": "@red@peer.example", "href": "https://peer.example/@red"},
            {"type": "Hashtag", "name": "#asylum", "href": "https://node.example/tags/asylum"},
            {"type": "Emoji", "name": ":x:", "href": "https://node.example/x.png"},
        ],
    )
    row = Struggle(object_id=7, status="ongoing", countries=[], topics=["asylum", "detention"])
    doc = serialise(details("struggle", obj=obj, struggle=row))
    assert doc["tag"] == [
        {"type": "Mention", "href": "https://peer.example/@red", "name": "@red@peer.example"},
        {"type": "Hashtag", "href": "https://node.example/tags/asylum", "name": "#asylum"},
        {"type": "Hashtag", "href": "https://node.example/tags/detention", "name": "#detention"},
    ]


# -- kinds --------------------------------------------------------------------------------


def test_declaration_is_an_article_with_its_signatories() -> None:
    signers = [
        actor(id=2, ap_id="https://peer.example/@red_migrante"),
        actor(id=3, ap_id="https://node.example/@bologna"),
    ]
    row = Declaration(object_id=7, adopted_on=date(2027, 12, 18), adopted_at_place="Tunis")
    doc = serialise(details("declaration", declaration=row, signatories=signers))
    assert doc["type"] == "Article"
    assert doc["adoptedOn"] == "2027-12-18"
    assert doc["adoptedAt"] == "Tunis"
    assert doc["signatories"] == {
        "id": f"{OBJECT_ID}/signatories",
        "type": "Collection",
        "totalItems": 2,
        "items": ["https://peer.example/@red_migrante", "https://node.example/@bologna"],
    }


def test_struggle_is_a_page_with_status_countries_and_topics() -> None:
    row = Struggle(
        object_id=7,
        status="won",
        countries=["IT", "TN"],
        topics=["regularisation"],
        started_on=date(2025, 1, 15),
    )
    doc = serialise(details("struggle", struggle=row))
    assert doc["type"] == "Page"
    assert doc["struggleStatus"] == "won"
    assert doc["countries"] == ["IT", "TN"]
    assert doc["topics"] == ["regularisation"]
    assert doc["startedOn"] == "2025-01-15"


def test_resource_with_its_files_and_links() -> None:
    row = Resource(
        object_id=7,
        resource_kind="legal_aid",
        languages=["fr", "ar"],
        topics=["asylum"],
        audience="Demandeurs d'asile",
        links=[
            {"url": "https://peer.example/guide", "name": "Le guide en ligne"},
            {"url": "https://video.example/w/1", "name": None},
        ],
    )
    pdf = Media(storage_key="k/guide.pdf", media_type="application/pdf", size=1)
    doc = serialise(details("resource", resource=row, media=[pdf]))
    assert doc["type"] == "Page"
    assert doc["resourceKind"] == "legal_aid"
    assert doc["languages"] == ["fr", "ar"]
    assert doc["topics"] == ["asylum"]
    assert doc["resourceAudience"] == "Demandeurs d'asile"
    assert "audience" not in doc  # ActivityStreams' own term (FEP-1b12), left alone
    assert doc["attachment"] == [
        {
            "type": "Document",
            "mediaType": "application/pdf",
            "url": "https://node.example/media/k/guide.pdf",
        },
        {
            "type": "Link",
            "href": "https://peer.example/guide",
            "mediaType": "text/html",
            "name": "Le guide en ligne",
        },
        {"type": "Link", "href": "https://video.example/w/1", "mediaType": "text/html"},
    ]


def test_practice_is_an_article_with_its_outcome_and_struggle() -> None:
    obj = content_object("practice", struggle_ap_id=f"{ACTOR_ID}/objects/s1")
    doc = serialise(details("practice", obj=obj, practice=Practice(object_id=7, outcome="defeat")))
    assert doc["type"] == "Article"
    assert doc["outcome"] == "defeat"
    assert doc["struggle"] == f"{ACTOR_ID}/objects/s1"


# -- events -------------------------------------------------------------------------------


def test_event_times_are_written_in_the_events_own_offset() -> None:
    doc = serialise(details("event", event=buenos_aires_event()))
    assert doc["type"] == "Event"
    assert doc["startTime"] == "2027-12-18T15:00:00-03:00"
    assert doc["endTime"] == "2027-12-18T19:00:00-03:00"
    assert doc["timezone"] == "America/Argentina/Buenos_Aires"


@pytest.mark.parametrize(
    ("starts", "expected"),
    [
        (datetime(2027, 7, 14, 16, 0, tzinfo=UTC), "2027-07-14T18:00:00+02:00"),  # summer time
        (datetime(2027, 12, 18, 17, 0, tzinfo=UTC), "2027-12-18T18:00:00+01:00"),
    ],
)
def test_event_offset_follows_daylight_saving_time(starts: datetime, expected: str) -> None:
    event = buenos_aires_event(
        timezone="Europe/Paris", starts_at=starts, ends_at=starts.replace(hour=23)
    )
    assert serialise(details("event", event=event))["startTime"] == expected


def test_event_with_a_place() -> None:
    doc = serialise(details("event", event=buenos_aires_event()))
    assert doc["location"] == {
        "type": "Place",
        "name": "Plaza de Mayo",
        "address": {
            "type": "PostalAddress",
            "streetAddress": "Avenida Rivadavia 1",
            "addressLocality": "Buenos Aires",
            "addressRegion": "CABA",
            "postalCode": "C1002",
            "addressCountry": "AR",
        },
        "latitude": -34.6083,
        "longitude": -58.3712,
    }
    assert doc["isOnline"] is False
    assert doc["joinMode"] == "free"
    assert "externalParticipationUrl" not in doc
    assert doc["category"] == "MOVEMENTS_POLITICS"
    assert doc["eventStatus"] == "EventScheduled"
    assert doc["ical:status"] == "CONFIRMED"
    assert doc["organizers"] == {
        "type": "Collection",
        "totalItems": 2,
        "items": [ACTOR_ID, "https://peer.example/@red_migrante"],
    }
    # Mastodon shows title + summary: the summary the content layer wrote with date and place.
    assert doc["summary"] == "Pour la régularisation."


def test_online_event_has_a_virtual_location_and_external_participation() -> None:
    event = buenos_aires_event(
        place_name=None,
        street=None,
        locality=None,
        region=None,
        postal_code=None,
        country=None,
        latitude=None,
        longitude=None,
        online_url="https://meet.example/assemblea",
    )
    doc = serialise(details("event", event=event))
    assert doc["location"] == {
        "type": "VirtualLocation",
        "name": "https://meet.example/assemblea",
        "url": "https://meet.example/assemblea",
    }
    assert doc["isOnline"] is True
    assert doc["joinMode"] == "external"
    assert doc["externalParticipationUrl"] == "https://meet.example/assemblea"
    # Mobilizon reads the online address from a Link named "Website".
    assert {
        "type": "Link",
        "name": "Website",
        "mediaType": "text/html",
        "href": "https://meet.example/assemblea",
    } in doc["attachment"]


def test_hybrid_event_has_both_locations_place_first() -> None:
    event = buenos_aires_event(online_url="https://meet.example/assemblea")
    doc = serialise(details("event", event=event))
    assert [item["type"] for item in doc["location"]] == ["Place", "VirtualLocation"]
    assert doc["isOnline"] is False


@pytest.mark.parametrize(
    ("status", "schema", "ical"),
    [("tentative", "EventTentative", "TENTATIVE"), ("cancelled", "EventCancelled", "CANCELLED")],
)
def test_event_status(status: str, schema: str, ical: str) -> None:
    doc = serialise(details("event", event=buenos_aires_event(status=status)))
    assert (doc["eventStatus"], doc["ical:status"]) == (schema, ical)


def test_place_with_only_a_name() -> None:
    event = buenos_aires_event(
        street=None, locality=None, region=None, postal_code=None, country=None
    )
    event.latitude = event.longitude = None
    doc = serialise(details("event", event=event))
    assert doc["location"] == {"type": "Place", "name": "Plaza de Mayo"}


# -- federate_as_note ---------------------------------------------------------------------


@pytest.mark.parametrize("d", every_kind()[1:], ids=lambda d: d.obj.kind)
def test_federate_as_note(d: ObjectDetails) -> None:
    d.actor = actor(federate_as_note=True)
    doc = serialise(d)
    if d.obj.kind == "event":
        assert doc["type"] == "Event"  # agendas need Events; Mastodon shows date and place
        return
    assert doc["type"] == "Note"
    assert doc["kind"] == d.obj.kind
    # Mastodon shows a Note's content in full: title, summary, then the body.
    assert doc["content"] == (
        "<p><strong>Déclaration de Tunis</strong></p>"
        '<p><span class="p-summary">Pour la régularisation.</span></p>' + BODY_FR
    )
    assert doc["contentMap"]["ar"].startswith("<p><strong>إعلان تونس</strong></p>")
    # A Note's summary is a content warning on Mastodon: it is in the content instead.
    assert "summary" not in doc
    assert "summaryMap" not in doc
    assert doc["name"] == "Déclaration de Tunis"


def test_federate_as_note_keeps_the_extension_fields() -> None:
    row = Struggle(object_id=7, status="lost", countries=["FR"], topics=["housing"])
    doc = serialise(details("struggle", who=actor(federate_as_note=True), struggle=row))
    assert (doc["struggleStatus"], doc["countries"], doc["topics"]) == ("lost", ["FR"], ["housing"])


def test_federate_as_note_leaves_short_notes_alone() -> None:
    doc = serialise(details("note", who=actor(federate_as_note=True)))
    assert doc["content"] == "<p>Rassemblement!</p>"


def test_title_and_summary_are_escaped_in_the_note_form() -> None:
    obj = content_object(
        "declaration", name_map={"fr": "Droits & <papiers>"}, summary_map={"fr": "a < b"}
    )
    doc = serialise(details("declaration", who=actor(federate_as_note=True), obj=obj))
    assert doc["content"].startswith(
        '<p><strong>Droits &amp; &lt;papiers&gt;</strong></p><p><span class="p-summary">a &lt; b'
    )


def test_note_form_reads_back_as_the_original_texts() -> None:
    doc = serialise(
        details(
            "declaration", who=actor(federate_as_note=True), declaration=Declaration(object_id=7)
        )
    )
    parsed = ap_to_content(doc)
    assert parsed.kind == "declaration"
    assert parsed.obj.content_map == {"fr": BODY_FR, "ar": "<p>نطالب بتسوية أوضاع الجميع.</p>"}
    assert parsed.obj.summary_map == {"fr": "Pour la régularisation.", "ar": "من أجل التسوية."}


# -- the context declares what we send ----------------------------------------------------

AS_TERMS = {
    "@context", "id", "type", "url", "attributedTo", "published", "updated", "to", "cc",
    "name", "nameMap", "summary", "summaryMap", "content", "contentMap", "mediaType", "tag",
    "attachment", "replies", "inReplyTo", "startTime", "endTime", "location", "sensitive",
}  # fmt: skip


@pytest.mark.parametrize("d", every_kind(), ids=lambda d: d.obj.kind)
def test_every_term_we_send_is_activitystreams_or_declared(d: ObjectDetails) -> None:
    doc = serialise(d)
    terms = doc["@context"][1]
    for key in doc:
        prefix = key.split(":", 1)[0] if ":" in key else None
        assert key in AS_TERMS or key in terms or prefix in terms, key
    assert terms["mn"] == "https://migrantnet.org/ns#"
