"""Uploads keep no field naming a person or a place: a PDF with Author, Creator and XMP goes
in through the API and comes out of the media route without any of them."""

from __future__ import annotations

import io

import httpx
import pikepdf
from PIL import ExifTags, Image
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.tokens import create_token
from migrantnet.content.users import get_user_by_email
from migrantnet.models import Actor

NAME = "Amina Ben Salah"
PLACE = "laptop-of-amina.tunis"


def pdf_with_metadata() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = NAME
    pdf.docinfo["/Creator"] = f"LibreOffice on {PLACE}"
    pdf.docinfo["/Title"] = "Leaflet"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [NAME]
        meta["xmp:CreatorTool"] = PLACE
    page = pdf.pages[0].obj
    page["/Metadata"] = pdf.make_stream(f"<x:xmpmeta>{NAME}</x:xmpmeta>".encode())
    out = io.BytesIO()
    pdf.save(out)
    data = out.getvalue()
    assert NAME.encode() in data and PLACE.encode() in data
    return data


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = NAME
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (36.0, 48.0, 22.0),
    }
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


async def _token(session: AsyncSession, association: Actor) -> dict[str, str]:
    admin = await get_user_by_email(session, "admin@node-a.test")
    token = await create_token(session, admin, "uploads")
    await session.commit()
    return {"Authorization": f"Bearer {token}"}


async def test_pdf_author_creator_and_xmp_do_not_survive_the_upload(
    app_client: httpx.AsyncClient, session: AsyncSession, association: Actor
) -> None:
    auth = await _token(session, association)
    response = await app_client.post(
        f"/api/v1/associations/{association.slug}/media",
        files={"file": ("leaflet.pdf", pdf_with_metadata(), "application/pdf")},
        headers=auth,
    )
    assert response.status_code == 201, response.text
    uploaded = response.json()
    assert {"Author", "Creator", "XMP metadata"} <= set(uploaded["removed_metadata"])

    downloaded = await app_client.get(uploaded["url"])
    assert downloaded.status_code == 200
    assert downloaded.headers["content-type"] == "application/pdf"
    data = downloaded.content
    assert NAME.encode() not in data and PLACE.encode() not in data
    assert b"LibreOffice" not in data and b"xmpmeta" not in data
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1
        assert "/Info" not in pdf.trailer
        assert "/Metadata" not in pdf.Root
        assert "/Metadata" not in pdf.pages[0].obj


async def test_photo_upload_says_its_gps_position_and_author_were_removed(
    app_client: httpx.AsyncClient, session: AsyncSession, association: Actor
) -> None:
    auth = await _token(session, association)
    response = await app_client.post(
        f"/api/v1/associations/{association.slug}/media",
        files={"file": ("demo.jpg", photo_with_gps(), "image/jpeg")},
        data={"alt_text": "A red square"},
        headers=auth,
    )
    assert response.status_code == 201, response.text
    removed = response.json()["removed_metadata"]
    assert removed[:2] == ["GPS position", "Author"]
    assert "EXIF (camera, date, settings)" in removed
    stored = (await app_client.get(response.json()["url"])).content
    assert NAME.encode() not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()


async def test_a_damaged_or_locked_pdf_is_refused_with_a_clear_error(
    app_client: httpx.AsyncClient, session: AsyncSession, association: Actor
) -> None:
    auth = await _token(session, association)
    pdf = pikepdf.new()
    pdf.add_blank_page()
    locked = io.BytesIO()
    pdf.save(locked, encryption=pikepdf.Encryption(user="secret", owner="secret"))
    for data, message in (
        (b"%PDF-1.7 not really", "damaged or incomplete"),
        (locked.getvalue(), "password-protected"),
    ):
        response = await app_client.post(
            f"/api/v1/associations/{association.slug}/media",
            files={"file": ("x.pdf", data, "application/pdf")},
            headers=auth,
        )
        assert response.status_code == 422, response.text
        assert message in response.text
