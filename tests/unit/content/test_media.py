"""Uploads: sniffed types, limits, metadata stripped, nothing half-saved, safe serving."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import httpx
import pikepdf
import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.config import Settings, SettingsError, load_settings
from migrantnet.content.associations import create_association
from migrantnet.content.errors import Forbidden, InvalidInput
from migrantnet.content.media import attach_media, delete_media, store_upload
from migrantnet.content.media_cleaning import MediaLimits
from migrantnet.content.media_files import finish_file_cleanup
from migrantnet.content.notes import publish_note
from migrantnet.content.publishing import NoFederation
from migrantnet.content.storage import InvalidStorageKey, LocalStorage
from migrantnet.models import Actor, Media
from migrantnet.uris import Uris

MB = 1024 * 1024


def _pdf_bytes() -> bytes:
    """A one-page PDF without metadata: cleaning it changes no field."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


PDF_BYTES = _pdf_bytes()


# --- helpers -----------------------------------------------------------------------------------


def two_colour_image(size: tuple[int, int] = (600, 300)) -> Image.Image:
    """Left half red, right half blue: shows which way the picture was turned."""
    width, height = size
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (width // 2, 0, width, height))
    return image


def jpeg_with_gps(orientation: int = 6) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone X"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (40.0, 25.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (3.0, 42.0, 5.0),
    }
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    two_colour_image().save(
        out,
        "JPEG",
        exif=exif,
        icc_profile=icc,
        comment=b"taken at the squat",
        xmp=b"<x:xmpmeta>where</x:xmpmeta>",
    )
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (500, 200), mode: str = "RGBA") -> bytes:
    image = Image.new(mode, size, (10, 200, 10, 128) if mode == "RGBA" else (10, 200, 10))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone")
    info.add_itxt("Comment", "secret place", lang="en")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Scanner"
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, exif=exif)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of the given size, all black: tiny on disk, huge once decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def media_count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Media)) or 0


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.media_dir)


@pytest.fixture
def limits(settings: Settings) -> MediaLimits:
    return MediaLimits.from_settings(settings)


@pytest.fixture
async def actor(session: AsyncSession, uris: Uris) -> Actor:
    actor = await create_association(session, uris, slug="casa", name="Casa de los Pueblos")
    await session.commit()
    return actor


@pytest.fixture
async def other(session: AsyncSession, uris: Uris) -> Actor:
    actor = await create_association(session, uris, slug="red", name="Red Migrante")
    await session.commit()
    return actor


async def upload(session, storage, actor, limits, data, **kwargs) -> Media:
    kwargs.setdefault("filename", None)
    kwargs.setdefault("declared_type", None)
    kwargs.setdefault("alt_text", "A demonstration in front of the town hall")
    return await store_upload(session, storage, actor, data=data, limits=limits, **kwargs)


# --- images ------------------------------------------------------------------------------------


async def test_jpeg_loses_exif_and_gps_and_keeps_its_orientation(
    session, storage, actor, limits
) -> None:
    source = jpeg_with_gps(orientation=6)
    with Image.open(io.BytesIO(source)) as original:  # the fixture really carries it all
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert {"exif", "icc_profile", "comment", "xmp"} <= set(original.info)

    media = await upload(
        session, storage, actor, limits, source, filename="IMG_1.jpg", declared_type="image/jpeg"
    )
    await session.commit()

    assert media.media_type == "image/jpeg"
    assert media.storage_key.endswith(".jpg")
    assert media.alt_text == "A demonstration in front of the town hall"
    # Orientation 6 (turn 90° clockwise) was applied: 600×300 is shown as 300×600.
    assert (media.width, media.height) == (300, 600)
    stored = await storage.open(media.storage_key)
    assert media.size == len(stored)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (300, 600)
        assert not image.getexif()
        assert not set(image.info) & {"exif", "icc_profile", "comment", "xmp"}
        red, _, blue = image.convert("RGB").getpixel((150, 50))
        assert red > 150 and blue < 100  # the red half is now on top
        red, _, blue = image.convert("RGB").getpixel((150, 550))
        assert blue > 150 and red < 100
    for marker in (b"Exif", b"PhoneMaker", b"squat", b"xmpmeta", b"ICC_PROFILE"):
        assert marker not in stored

    assert media.preview_key is not None
    with Image.open(io.BytesIO(await storage.open(media.preview_key))) as preview:
        assert preview.format == "WEBP"
        assert max(preview.size) <= 400
        assert preview.size == (200, 400)
        assert not preview.getexif()


async def test_jpeg_without_orientation_keeps_its_dimensions(
    session, storage, actor, limits
) -> None:
    media = await upload(session, storage, actor, limits, jpeg_with_gps(orientation=1))
    assert (media.width, media.height) == (600, 300)


async def test_png_stays_png_without_metadata(session, storage, actor, limits) -> None:
    media = await upload(session, storage, actor, limits, png_bytes(), filename="map.png")
    assert media.media_type == "image/png"
    assert (media.width, media.height) == (500, 200)
    stored = await storage.open(media.storage_key)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG"
        assert image.mode == "RGBA"
        assert image.size == (500, 200)
        assert not image.getexif()
        assert not set(image.info) & {"exif", "Author", "Comment", "icc_profile"}
    assert b"someone" not in stored and b"secret place" not in stored
    with Image.open(io.BytesIO(await storage.open(media.preview_key))) as preview:
        assert preview.size == (400, 160)


async def test_webp_stays_webp_and_gif_becomes_png(session, storage, actor, limits) -> None:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Phone X"
    two_colour_image((120, 80)).save(out, "WEBP", exif=exif, xmp=b"<x:xmpmeta/>")
    webp = await upload(session, storage, actor, limits, out.getvalue())
    assert webp.media_type == "image/webp"
    assert webp.storage_key.endswith(".webp")
    stored = await storage.open(webp.storage_key)
    assert b"Phone X" not in stored and b"xmpmeta" not in stored

    frames = [Image.new("P", (64, 48), i) for i in (1, 2)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], comment=b"hi")
    gif = await upload(session, storage, actor, limits, out.getvalue(), filename="a.gif")
    assert gif.media_type == "image/png"
    assert (gif.width, gif.height) == (64, 48)
    with Image.open(io.BytesIO(await storage.open(gif.storage_key))) as image:
        assert image.format == "PNG"
        assert not getattr(image, "is_animated", False)


async def test_the_bytes_decide_not_the_name_or_declared_type(
    session, storage, actor, limits
) -> None:
    media = await upload(
        session,
        storage,
        actor,
        limits,
        jpeg_with_gps(),
        filename="photo.png",
        declared_type="image/png",
    )
    assert media.media_type == "image/jpeg"
    assert media.storage_key.endswith(".jpg")


# --- refusals leave nothing behind -------------------------------------------------------------


async def assert_nothing_stored(session: AsyncSession, settings: Settings) -> None:
    await finish_file_cleanup()
    assert files_under(settings.media_dir) == []
    assert await media_count(session) == 0


async def test_text_pretending_to_be_png_is_refused(
    session, storage, actor, limits, settings
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await upload(
            session,
            storage,
            actor,
            limits,
            b"just some text, not a picture\n",
            filename="x.png",
            declared_type="image/png",
        )
    assert caught.value.field == "file"
    assert caught.value.message == "'x.png' is not a valid PNG image"
    await assert_nothing_stored(session, settings)


@pytest.mark.parametrize(
    ("data", "filename", "declared", "message"),
    [
        (b"hello", "doc.pdf", None, "'doc.pdf' is not a valid PDF document"),
        (b"hello", None, "image/jpeg", "the file is not a valid JPEG image"),
        (b"hello", "notes.txt", "text/plain", "'notes.txt' is not a file type we accept"),
        (b"ID3\x04\x00" + b"\x00" * 100, "song.mp3", "audio/mpeg", "is not a file type we accept"),
        (b"GIF89a" + b"\x00" * 20, "broken.gif", None, "'broken.gif' is not a valid GIF image"),
        (b"", "empty.png", None, "'empty.png' is empty"),
    ],
)
async def test_unacceptable_files_are_refused_clearly(
    session, storage, actor, limits, settings, data, filename, declared, message
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await upload(
            session, storage, actor, limits, data, filename=filename, declared_type=declared
        )
    assert caught.value.field == "file"
    assert message in caught.value.message
    await assert_nothing_stored(session, settings)


async def test_truncated_image_is_refused(session, storage, actor, limits, settings) -> None:
    data = jpeg_with_gps()
    with pytest.raises(InvalidInput) as caught:
        await upload(session, storage, actor, limits, data[: len(data) // 2], filename="a.jpg")
    assert "damaged or incomplete" in caught.value.message
    await assert_nothing_stored(session, settings)


async def test_upload_over_the_limit_is_refused_before_decoding(
    session, storage, actor, limits, settings
) -> None:
    big = b"%PDF-1.7\n" + b"\x00" * (50 * MB)
    with pytest.raises(InvalidInput) as caught:
        await upload(session, storage, actor, limits, big, filename="huge.pdf")
    assert caught.value.field == "file"
    assert "'huge.pdf' is 50 MB" in caught.value.message
    assert "at most 20 MB" in caught.value.message
    await assert_nothing_stored(session, settings)


async def test_image_over_the_image_limit_is_refused(session, storage, actor, settings) -> None:
    limits = MediaLimits(max_bytes=20 * MB, image_max_bytes=2048, image_max_pixels=40_000_000)
    with pytest.raises(InvalidInput) as caught:
        await upload(session, storage, actor, limits, jpeg_with_gps(), filename="a.jpg")
    assert "images may be at most 2 KB" in caught.value.message
    await assert_nothing_stored(session, settings)


@pytest.mark.parametrize("alt_text", [None, "", "   \n"])
async def test_images_need_alt_text(session, storage, actor, limits, settings, alt_text) -> None:
    with pytest.raises(InvalidInput) as caught:
        await upload(session, storage, actor, limits, png_bytes(), alt_text=alt_text)
    assert caught.value.field == "alt_text"
    await assert_nothing_stored(session, settings)


async def test_alt_text_has_a_maximum(session, storage, actor, limits, settings) -> None:
    with pytest.raises(InvalidInput) as caught:
        await upload(session, storage, actor, limits, png_bytes(), alt_text="a" * 1501)
    assert caught.value.field == "alt_text"
    assert "at most 1500 characters" in caught.value.message
    media = await upload(session, storage, actor, limits, png_bytes(), alt_text="a" * 1500)
    assert len(media.alt_text or "") == 1500


async def test_decompression_bomb_is_refused(session, storage, actor, limits, settings) -> None:
    bomb = png_declaring(20_000, 20_000)  # 400 megapixels in about 50 KB
    assert len(bomb) < 200_000
    with pytest.raises(InvalidInput) as caught:
        await upload(session, storage, actor, limits, bomb, filename="bomb.png")
    assert caught.value.field == "file"
    assert "too many pixels" in caught.value.message
    assert "40 megapixels" in caught.value.message
    await assert_nothing_stored(session, settings)


async def test_image_over_our_pixel_limit_is_refused(
    session, storage, actor, limits, settings
) -> None:
    big = png_declaring(8000, 6000)  # under Pillow's own guard, over ours
    with pytest.raises(InvalidInput) as caught:
        await upload(session, storage, actor, limits, big, filename="wide.png")
    assert caught.value.message == (
        "'wide.png' is 8000 × 6000 pixels (48 megapixels); images may be at most 40 megapixels"
    )
    await assert_nothing_stored(session, settings)


# --- documents ---------------------------------------------------------------------------------


async def test_pdf_without_metadata_is_stored_unchanged_in_content(
    session, storage, actor, limits
) -> None:
    media = await upload(
        session,
        storage,
        actor,
        limits,
        PDF_BYTES,
        filename="guide.png",
        declared_type="image/png",
        alt_text=None,
    )
    assert media.media_type == "application/pdf"
    assert media.storage_key.endswith(".pdf")
    assert media.preview_key is None
    assert (media.width, media.height, media.alt_text) == (None, None, None)
    assert media.removed_metadata == []
    stored = pikepdf.open(io.BytesIO(await storage.open(media.storage_key)))
    assert len(stored.pages) == 1 and "/Info" not in stored.trailer


# --- all or nothing ----------------------------------------------------------------------------


async def test_database_failure_removes_written_files(
    session, storage, actor, limits, settings, monkeypatch
) -> None:
    async def failing_flush(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(session, "flush", failing_flush)
    with pytest.raises(OperationalError):
        await upload(session, storage, actor, limits, png_bytes())
    monkeypatch.undo()
    await session.rollback()
    await assert_nothing_stored(session, settings)


async def test_storage_failure_removes_the_first_file(
    session, storage, actor, limits, settings
) -> None:
    class PreviewFails(LocalStorage):
        async def save(self, key, data, media_type):
            if "-preview" in key:
                raise OSError("no space left on device")
            await super().save(key, data, media_type)

    with pytest.raises(OSError, match="no space"):
        await upload(session, PreviewFails(settings.media_dir), actor, limits, png_bytes())
    await assert_nothing_stored(session, settings)


async def test_rolled_back_upload_leaves_no_file(session, storage, actor, limits, settings) -> None:
    media = await upload(session, storage, actor, limits, png_bytes())
    assert len(files_under(settings.media_dir)) == 2
    await session.rollback()
    await assert_nothing_stored(session, settings)
    assert media.storage_key  # the object is gone from the database, not from memory

    await session.refresh(actor)
    kept = await upload(session, storage, actor, limits, png_bytes())
    await session.commit()
    await session.rollback()  # a later rollback does not touch committed files
    await finish_file_cleanup()
    assert (settings.media_dir / kept.storage_key).is_file()


async def test_delete_media_removes_files_once_committed(
    session, storage, actor, limits, settings
) -> None:
    media = await upload(session, storage, actor, limits, png_bytes())
    await session.commit()
    await delete_media(session, storage, media)
    await session.rollback()  # not committed: the files stay with the row
    await finish_file_cleanup()
    assert len(files_under(settings.media_dir)) == 2
    assert await media_count(session) == 1

    media = await session.scalar(select(Media))
    await delete_media(session, storage, media)
    await session.commit()
    await assert_nothing_stored(session, settings)


# --- attaching ---------------------------------------------------------------------------------


async def test_attach_only_own_unattached_media(
    session, storage, actor, other, limits, uris
) -> None:
    mine = await upload(session, storage, actor, limits, png_bytes())
    pdf = await upload(session, storage, actor, limits, PDF_BYTES, alt_text=None)
    theirs = await upload(session, storage, other, limits, png_bytes())
    note = await publish_note(session, uris, NoFederation(), actor, text={"en": "With photos"})
    other_note = await publish_note(session, uris, NoFederation(), other, text={"en": "Ours"})
    await session.commit()

    with pytest.raises(InvalidInput) as caught:
        await attach_media(session, note, actor, [mine.public_id, theirs.public_id])
    assert caught.value.field == "media"
    assert mine.object_id is None  # nothing changed

    with pytest.raises(Forbidden):
        await attach_media(session, other_note, actor, [mine.public_id])

    attached = await attach_media(session, note, actor, [pdf.public_id, mine.public_id])
    assert [m.public_id for m in attached] == [pdf.public_id, mine.public_id]
    await session.commit()
    assert mine.object_id == note.id and pdf.object_id == note.id
    # Attaching again to the same object is harmless; to another object it is refused.
    assert await attach_media(session, note, actor, [mine.public_id]) == [mine]
    second = await publish_note(session, uris, NoFederation(), actor, text={"en": "Again"})
    with pytest.raises(InvalidInput):
        await attach_media(session, second, actor, [mine.public_id])
    assert await attach_media(session, note, actor, []) == []


# --- storage and serving -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["../x.jpg", "a/../../x.jpg", "/etc/passwd", "a//b.jpg", ".hidden", "a\\b.jpg", "A/B.JPG", ""],
)
def test_storage_refuses_keys_outside_its_root(tmp_path, key) -> None:
    with pytest.raises(InvalidStorageKey):
        LocalStorage(tmp_path).local_path(key)


async def test_storage_saves_atomically_and_deletes(tmp_path) -> None:
    store = LocalStorage(tmp_path / "media")
    await store.save("ab/file.png", b"data", "image/png")
    assert await store.open("ab/file.png") == b"data"
    assert store.url_path("ab/file.png") == "/media/ab/file.png"
    assert [p.name for p in files_under(tmp_path)] == ["file.png"]  # no temporary left
    await store.delete("ab/file.png")
    await store.delete("ab/file.png")  # twice is fine
    assert files_under(tmp_path) == []


async def test_media_route_serves_with_safe_headers(
    app_client: httpx.AsyncClient, session, storage, actor, limits
) -> None:
    photo = await upload(session, storage, actor, limits, jpeg_with_gps())
    pdf = await upload(session, storage, actor, limits, PDF_BYTES, alt_text=None)
    await session.commit()

    response = await app_client.get(storage.url_path(photo.storage_key))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "max-age=31536000" in response.headers["cache-control"]
    assert response.headers["content-disposition"].startswith("inline")
    assert response.content == await storage.open(photo.storage_key)

    preview = await app_client.get(storage.url_path(photo.preview_key))
    assert preview.status_code == 200
    assert preview.headers["content-type"] == "image/webp"

    document = await app_client.get(storage.url_path(pdf.storage_key))
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/pdf"
    assert document.headers["content-disposition"].startswith("inline")
    assert document.headers["x-content-type-options"] == "nosniff"
    assert document.content == await storage.open(pdf.storage_key)

    head = await app_client.head(storage.url_path(pdf.storage_key))
    assert head.status_code == 200

    missing = await app_client.get("/media/ab/" + "ab" * 16 + ".png")
    assert missing.status_code == 404


async def test_media_route_refuses_path_traversal(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    secret = settings.data_dir / "secret.png"
    secret.write_bytes(b"private")
    # A symlink planted inside the media root that points out of it is not followed either.
    planted = settings.media_dir / "ab" / ("ab" * 16 + ".png")
    planted.parent.mkdir(parents=True)
    planted.symlink_to(secret)

    for path in [
        "/media/..%2fsecret.png",
        "/media/%2e%2e/secret.png",
        "/media/%2e%2e%2fsecret.png",
        "/media/ab/..%2f..%2fsecret.png",
        "/media/%2fetc%2fpasswd",
        "/media/ab/" + "ab" * 16 + ".png",
    ]:
        response = await app_client.get(path)
        assert response.status_code == 404, path
        assert b"private" not in response.content


def test_limits_come_from_validated_settings(tmp_path) -> None:
    settings = load_settings(
        environ={"MIGRANTNET_MEDIA_MAX_BYTES": "1048576", "MIGRANTNET_IMAGE_MAX_PIXELS": "1000000"},
        data_dir=tmp_path,
    )
    limits = MediaLimits.from_settings(settings)
    assert (limits.max_bytes, limits.image_max_bytes, limits.image_max_pixels) == (
        MB,
        10 * MB,
        1_000_000,
    )
    with pytest.raises(SettingsError, match="MIGRANTNET_IMAGE_MAX_PIXELS"):
        load_settings(environ={"MIGRANTNET_IMAGE_MAX_PIXELS": "5"}, data_dir=tmp_path)
    with pytest.raises(SettingsError, match="MIGRANTNET_MEDIA_MAX_BYTES"):
        load_settings(environ={"MIGRANTNET_MEDIA_MAX_BYTES": "lots"}, data_dir=tmp_path)
