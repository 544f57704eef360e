"""Request bodies into a per-request temporary folder: a raw audio body or a multipart form, size-limited.

The body is read as it streams in and refused with 413 as soon as it passes the limit (or at once when its
``Content-Length`` says it will), so an oversize upload is never read to its end. Files are written under names
chosen here (``file.wav``, ``clean``, ...): the client's file name is kept only as text, for messages and the
download name, and never reaches the file system.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header
from starlette.requests import ClientDisconnect, Request

from hush.audio.io import AUDIO_EXTENSIONS
from hush.service.errors import ApiError

# Containers hush may read besides libsndfile's (another decoder can take them); the suffix only helps detection.
EXTENSIONS = AUDIO_EXTENSIONS | {".m4a", ".mp4", ".aac", ".webm", ".wma"}
BY_TYPE = {
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/wave": ".wav",
    "audio/vnd.wave": ".wav",
    "audio/flac": ".flac",
    "audio/x-flac": ".flac",
    "audio/ogg": ".ogg",
    "application/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/mpeg": ".mp3",
    "audio/mp3": ".mp3",
    "audio/aiff": ".aiff",
    "audio/x-aiff": ".aiff",
    "audio/mp4": ".m4a",
    "audio/x-m4a": ".m4a",
    "audio/webm": ".webm",
}
MAX_FIELD_BYTES = 4096
MAX_PARTS = 16


@dataclass
class Upload:
    field: str
    path: Path
    filename: str  # the client's name, sanitised, for messages only
    content_type: str
    size: int = 0


@dataclass
class Body:
    files: dict[str, Upload] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)


def media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def audio_type(ctype: str) -> bool:
    """Whether a declared media type may hold audio (empty: undeclared, left to the decoder)."""
    return (
        not ctype
        or ctype.startswith(("audio/", "video/"))
        or ctype in ("application/octet-stream", "application/ogg", "binary/octet-stream")
    )


def display_name(filename: str | None, default: str) -> str:
    """A short, printable stand-in for a client's file name (its last path part, safe characters only)."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .")[:80]
    return name or default


def _suffix(filename: str, ctype: str) -> str:
    ext = Path(filename).suffix.lower()
    return ext if ext in EXTENSIONS else BY_TYPE.get(ctype, "")


async def _limited(request: Request, limit: int) -> AsyncIterator[bytes]:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise ApiError(400, f"bad Content-Length {declared!r}", "bad request") from None
        if size > limit:
            raise ApiError(413, f"the upload is {size / 2**20:.1f} MB; this service accepts at most {_mb(limit)}")
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > limit:
                raise ApiError(413, f"the upload is over {_mb(limit)}, the most this service accepts")
            yield chunk
    except ClientDisconnect:
        raise ApiError(400, "the client closed the connection before the upload ended", "bad request") from None


def _mb(n: int) -> str:
    return f"{n / 2**20:g} MB"


async def read_body(request: Request, folder: Path, limit: int, raw_field: str = "file") -> Body:
    """The request's files (written into ``folder``) and form fields.

    A ``multipart/form-data`` body gives its parts; any other body allowed to hold audio becomes the single file
    ``raw_field``. Raises :class:`ApiError`: 413 past ``limit`` bytes, 415 for a media type that cannot be audio,
    400 for a malformed form.
    """
    ctype_header = request.headers.get("content-type")
    ctype = media_type(ctype_header)
    if ctype == "multipart/form-data":
        return await _multipart(request, ctype_header or "", folder, limit)
    if not audio_type(ctype):
        raise ApiError(415, f"a body of type {ctype!r} is not audio; send the audio itself or a multipart form")
    up = Upload(raw_field, folder / f"{raw_field}{BY_TYPE.get(ctype, '')}", "upload", ctype)
    with open(up.path, "wb") as f:
        async for chunk in _limited(request, limit):
            f.write(chunk)
            up.size += len(chunk)
    return Body(files={raw_field: up})


async def _multipart(request: Request, header: str, folder: Path, limit: int) -> Body:
    _, params = parse_options_header(header)
    boundary = params.get(b"boundary")
    if not boundary:
        raise ApiError(400, "multipart body without a boundary", "bad request")
    body = Body()
    part: dict = {}

    def on_part_begin() -> None:
        part.clear()
        part.update(headers={}, name=b"", value=b"", data=bytearray(), handle=None, upload=None)
        if len(body.files) + len(body.fields) >= MAX_PARTS:
            raise ApiError(400, f"more than {MAX_PARTS} form fields", "bad request")

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part["name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        part["value"] += data[start:end]

    def on_header_end() -> None:
        part["headers"][part["name"].decode("latin-1").lower()] = part["value"].decode("latin-1")
        part["name"], part["value"] = b"", b""

    def on_headers_finished() -> None:
        _, disp = parse_options_header(part["headers"].get("content-disposition", ""))
        name = disp.get(b"name", b"").decode("utf-8", "replace")
        if not re.fullmatch(r"[A-Za-z0-9_]{1,32}", name):
            raise ApiError(400, f"bad form field name {name[:40]!r}", "bad request")
        if name in body.files or name in body.fields:
            raise ApiError(422, f"form field {name!r} given twice")
        part["field"] = name
        if b"filename" in disp:
            ctype = media_type(part["headers"].get("content-type"))
            filename = disp[b"filename"].decode("utf-8", "replace")
            if not audio_type(ctype):
                raise ApiError(415, f"{name}: a file of type {ctype!r} is not audio")
            path = folder / f"{name}{_suffix(filename, ctype)}"
            part["upload"] = Upload(name, path, display_name(filename, name), ctype)
            part["handle"] = open(path, "wb")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part["handle"] is not None:
            part["handle"].write(data[start:end])
            part["upload"].size += end - start
        else:
            part["data"] += data[start:end]
            if len(part["data"]) > MAX_FIELD_BYTES:
                raise ApiError(422, f"form field {part['field']!r} is longer than {MAX_FIELD_BYTES} bytes")

    def on_part_end() -> None:
        if part["handle"] is not None:
            part["handle"].close()
            part["handle"] = None
            body.files[part["field"]] = part["upload"]
        else:
            body.fields[part["field"]] = part["data"].decode("utf-8", "replace").strip()

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }
    parser = MultipartParser(boundary, callbacks)
    try:
        async for chunk in _limited(request, limit):
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as e:
        raise ApiError(400, f"malformed multipart body ({e})", "bad request") from None
    finally:
        if part.get("handle") is not None:
            part["handle"].close()
    return body
