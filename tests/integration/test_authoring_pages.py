"""Writing in the browser: forms built from the API's models, preview, languages, errors kept."""

from __future__ import annotations

import io

import httpx
import pytest
from browser_forms import HTML, csrf_of
from PIL import Image
from sqlalchemy import select

from migrantnet.db import Database
from migrantnet.models import Actor, ContentObject, Event, Media

ADMIN = "admin@node-a.test"
PASSWORD = "correct horse battery"
NEW = "/admin/tunis_migrants/new"


async def post_form(
    client: httpx.AsyncClient, page: str, data: dict[str, str], files: dict | None = None
) -> httpx.Response:
    token = csrf_of((await client.get(page, headers=HTML)).text)
    return await client.post(
        page, data={**data, "csrf_token": token}, files=files or {"file": ("", b"")}, headers=HTML
    )


async def test_a_declaration_in_two_languages_previewed_then_published(
    editor: httpx.AsyncClient, db: Database
) -> None:
    page = await editor.get(f"{NEW}/declaration", headers=HTML)
    assert page.status_code == 200
    assert 'name="title.en"' in page.text and 'name="adopted_on"' in page.text
    english = {
        "languages": "en",
        "title.en": "For the right to stay",
        "body.en": "We ask for **papers** for all.",
        "adopted_on": "2026-11-20",
    }
    added = await post_form(
        editor, f"{NEW}/declaration", {**english, "action": "add_language", "new_language": "ar"}
    )
    assert added.status_code == 200
    assert 'name="title.ar"' in added.text and 'dir="rtl"' in added.text
    assert 'value="For the right to stay"' in added.text  # nothing typed is lost
    both = {
        **english,
        "languages": "en,ar",
        "title.ar": "من أجل الحق في البقاء",
        "body.ar": "نطالب **بالأوراق** للجميع.",
        "primary_language": "en",
    }
    preview = await post_form(editor, f"{NEW}/declaration", {**both, "action": "preview"})
    assert preview.status_code == 200
    assert "<strong>papers</strong>" in preview.text and "<strong>بالأوراق</strong>" in preview.text
    async with db.session() as session:
        assert list(await session.scalars(select(ContentObject))) == []

    published = await post_form(editor, f"{NEW}/declaration", {**both, "action": "publish"})
    assert published.status_code == 303, published.text
    assert published.headers["location"].startswith("/admin/tunis_migrants/content?done=published")
    async with db.session() as session:
        obj = (await session.scalars(select(ContentObject))).one()
    assert obj.name_map == {"en": "For the right to stay", "ar": "من أجل الحق في البقاء"}
    assert obj.primary_language == "en"
    public = await editor.get(obj.url, headers=HTML)
    assert public.status_code == 200 and "For the right to stay" in public.text
    listed = await editor.get(published.headers["location"], headers=HTML)
    assert "For the right to stay" in listed.text and "Published." in listed.text


async def test_a_form_error_comes_back_beside_the_field_with_the_input_escaped(
    editor: httpx.AsyncClient, db: Database
) -> None:
    response = await post_form(
        editor,
        f"{NEW}/declaration",
        {
            "languages": "en",
            "title.en": "<script>alert(1)</script>",
            "body.en": "",
            "action": "publish",
        },
    )
    assert response.status_code == 422
    assert 'id="e-body"' in response.text and "must not be empty" in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)</script>" not in response.text
    async with db.session() as session:
        assert list(await session.scalars(select(ContentObject))) == []


EVENT = {
    "languages": "en",
    "title.en": "Assembly",
    "starts": "2027-12-18T15:00",
    "ends": "2027-12-18T18:00",
    "timezone": "America/Argentina/Buenos_Aires",
    "place.name": "Plaza de Mayo",
    "place.locality": "Buenos Aires",
    "place.country": "AR",
}


async def test_an_event_shows_its_time_in_words_before_publishing(
    editor: httpx.AsyncClient, db: Database, association: Actor
) -> None:
    page = await editor.get(f"{NEW}/event", headers=HTML)
    assert (
        'list="zones"' in page.text
        and '<option value="America/Argentina/Buenos_Aires">' in page.text
    )
    assert 'name="timezone" type="text" value="UTC"' in page.text  # the association's default
    preview = await post_form(editor, f"{NEW}/event", {**EVENT, "action": "preview"})
    assert preview.status_code == 200
    assert (
        "Saturday 18 December 2027, 15:00 – 18:00 (America/Argentina/Buenos_Aires)" in preview.text
    )
    assert "18:00 – 21:00 (UTC)" in preview.text
    done = await post_form(editor, f"{NEW}/event", {**EVENT, "action": "publish"})
    assert done.status_code == 303
    async with db.session() as session:
        event = (await session.scalars(select(Event))).one()
    assert event.timezone == "America/Argentina/Buenos_Aires"
    assert event.starts_at.isoformat() == "2027-12-18T18:00:00+00:00"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "is not an IANA time zone"),
        ({"ends": "2027-12-18T14:00"}, "ends", "the event must end after it starts"),
        ({"starts": "tomorrow"}, "starts", "datetime"),
    ],
)
async def test_a_wrong_event_comes_back_with_the_message_beside_the_field(
    editor: httpx.AsyncClient, change: dict[str, str], field: str, message: str
) -> None:
    response = await post_form(editor, f"{NEW}/event", {**EVENT, **change, "action": "publish"})
    assert response.status_code == 422
    error_at = response.text.index(f'id="e-{field}"')
    assert message in response.text[error_at : error_at + 300]
    for value in change.values():
        assert f'value="{value}"' in response.text


async def test_a_form_error_is_shown_in_the_interface_language_beside_its_field(
    editor: httpx.AsyncClient,
) -> None:
    """The content layer's message is translated where it is shown, the value kept as typed."""
    wrong = {**EVENT, "timezone": "Mars/Olympus", "ends": "2027-12-18T14:00", "action": "publish"}
    response = await post_form(editor, f"{NEW}/event?lang=ar", wrong)
    assert response.status_code == 422
    assert '<html lang="ar" dir="rtl">' in response.text
    error_at = response.text.index('id="e-timezone"')
    beside = response.text[error_at : error_at + 300]
    assert "ليس منطقة زمنية من قائمة IANA" in beside and "Mars/Olympus" in beside
    assert "is not an IANA time zone" not in response.text
    token = csrf_of((await editor.get("/account?lang=fr", headers=HTML)).text)
    short = {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"}
    password = await editor.post(
        "/account/password?lang=fr", data={**short, "csrf_token": token}, headers=HTML
    )
    assert password.status_code == 422
    assert "trop court : il faut au moins 10 caractères" in password.text


async def test_edit_and_delete_with_a_confirmation(editor: httpx.AsyncClient, db: Database) -> None:
    await post_form(
        editor,
        f"{NEW}/note",
        {"languages": "fr", "body.fr": "Permanence **jeudi**", "action": "publish"},
    )
    async with db.session() as session:
        obj = (await session.scalars(select(ContentObject))).one()
    public_id = obj.ap_id.rsplit("/", 1)[1]
    base = f"/admin/tunis_migrants/content/{public_id}"
    form = await editor.get(f"{base}/edit", headers=HTML)
    assert "Permanence **jeudi**" in form.text
    saved = await post_form(
        editor,
        f"{base}/edit",
        {
            "languages": "fr",
            "body.fr": "Permanence vendredi",
            "primary_language": "fr",
            "action": "publish",
        },
    )
    assert saved.status_code == 303
    async with db.session() as session:
        obj = (await session.scalars(select(ContentObject))).one()
    assert "vendredi" in obj.content_map["fr"] and obj.updated_at is not None

    confirm = await editor.get(f"{base}/delete", headers=HTML)
    assert confirm.status_code == 200 and "This cannot be undone" in confirm.text
    deleted = await post_form(editor, f"{base}/delete", {})
    assert deleted.headers["location"] == "/admin/tunis_migrants/content?done=deleted"
    assert (await editor.get(obj.url, headers=HTML)).status_code == 410


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, "PNG")
    return buffer.getvalue()


async def test_an_image_with_its_description_is_attached(
    editor: httpx.AsyncClient, db: Database
) -> None:
    missing_alt = await post_form(
        editor,
        f"{NEW}/note",
        {"languages": "en", "body.en": "Our banner", "action": "publish"},
        files={"file": ("banner.png", _png(), "image/png")},
    )
    assert missing_alt.status_code == 422
    assert 'value="Our banner"' not in missing_alt.text  # a textarea keeps it as content
    assert "Our banner</textarea>" in missing_alt.text
    done = await post_form(
        editor,
        f"{NEW}/note",
        {
            "languages": "en",
            "body.en": "Our banner",
            "alt_text": "A teal banner",
            "action": "publish",
        },
        files={"file": ("banner.png", _png(), "image/png")},
    )
    assert done.status_code == 303, done.text
    async with db.session() as session:
        media = (await session.scalars(select(Media))).one()
        obj = (await session.scalars(select(ContentObject))).one()
    assert media.object_id == obj.id and media.alt_text == "A teal banner"


MINIMAL = {
    "note": {"body.en": "Hello"},
    "declaration": {"title.en": "T", "body.en": "B"},
    "struggle": {"title.en": "T", "body.en": "B", "countries": "TN, IT", "topics": "asylum"},
    "event": {k: v for k, v in EVENT.items() if k != "languages"},
    "resource": {"title.en": "Guide", "links": "https://example.org/guide.pdf The guide"},
    "practice": {"title.en": "T", "body.en": "B", "outcome": "victory"},
}


@pytest.mark.parametrize("kind", sorted(MINIMAL))
async def test_every_kind_has_a_form_that_publishes(
    editor: httpx.AsyncClient, db: Database, kind: str
) -> None:
    assert (await editor.get(f"{NEW}/{kind}", headers=HTML)).status_code == 200
    done = await post_form(
        editor, f"{NEW}/{kind}", {"languages": "en", **MINIMAL[kind], "action": "publish"}
    )
    assert done.status_code == 303, done.text
    async with db.session() as session:
        obj = (await session.scalars(select(ContentObject))).one()
    assert obj.kind == kind
    edit = await editor.get(
        f"/admin/tunis_migrants/content/{obj.ap_id.rsplit('/', 1)[1]}/edit", headers=HTML
    )
    assert edit.status_code == 200


async def test_an_unknown_kind_is_not_found(editor: httpx.AsyncClient) -> None:
    assert (await editor.get(f"{NEW}/poem", headers=HTML)).status_code == 404


async def test_followers_only_needs_a_confirmation_when_anyone_can_follow(
    editor: httpx.AsyncClient, db: Database, association: Actor
) -> None:
    page = await editor.get(f"{NEW}/note", headers=HTML)
    assert "Publish to followers only although anyone can follow" in page.text
    note = {"languages": "en", **MINIMAL["note"], "visibility": "followers", "action": "publish"}
    refused = await post_form(editor, f"{NEW}/note", note)
    assert refused.status_code == 422
    assert "accepts every follower automatically" in refused.text
    async with db.session() as session:
        assert list(await session.scalars(select(ContentObject))) == []
    done = await post_form(editor, f"{NEW}/note", {**note, "confirm_followers_only": "1"})
    assert done.status_code == 303, done.text

    async with db.session() as session:  # an association that approves its followers by hand
        actor = await session.get(Actor, association.id)
        assert actor is not None
        actor.manually_approves_followers = True
        await session.commit()
    page = await editor.get(f"{NEW}/note", headers=HTML)
    assert "Publish to followers only although anyone can follow" not in page.text
    assert (await post_form(editor, f"{NEW}/note", note)).status_code == 303
    async with db.session() as session:
        assert len(list(await session.scalars(select(ContentObject)))) == 2
