"""HTTP endpoints: ``/v1/enhance``, ``/v1/evaluate``, ``/v1/dnsmos``, ``/v1/tag``, ``/v1/methods``, health."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from hush.service import jobs
from hush.service.errors import ApiError
from hush.service.options import check_known, enhance_options
from hush.service.state import state_of
from hush.service.uploads import Body, media_type, read_body

router = APIRouter()
EVALUATE_FILES = ("clean", "enhanced", "noisy")


def scratch() -> tempfile.TemporaryDirectory:
    """A temporary folder for one request's uploads and results."""
    return tempfile.TemporaryDirectory(prefix="hush-serve-")


def only_files(body: Body, allowed: tuple[str, ...]) -> None:
    extra = sorted(set(body.files) - set(allowed))
    if extra:
        raise ApiError(422, f"unexpected file field(s) {', '.join(map(repr, extra))}; expected: {', '.join(allowed)}")


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode().replace("\r", " ").replace("\n", " ")


@router.post("/v1/enhance")
async def enhance(request: Request):
    """Enhance one upload (multipart field ``file`` or the raw body); options as form fields or query parameters."""
    st = state_of(request)
    st.require_ready()
    st.require_room()
    tmp = scratch()  # removed after the answer is sent, or at once on failure
    try:
        folder = Path(tmp.name)
        body = await read_body(request, folder, st.config.max_upload_bytes)
        only_files(body, ("file",))
        opts = enhance_options({**request.query_params, **body.fields}, st.catalog)
        if "file" not in body.files:
            raise ApiError(422, "no audio: send it as the form field 'file' or as the request body")
        up = body.files["file"]
        res = await st.run(jobs.enhance, up, opts, folder, st.config.max_seconds)
    except BaseException:
        tmp.cleanup()
        raise
    headers = {
        "X-Hush-Method": opts.method.name,
        "X-Hush-Processing-Seconds": f"{res.processing_seconds:.4f}",
        "X-Hush-Audio-Seconds": f"{res.audio_seconds:.4f}",
        "X-Hush-RTF": f"{res.rtf:.4f}",
        "X-Hush-Sample-Rate": str(res.sample_rate),
        "Server-Timing": f"enhance;dur={1000 * res.processing_seconds:.1f}",
    }
    if res.warnings:
        headers["X-Hush-Warning"] = _ascii(" | ".join(res.warnings))[:1000]
    name = f"{Path(up.filename).stem if up.filename != 'upload' else 'audio'}_enhanced.{res.format}"
    return FileResponse(
        res.path, media_type=res.media_type, filename=name, headers=headers, background=BackgroundTask(tmp.cleanup)
    )


@router.post("/v1/evaluate")
async def evaluate(request: Request) -> JSONResponse:
    """Metrics of ``enhanced`` against ``clean`` (and of ``noisy``, with the improvement): ``hush evaluate``'s JSON."""
    st = state_of(request)
    if media_type(request.headers.get("content-type")) != "multipart/form-data":
        raise ApiError(415, "evaluate takes a multipart form with the files 'clean' and 'enhanced' (and 'noisy')")
    st.require_room()
    with scratch() as name:
        folder = Path(name)
        body = await read_body(request, folder, st.config.max_upload_bytes)
        only_files(body, EVALUATE_FILES)
        check_known({**request.query_params, **body.fields}, ("metrics",))
        missing = [f for f in ("clean", "enhanced") if f not in body.files]
        if missing:
            raise ApiError(422, f"missing file field(s) {', '.join(map(repr, missing))}")
        text = body.fields.get("metrics") or request.query_params.get("metrics") or ""
        metrics = [m.strip() for m in text.split(",") if m.strip()] or None
        doc = await st.run(jobs.evaluate, body.files, metrics, st.config.max_seconds)
    return JSONResponse(doc)


@router.post("/v1/dnsmos")
async def dnsmos(request: Request) -> JSONResponse:
    """DNSMOS (SIG, BAK, OVRL, P.808) of one upload: no reference needed."""
    st = state_of(request)
    st.require_room()
    with scratch() as name:
        folder = Path(name)
        body = await read_body(request, folder, st.config.max_upload_bytes)
        only_files(body, ("file",))
        check_known({**request.query_params, **body.fields}, ())
        if "file" not in body.files:
            raise ApiError(422, "no audio: send it as the form field 'file' or as the request body")
        doc = await st.run(jobs.dnsmos, body.files["file"], st.config.max_seconds)
    return JSONResponse(doc)


@router.post("/v1/tag")
async def tag(request: Request) -> JSONResponse:
    """The top AudioSet classes of one upload ("what is the noise here?"): ``top`` (1-527, default 5) and
    ``timeline`` (per second) as form fields or query parameters."""
    st = state_of(request)
    st.require_room()
    with scratch() as name:
        folder = Path(name)
        body = await read_body(request, folder, st.config.max_upload_bytes)
        only_files(body, ("file",))
        opts = {**request.query_params, **body.fields}
        check_known(opts, ("top", "timeline"))
        try:
            top = int(opts.get("top", 5))
        except ValueError:
            raise ApiError(422, f"top must be a whole number, got {opts['top']!r}") from None
        if not 1 <= top <= 527:
            raise ApiError(422, f"top must be between 1 and 527, got {top}")
        timeline = str(opts.get("timeline", "false")).lower()
        if timeline not in ("true", "false", "1", "0"):
            raise ApiError(422, f"timeline must be true or false, got {opts['timeline']!r}")
        if "file" not in body.files:
            raise ApiError(422, "no audio: send it as the form field 'file' or as the request body")
        doc = await st.run(jobs.tag, body.files["file"], top, timeline in ("true", "1"), st.config.max_seconds)
    return JSONResponse(doc)


@router.get("/v1/methods")
async def methods(request: Request) -> JSONResponse:
    """The served methods: kind, rate, causality, algorithmic latency, parameters, size and measured RTF."""
    st = state_of(request)
    st.require_ready()
    rows = [st.catalog.methods[name].describe() for name in st.catalog.specs]
    return JSONResponse({"default": st.catalog.default, "methods": rows})


@router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    st = state_of(request)
    st.require_ready()
    return JSONResponse(
        {"status": "ready", "methods": list(st.catalog.specs), "workers": st.pool.workers, "busy": st.pool.pending}
    )
