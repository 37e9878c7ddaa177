"""Choosing the interface language, and dates written in it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from migrantnet.translations import use_language
from migrantnet.web.interface_language import (
    choose_language,
    day_in_interface,
    moment_in_interface,
    supported,
)


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "chosen"),
    [
        ("ar", "fr", "es", "ar"),  # ?lang= first
        (None, "fr", "es", "fr"),  # then the cookie
        ("pt", "it", "es", "it"),  # a language we do not speak is passed over
        (None, None, "de, es-MX;q=0.8, fr;q=0.5", "es"),  # then Accept-Language, by q
        (None, "zz", "pt-BR", "en"),  # then English
        ("<script>", "%%%", "", "en"),
    ],
)
def test_choose_language(query: str | None, cookie: str | None, accept: str, chosen: str) -> None:
    assert choose_language(query, cookie, accept) == chosen


def test_regional_tags_map_to_their_language() -> None:
    assert supported("fr-CA") == "fr"
    assert supported("AR_tn") == "ar"
    assert supported("eng") is None


def test_dates_are_written_in_the_interface_language() -> None:
    moment = datetime(2026, 12, 2, 18, 5, tzinfo=UTC)
    with use_language("fr"):
        assert day_in_interface(date(2026, 3, 1)) == "1 mars 2026"
        assert moment_in_interface(moment) == "2 déc. 2026, 18:05 UTC"
    with use_language("ar"):
        assert "ديسمبر" in day_in_interface(moment)
        assert "مارس" in day_in_interface(date(2026, 3, 1))
    with use_language("es"):
        assert day_in_interface(moment.replace(tzinfo=None)) == "2 de diciembre de 2026"
    assert moment_in_interface(moment.replace(tzinfo=None)) == "2 Dec 2026, 18:05 UTC"


def test_form_errors_are_in_the_interface_language() -> None:
    from pydantic import BaseModel, Field, ValidationError

    from migrantnet.web.form_fields import validation_errors

    class Body(BaseModel):
        title: str = Field(max_length=5)
        starts: datetime
        count: int

    def errors() -> dict[str, str]:
        try:
            Body.model_validate({"title": "far too long", "starts": "soon"})
        except ValidationError as exc:
            return validation_errors(exc)
        raise AssertionError("the body should be refused")

    assert errors() == {
        "title": "At most 5 characters.",
        "starts": "This is not a date and time.",
        "count": "This is required.",
    }
    with use_language("fr"):
        assert errors() == {
            "title": "Au plus 5 caractères.",
            "starts": "Ce n'est pas une date et une heure.",
            "count": "Ce champ est obligatoire.",
        }
    with use_language("ar"):
        assert errors()["count"] == "هذا الحقل إلزامي."
