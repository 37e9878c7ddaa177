from __future__ import annotations

from starlette.datastructures import FormData

from migrantnet.web.api.schemas import EventIn, ResourceIn, StruggleIn
from migrantnet.web.form_fields import field_values, fields_of, values_for_form


def test_fields_come_from_the_api_model() -> None:
    fields = {f.name: f for f in fields_of(EventIn)}
    assert fields["starts"].widget == "datetime" and fields["starts"].required
    assert fields["status"].widget == "select" and "tentative" in fields["status"].options
    assert [c.name for c in fields["place"].children][:2] == ["place.name", "place.street"]
    assert "texts" not in fields and "media_ids" not in fields and "visibility" not in fields
    assert {f.name: f.widget for f in fields_of(ResourceIn)}["links"] == "lines"


def test_a_form_becomes_the_api_body_and_back() -> None:
    form = FormData(
        [
            ("countries", "TN, IT,\nFR"),
            ("topics", ""),
            ("started_on", "2026-01-02"),
            ("status", "won"),
        ]
    )
    body = field_values(fields_of(StruggleIn), form)
    assert body == {
        "countries": ["TN", "IT", "FR"],
        "topics": [],
        "started_on": "2026-01-02",
        "status": "won",
    }
    shown = values_for_form(fields_of(StruggleIn), body)
    assert shown["countries"] == "TN, IT, FR" and shown["status"] == "won"

    links = field_values(
        fields_of(ResourceIn),
        FormData([("links", "https://a.example/x Guide in Arabic\nhttps://b.example")]),
    )["links"]
    assert links == [
        {"url": "https://a.example/x", "name": "Guide in Arabic"},
        {"url": "https://b.example"},
    ]
    place = field_values(
        fields_of(EventIn), FormData([("place.name", "Plaza"), ("place.street", "")])
    )
    assert place["place"] == {"name": "Plaza"}
    assert "place" not in field_values(fields_of(EventIn), FormData([("place.name", " ")]))
