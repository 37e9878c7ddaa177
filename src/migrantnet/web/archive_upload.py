"""One large file sent by a form, streamed to the node's data folder as it arrives.

An association's export can be far larger than any media upload, so it is never held in
memory (Starlette's form parser would spool it to the system's temporary folder, outside the
data folder, whose 0700 mode keeps the followers it names private). The declared length is
checked before the first byte is read, the stream is counted as it arrives, and the file part
is written to `import-*/archive.zip` in the data folder; the other fields (the CSRF token, a
slug, a checkbox) are small and kept in memory, with a cap. The caller removes the folder
(`discard`) once the import is done or refused; `sweep` removes what a crash left.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from migrantnet.content.errors import ContentError, TooLarge

PREFIX = "import-"
STALE_SECONDS = 3600
FIELD_MAX_BYTES = 4096
MAX_FIELDS = 8
WRITE_EVERY = 1024 * 1024  # bytes gathered before one write, off the event loop


class UploadTooLarge(TooLarge):
    """The body passes the cap (413); nothing of it is kept."""


class UploadUnreadable(ContentError):
    """Not a multipart form this page sends (400)."""


@dataclass(slots=True)
class ArchiveUpload:
    folder: Path
    file: Path | None = None  # the file part, if one with a file name was sent
    fields: dict[str, str] = field(default_factory=dict)


def sweep(data_dir: Path) -> None:
    """Remove what an upload interrupted by a restart left (none takes an hour)."""
    cutoff = time.time() - STALE_SECONDS
    for folder in data_dir.glob(f"{PREFIX}*"):
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def _new_folder(data_dir: Path) -> Path:
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    sweep(data_dir)
    return Path(tempfile.mkdtemp(prefix=PREFIX, dir=data_dir))


def discard(upload: ArchiveUpload) -> None:
    shutil.rmtree(upload.folder, ignore_errors=True)


class _Parts:
    """The parser's callbacks: which part is being read, and where its bytes go."""

    def __init__(self, upload: ArchiveUpload, file_field: str) -> None:
        self.upload = upload
        self.file_field = file_field
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.name = ""
        self.filename: str | None = None
        self.value = bytearray()
        self.pending = bytearray()  # file bytes not written yet
        self.handle: IO[bytes] | None = None
        self.in_file = False

    def on_part_begin(self) -> None:
        self.name, self.filename, self.in_file = "", None, False
        self.value = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if bytes(self.header_name).lower() == b"content-disposition":
            _, options = parse_options_header(bytes(self.header_value))
            self.name = options.get(b"name", b"").decode("utf-8", errors="replace")
            if b"filename" in options:
                self.filename = options[b"filename"].decode("utf-8", errors="replace")
        self.header_name, self.header_value = bytearray(), bytearray()

    def on_headers_finished(self) -> None:
        if self.name == self.file_field and self.filename:
            if self.upload.file is not None:
                raise UploadUnreadable("the form sends one file")
            self.upload.file = self.upload.folder / "archive.zip"
            self.in_file = True
        elif len(self.upload.fields) >= MAX_FIELDS:
            raise UploadUnreadable("the form has more fields than this page sends")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.pending += data[start:end]
            return
        self.value += data[start:end]
        if len(self.value) > FIELD_MAX_BYTES:
            raise UploadUnreadable(f"the field {self.name!r} is longer than this page sends")

    def on_part_end(self) -> None:
        if not self.in_file and self.name and self.filename is None:
            self.upload.fields[self.name] = self.value.decode("utf-8", errors="replace")


async def _flush(parts: _Parts, *, final: bool = False) -> None:
    if parts.upload.file is None or (len(parts.pending) < WRITE_EVERY and not final):
        return
    if parts.handle is None:
        parts.handle = await asyncio.to_thread(parts.upload.file.open, "wb")
    data, parts.pending = bytes(parts.pending), bytearray()
    await asyncio.to_thread(parts.handle.write, data)


async def receive_archive(
    request: Request, data_dir: Path, *, cap: int, file_field: str = "archive"
) -> ArchiveUpload:
    """The form of `request`, its file in a new folder of `data_dir`; `UploadTooLarge` past
    `cap` bytes of body, `UploadUnreadable` for what is not such a form (the folder removed)."""
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadUnreadable("send the form as multipart/form-data")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise UploadTooLarge(f"{declared} bytes declared, more than {cap}")  # nothing read
    upload = ArchiveUpload(await asyncio.to_thread(_new_folder, data_dir))
    parts = _Parts(upload, file_field)
    callbacks = {
        name: getattr(parts, name)
        for name in (
            "on_part_begin",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
            "on_part_data",
            "on_part_end",
        )
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > cap:
                raise UploadTooLarge(f"more than {cap} bytes sent")
            parser.write(chunk)
            await _flush(parts)
        parser.finalize()
        await _flush(parts, final=True)
    except FormParserError as exc:
        await asyncio.to_thread(discard, upload)
        raise UploadUnreadable(f"unreadable multipart body: {exc}") from None
    except BaseException:
        await asyncio.to_thread(discard, upload)
        raise
    finally:
        if parts.handle is not None:
            await asyncio.to_thread(parts.handle.close)
    return upload
