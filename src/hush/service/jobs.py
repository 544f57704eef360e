"""The work behind each endpoint, run on a worker thread: decode, check, enhance or score, through the public API.

Every function reads and writes only inside the request's temporary folder and raises :class:`ApiError` for what
the client got wrong (400 undecodable, 413 too long), naming the upload by its form field.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import hush
from hush.audio.io import AudioInfo, probe, read, write
from hush.audio.resample import resample
from hush.errors import HushError, MissingExtraError
from hush.service.errors import ApiError, audio_problem
from hush.service.options import FORMATS, EnhanceOptions
from hush.service.uploads import Upload

DNSMOS_MAX_WINDOWS = 5  # 9 s windows scored per clip at most (evenly spaced): bounds a 10 min upload to ~2 s


@dataclass
class Enhanced:
    path: Path
    media_type: str
    format: str
    sample_rate: int
    channels: int
    audio_seconds: float
    processing_seconds: float
    warnings: list[str] = field(default_factory=list)

    @property
    def rtf(self) -> float:
        return self.processing_seconds / self.audio_seconds if self.audio_seconds else 0.0


def checked_info(up: Upload, max_seconds: float) -> AudioInfo:
    """The upload's header, refused with 400 when it is not decodable audio and 413 when it is too long."""
    if up.size == 0:
        raise ApiError(400, f"{up.field}: empty upload (0 bytes)")
    try:
        info = probe(up.path)
    except HushError as e:
        raise audio_problem(e, up.field) from None
    if info.duration > max_seconds:
        raise ApiError(
            413, f"{up.field}: {info.duration:.1f} s of audio; this service accepts at most {max_seconds:g} s"
        )
    return info


def enhance(up: Upload, opts: EnhanceOptions, folder: Path, max_seconds: float) -> Enhanced:
    """Enhance an upload with :func:`hush.enhance_file` (so the result equals ``hush enhance`` on the same file)."""
    info = checked_info(up, max_seconds)
    fmt = opts.format or {"WAV": "wav", "FLAC": "flac", "OGG": "ogg"}.get(info.format, "wav")
    dst = folder / f"enhanced.{fmt}"
    t0 = time.perf_counter()
    try:
        result = hush.enhance_file(up.path, dst, opts.enhancer)
        rate = info.sample_rate
        if opts.sample_rate and opts.sample_rate != info.sample_rate:
            subtype = probe(dst).subtype
            x, _ = read(dst)
            dst = folder / f"enhanced-{opts.sample_rate}.{fmt}"
            write(dst, resample(x, info.sample_rate, opts.sample_rate), opts.sample_rate, subtype=subtype)
            rate = opts.sample_rate
    except HushError as e:
        raise audio_problem(e, up.field) from None
    warnings = [w.replace(str(up.path), up.field) for w in result.warnings]  # never show a scratch path
    return Enhanced(dst, FORMATS[fmt], fmt, rate, info.channels, info.duration, time.perf_counter() - t0, warnings)


def dnsmos(up: Upload, max_seconds: float) -> dict:
    """DNSMOS P.835 and P.808 of one upload (mono mix), at most :data:`DNSMOS_MAX_WINDOWS` windows."""
    from hush.metrics import dnsmos as score

    checked_info(up, max_seconds)
    try:
        x, sr = read(up.path)
    except HushError as e:
        raise audio_problem(e, up.field) from None
    t0 = time.perf_counter()
    try:
        scores = score(x.mean(axis=0), sr, max_windows=DNSMOS_MAX_WINDOWS)
    except MissingExtraError as e:
        raise ApiError(501, str(e)) from None
    out = {k: (None if not np.isfinite(v) else round(float(v), 4)) for k, v in scores.items()}
    out["seconds"] = round(time.perf_counter() - t0, 4)
    return out


def tag(up: Upload, top: int, timeline: bool, max_seconds: float) -> dict:
    """The top AudioSet classes of one upload (``hush tag --json``'s document for it), channels averaged."""
    checked_info(up, max_seconds)
    try:
        x, sr = read(up.path)
    except HushError as e:
        raise audio_problem(e, up.field) from None
    t0 = time.perf_counter()
    try:
        doc = hush.tag(x, sr, top, timeline=timeline).as_dict()
    except HushError as e:
        raise audio_problem(e, up.field) from None
    doc["seconds"] = round(time.perf_counter() - t0, 4)
    return doc


def evaluate(files: dict[str, Upload], metrics: list[str] | None, max_seconds: float) -> dict:
    """The JSON document of ``hush evaluate`` for one clean / enhanced (/ noisy) triple."""
    from hush.evaluation import Pair, score_pair, summarize
    from hush.evaluation.scoring import split_metrics

    try:
        split_metrics(metrics, asr=False)
    except HushError as e:
        raise ApiError(422, str(e)) from None
    for up in files.values():
        checked_info(up, max_seconds)
    noisy = files.get("noisy")
    name = Path(files["enhanced"].filename).stem or "enhanced"
    scored = score_pair(Pair(name, files["clean"].path, files["enhanced"].path, noisy.path if noisy else None), metrics)
    if scored.error:  # the message names the scratch path: name the form field instead
        raise ApiError(400, _unpath(scored.error, files))
    doc = summarize([scored])
    doc["warnings"] = [_unpath(w, files) for w in scored.warnings]
    return _no_nan(doc)


def _unpath(text: str, files: dict[str, Upload]) -> str:
    for up in files.values():
        text = text.replace(str(up.path), up.field).replace(up.path.name, up.field)
    return text


def _no_nan(o):
    """NaN -> null, as ``hush evaluate --json`` writes it."""
    if isinstance(o, float) and not np.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _no_nan(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_no_nan(v) for v in o]
    return o
