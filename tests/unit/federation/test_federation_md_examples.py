"""The JSON examples of FEDERATION.md, "Content types", are what we send and what we read."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from migrantnet.federation.context import OBJECT_CONTEXT
from migrantnet.federation.parse.content import ParsedContent, ap_to_content

FEDERATION_MD = Path(__file__).resolve().parents[3] / "FEDERATION.md"
AS_TERMS = {
    "id", "type", "url", "attributedTo", "published", "updated", "to", "cc", "name", "nameMap",
    "summary", "summaryMap", "content", "contentMap", "mediaType", "tag", "attachment",
    "replies", "inReplyTo", "startTime", "endTime", "location",
}  # fmt: skip


def json_blocks() -> list[Any]:
    text = FEDERATION_MD.read_text(encoding="utf-8")
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", text, re.DOTALL)]


def examples() -> list[dict[str, Any]]:
    return [block for block in json_blocks() if "type" in block]


def by_id(suffix: str, type_: str) -> tuple[dict[str, Any], ParsedContent]:
    (doc,) = [d for d in examples() if d["id"].endswith(suffix) and d["type"] == type_]
    return doc, ap_to_content(doc)


def test_the_documented_context_is_the_one_we_send() -> None:
    (context,) = [block for block in json_blocks() if "@context" in block]
    assert context["@context"] == OBJECT_CONTEXT


def test_there_is_an_example_of_every_kind() -> None:
    kinds = {(doc["type"], doc["kind"]) for doc in examples()}
    assert kinds == {
        ("Event", "event"),
        ("Article", "declaration"),
        ("Page", "struggle"),
        ("Page", "resource"),
        ("Article", "practice"),
        ("Note", "note"),
        ("Note", "declaration"),
    }


@pytest.mark.parametrize("doc", examples(), ids=lambda d: f"{d['type']}-{d['kind']}")
def test_every_example_reads_back_as_its_kind(doc: dict[str, Any]) -> None:
    parsed = ap_to_content(doc)
    assert parsed.kind == doc["kind"]
    assert parsed.obj.attributed_to == doc["attributedTo"]
    assert parsed.obj.is_public
    terms = OBJECT_CONTEXT[1]
    assert [key for key in doc if key not in AS_TERMS and key.split(":")[0] not in terms] == []
    if doc["type"] != "Note":
        assert doc["summary"] and doc["name"] and doc["url"] == doc["id"]


def test_event_example() -> None:
    _, parsed = by_id("/7f3a", "Event")
    event = parsed.values
    assert event is not None
    assert event.start == datetime(2027, 12, 18, 18, 0, tzinfo=UTC)  # 15:00 at UTC-3
    assert event.end == datetime(2027, 12, 18, 22, 0, tzinfo=UTC)
    assert event.timezone == "America/Argentina/Buenos_Aires"
    assert event.status == "confirmed"
    (place,) = event.places
    assert (place.name, place.street, place.locality, place.country) == (
        "Plaza de Mayo",
        "Avenida Rivadavia 1",
        "Buenos Aires",
        "AR",
    )
    assert (place.latitude, place.longitude) == (-34.6083, -58.3712)
    assert event.online_urls == ("https://meet.example/asamblea",)
    assert event.join_mode == "external"
    assert event.category == "MOVEMENTS_POLITICS"
    assert parsed.organizers == ("https://migrants.example/@tunis_migrants",)
    assert set(parsed.obj.summary_map) == {"es", "fr"}
    assert "Plaza de Mayo" in parsed.obj.summary_map["es"]


def test_recurring_event_example() -> None:
    _, parsed = by_id("/desk", "Event")
    event = parsed.values
    assert event is not None
    assert event.rrule == "FREQ=WEEKLY;COUNT=4"
    assert event.exdates == (datetime(2030, 4, 2, 16, 0, tzinfo=UTC),)
    assert event.moved == (
        (
            datetime(2030, 4, 9, 16, 0, tzinfo=UTC),
            datetime(2030, 4, 10, 17, 0, tzinfo=UTC),
            datetime(2030, 4, 10, 19, 0, tzinfo=UTC),
        ),
    )


def test_declaration_example() -> None:
    _, parsed = by_id("/d41c", "Article")
    assert parsed.values == {"adopted_on": date(2027, 12, 18), "adopted_at_place": "Tunis"}
    assert parsed.signatories == ("https://red.example/@red_migrante",)
    assert set(parsed.obj.content_map) == {"fr", "ar"}
    assert parsed.obj.primary_language == "fr"


def test_struggle_example() -> None:
    _, parsed = by_id("/5b20", "Page")
    assert parsed.values == {
        "status": "ongoing",
        "countries": ["TN", "IT"],
        "topics": ["detention"],
        "started_on": date(2024, 3, 8),
    }
    assert [tag.name for tag in parsed.obj.tags] == ["#detention"]


def test_resource_example() -> None:
    _, parsed = by_id("/9e77", "Page")
    assert parsed.values == {
        "resource_kind": "legal_aid",
        "languages": ["ar", "en"],
        "topics": ["asylum"],
        "audience": "People seeking asylum",
        "links": [{"url": "https://video.example/w/1", "name": "The guide as a video"}],
    }
    assert parsed.obj.attachments[0].url == "https://migrants.example/media/2f/9c/guide.pdf"
    assert parsed.obj.name_map == {"ar": "اعرف حقوقك", "en": "Know your rights"}


def test_practice_example() -> None:
    _, parsed = by_id("/c0de", "Article")
    assert parsed.values == {"outcome": "victory"}
    assert parsed.struggle_ap_id == "https://migrants.example/@tunis_migrants/objects/5b20"


def test_note_example() -> None:
    _, parsed = by_id("/1a2b", "Note")
    assert parsed.kind == "note"
    assert parsed.struggle_ap_id == "https://migrants.example/@tunis_migrants/objects/5b20"
    assert parsed.obj.summary_map == {}


def test_declaration_as_note_example() -> None:
    doc, parsed = by_id("/d41c", "Note")
    assert "summary" not in doc
    assert doc["content"].startswith("<p><strong>Déclaration de Tunis</strong></p>")
    assert parsed.kind == "declaration"
    assert parsed.obj.content_map == {"fr": "<p>Nous, associations de migrantes et migrants…</p>"}
    assert parsed.obj.summary_map == {
        "fr": "Les associations réunies à Tunis demandent la régularisation de toutes et tous."
    }
