"""Non-intrusive DNSMOS P.835 (SIG / BAK / OVRL) and P.808 scores.

Runs the ONNX models shipped inside the ``speechmos`` wheel with our own onnxruntime sessions (one intra-op
and one inter-op thread, cached per process), reproducing ``speechmos.dnsmos.run(x, 16000)``:

* the clip is resampled to 16 kHz (soxr) and, if its peak exceeds 1, divided by its peak (speechmos rejects
  input outside [-1, 1]);
* a clip shorter than 9.01 s is repeated (doubled until long enough) like speechmos does;
* 9.01 s windows with a 1 s hop are scored; P.835 raw outputs go through the published polynomial
  mapping (non-personalised by default), P.808 takes a 120-band log-mel spectrogram of the window minus
  its last 10 ms;
* the per-window scores are averaged.

Empty or non-finite input gives NaN for all four scores (speechmos loops forever on
an empty array).
"""

from __future__ import annotations

import importlib.util
import math
import os
import threading
from pathlib import Path

import numpy as np

from hush.errors import MissingExtraError
from hush.metrics._common import NAN, all_finite, as_mono, require, resample

DNSMOS_RATE = 16000
_WINDOW_S = 9.01
_HOP_S = 1.0
_KEYS = ("dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl", "dnsmos_p808")

# Polynomial maps from raw model outputs to MOS (cubic if personalised, else quadratic), highest power first.
POLYFIT = {
    False: {
        "sig": (-0.08397278, 1.22083953, 0.0052439),
        "bak": (-0.13166888, 1.60915514, -0.39604546),
        "ovrl": (-0.06766283, 1.11546468, 0.04602535),
    },
    True: {
        "sig": (-0.01019296, 0.02751166, 1.19576786, -0.24348726),
        "bak": (-0.04976499, 0.44276479, -0.1644611, 0.96883132),
        "ovrl": (-0.00533021, 0.005101, 1.18058466, -0.11236046),
    },
}

_sessions: dict[str, object] = {}
_sessions_pid = os.getpid()
_lock = threading.Lock()


def model_dir() -> Path:
    """The folder of the DNSMOS ONNX models that ``speechmos`` ships."""
    spec = importlib.util.find_spec("speechmos")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError("DNSMOS", "metrics")
    return Path(next(iter(spec.submodule_search_locations)))


def _session(path: Path):
    """onnxruntime session for ``path``, single-threaded, created once per process."""
    global _sessions_pid
    ort = require("onnxruntime", "DNSMOS")
    key = str(path)
    with _lock:
        if _sessions_pid != os.getpid():  # a forked child must not reuse the parent's sessions
            _sessions.clear()
            _sessions_pid = os.getpid()
        sess = _sessions.get(key)
        if sess is None:
            if not path.is_file():
                raise MissingExtraError("DNSMOS", "metrics")
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1
            opts.inter_op_num_threads = 1
            sess = ort.InferenceSession(key, sess_options=opts, providers=["CPUExecutionProvider"])
            _sessions[key] = sess
        return sess


# ------------------------------------------------------------------------------------------ P.808 features
def _hz_to_slaney_mel(f: np.ndarray) -> np.ndarray:
    """Slaney mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    lin = f / (200.0 / 3.0)
    log = 15.0 + np.log(np.maximum(f, 1e-12) / 1000.0) / (math.log(6.4) / 27.0)
    return np.where(f >= 1000.0, log, lin)


def _slaney_mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    return np.where(m >= 15.0, 1000.0 * np.exp((math.log(6.4) / 27.0) * (m - 15.0)), m * (200.0 / 3.0))


def _mel_filters(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Area-normalised (Slaney) triangular mel filters (n_mels, n_fft // 2 + 1), float32 like librosa's."""
    fft_hz = np.fft.rfftfreq(n_fft, 1.0 / sr)
    edges = _slaney_mel_to_hz(np.linspace(0.0, _hz_to_slaney_mel(np.array(sr / 2.0)), n_mels + 2))
    widths = np.diff(edges)
    dist = edges[:, None] - fft_hz[None, :]
    rising = -dist[:-2] / widths[:-1, None]
    falling = dist[2:] / widths[1:, None]
    filt = np.maximum(0.0, np.minimum(rising, falling)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return filt.astype(np.float32)


def _p808_features(seg: np.ndarray, sr: int = DNSMOS_RATE) -> np.ndarray:
    """(frames, 120) log-mel input of the P.808 model: 321-point centred STFT, hop 10 ms, dB re max, /40."""
    n_fft, hop, n_mels = 321, 160, 120
    pad = n_fft // 2
    x = np.pad(seg, (pad, pad))
    n_frames = 1 + (x.size - n_fft) // hop
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)  # periodic Hann
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[: (n_frames - 1) * hop + 1 : hop]
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2  # (frames, bins)
    mel = power @ _mel_filters(sr, n_fft, n_mels).T.astype(np.float64)
    amin = 1e-10
    db = 10.0 * np.log10(np.maximum(mel, amin)) - 10.0 * np.log10(max(amin, float(mel.max())))
    db = np.maximum(db, db.max() - 80.0)
    return (db + 40.0) / 40.0


# ----------------------------------------------------------------------------------------------- scoring
def _prepare(x: np.ndarray, sr: int) -> np.ndarray | None:
    audio = resample(as_mono(x, "x"), sr, DNSMOS_RATE)
    if audio.size == 0 or not all_finite(audio):
        return None
    peak = float(np.max(np.abs(audio)))
    if peak > 1.0:
        audio = audio / peak
    need = int(_WINDOW_S * DNSMOS_RATE)
    reps = 1
    while audio.size * reps < need:  # speechmos doubles a short clip until it covers one window
        reps *= 2
    return np.tile(audio, reps) if reps > 1 else audio


def dnsmos(
    x: np.ndarray, sr: int, personalized: bool = False, max_windows: int | None = None, p808: bool = True
) -> dict[str, float]:
    """DNSMOS of a single clip: ``{"dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl", "dnsmos_p808"}``.

    ``personalized`` selects the personalised P.835 model (speechmos ``model_type="dnsmos_personalized"``).
    ``max_windows`` scores at most that many of the 9.01 s windows, evenly spaced (first and last included),
    instead of all of them: a faster approximation for ranking many clips (each window costs ~0.35 s on one
    core, and a 1 s clip tiled to 9 s has 9 nearly identical windows). ``None`` reproduces speechmos.
    ``p808=False`` skips the P.808 model (its score is NaN), halving the time.
    Needs ``onnxruntime`` and the ``speechmos`` wheel (for its model files), else raises MissingExtraError.
    """
    models = model_dir()
    primary = _session(models / ("pdnsmos_models" if personalized else "dnsmos_models") / "sig_bak_ovr.onnx")
    p808_session = _session(models / "dnsmos_models" / "model_v8.onnx") if p808 else None
    audio = _prepare(x, sr)
    if audio is None:
        return dict.fromkeys(_KEYS, NAN)

    fs = DNSMOS_RATE
    need = int(_WINDOW_S * fs)
    n_windows = int(np.floor(audio.size / fs) - _WINDOW_S) + 1
    poly = POLYFIT[bool(personalized)]
    scores: dict[str, list[float]] = {k: [] for k in _KEYS}
    starts = range(n_windows)
    if max_windows is not None and n_windows > max_windows:
        if max_windows < 1:
            raise ValueError(f"max_windows must be at least 1, got {max_windows}")
        starts = sorted({int(round(v)) for v in np.linspace(0, n_windows - 1, max_windows)})
    for i in starts:
        seg = audio[int(i * _HOP_S * fs) : int((i + _WINDOW_S) * _HOP_S * fs)]
        if seg.size < need:
            continue
        raw = primary.run(None, {"input_1": seg.astype(np.float32)[None, :]})[0][0]
        if p808_session is not None:
            feats = _p808_features(seg[:-160]).astype(np.float32)[None, :, :]
            scores["dnsmos_p808"].append(float(p808_session.run(None, {"input_1": feats})[0][0][0]))
        for name, value in zip(("sig", "bak", "ovrl"), raw, strict=True):
            scores[f"dnsmos_{name}"].append(float(np.polyval(poly[name], float(value))))
    return {k: float(np.mean(v)) if v else NAN for k, v in scores.items()}
