"""Frame-wise SNR prediction: how much speech each frame of a noisy recording holds.

The target of frame ``j`` is its segmental SNR (Sivaraman, Kim & Kim, Interspeech 2021), with ``w`` a periodic
Hann window of ``frame_len`` samples, frames every ``hop`` samples (:func:`hush.losses.base.frame_signal`, the
frames of the ``seg-weighted-mse`` loss), ``s`` the speech and ``r`` the noise residual::

    SegSNR_j = 10 log10(Σ_i (w_i s_ji)² / Σ_i (w_i r_ji)²)

clamped to ``[MIN_DB, MAX_DB]`` (silence in both is ``MIN_DB``). :class:`SNRPredictor` estimates it from the
mixture alone: log-power spectra of the same frames, a small GRU, one linear output per frame. ``sigmoid`` of its
output is the data-purification weight of a frame of a user's own recording.

The predictor's file is its own small format (``hush-snr-predictor``), read with ``weights_only=True``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hush.audio.layout import to_mono
from hush.audio.resample import resample
from hush.errors import MethodError
from hush.losses.base import frame_signal, num_frames, power, spectrum
from hush.models.model_file import atomic_torch_save, read_tagged_doc

MIN_DB, MAX_DB = -30.0, 40.0
FORMAT, VERSION = "hush-snr-predictor", 1
_TINY = 1e-12


def segsnr_target(speech: torch.Tensor, residual: torch.Tensor, frame_len: int, hop: int) -> torch.Tensor:
    """Per-frame segmental SNR in dB, ``(B, T)`` speech and residual → ``(B, J)``, clamped to [MIN_DB, MAX_DB]."""
    win = torch.hann_window(frame_len, periodic=True, dtype=speech.dtype, device=speech.device)
    es = (frame_signal(speech, frame_len, hop) * win).square().sum(-1)
    er = (frame_signal(residual, frame_len, hop) * win).square().sum(-1)
    db = 10 * torch.log10((es + _TINY) / (er + _TINY))
    return torch.where(es > _TINY, db, torch.full_like(db, MIN_DB)).clamp(MIN_DB, MAX_DB)


class SNRPredictor(nn.Module):
    """Log-power spectra of Hann frames → GRU → per-frame SegSNR estimate in dB, ``(B, T)`` → ``(B, J)``."""

    def __init__(
        self, frame_len: int = 1024, hop: int = 256, hidden: int = 64, layers: int = 2, bidirectional: bool = True
    ):
        super().__init__()
        self.config = {"frame_len": frame_len, "hop": hop, "hidden": hidden, "layers": layers}
        self.config["bidirectional"] = bool(bidirectional)
        self.frame_len, self.hop = int(frame_len), int(hop)
        self.sample_rate = 16000
        bins = frame_len // 2 + 1
        self.proj = nn.Linear(bins, hidden)
        self.rnn = nn.GRU(hidden, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), 1)

    def n_frames(self, length: int) -> int:
        return num_frames(length, self.frame_len, self.hop)

    def spectral_power(self, x: torch.Tensor) -> torch.Tensor:
        """``|X|²`` of the Hann frames, ``(B, T)`` → ``(B, J, frame_len // 2 + 1)``."""
        return power(spectrum(x, self.frame_len, self.hop))

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        """Estimates in dB, ``(B, T)`` → ``(B, J)``. ``reference`` (``(B,)``): the mean spectral power the input
        is measured against (default: the input's own; a long input cut into pieces passes that of the whole)."""
        # Power relative to the input's mean: independent of the recording's gain, but (unlike a per-frame
        # normalisation) keeping each frame's level against the others, the main cue for its SNR.
        spec = self.spectral_power(x)
        ref = spec.mean((-1, -2)) if reference is None else reference.to(spec)
        feats = torch.log10(spec / (ref[:, None, None] + _TINY) + 1e-6)
        h, _ = self.rnn(torch.relu(self.proj(feats)))
        return self.head(h).squeeze(-1)

    @torch.no_grad()
    def predict(self, x: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        """Estimates in dB (no gradient, eval mode), clamped to [MIN_DB, MAX_DB]."""
        training = self.training
        self.eval()
        y = self(x, reference).clamp(MIN_DB, MAX_DB)
        self.train(training)
        return y

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def save_predictor(model: SNRPredictor, path: str | os.PathLike, metrics: dict | None = None, meta: dict | None = None):
    """Atomically write the predictor (fp16 weights: the shipped file stays small)."""
    sd = {k: (v.half() if v.is_floating_point() else v).detach().cpu().clone() for k, v in model.state_dict().items()}
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "config": json.dumps(model.config),
        "state_dict": sd,
        "metrics": json.dumps(metrics or {}),
        "meta": json.dumps(meta or {}),
    }
    atomic_torch_save(doc, path)
    return Path(path)


def load_predictor(path: str | os.PathLike) -> SNRPredictor:
    """The predictor of a file written by :func:`save_predictor` (fp32, eval mode)."""
    doc = read_tagged_doc(path, FORMAT, "an SNR predictor file", "SNR predictor file")
    model = SNRPredictor(**json.loads(doc["config"]))
    sd: dict[str, Any] = {k: v.float() if v.is_floating_point() else v for k, v in doc["state_dict"].items()}
    try:
        model.load_state_dict(sd)
    except RuntimeError as e:
        raise MethodError(f"{path}: weights do not match the predictor config ({str(e).splitlines()[0]})") from None
    model.metrics = json.loads(doc.get("metrics", "{}"))
    model.meta = json.loads(doc.get("meta", "{}"))
    return model.eval()


CHUNK_S = 60.0  # long inputs are predicted in pieces of this many seconds (bounded memory)


@dataclass
class SNRTrack:
    """Per-frame SNR estimates of a recording: frame ``j`` covers ``[j*hop_s, j*hop_s + frame_s)`` seconds."""

    db: np.ndarray
    frame_s: float
    hop_s: float

    @property
    def mean_db(self) -> float:
        return float(np.mean(self.db)) if len(self.db) else float("nan")

    @property
    def times(self) -> np.ndarray:
        return np.arange(len(self.db)) * self.hop_s


def snr_track(audio: np.ndarray, sr: int, predictor: SNRPredictor) -> SNRTrack:
    """The predictor's per-frame SNR (dB) of ``audio`` (any layout and rate: channels are averaged, the rate
    converted to 16 kHz). Inputs over :data:`CHUNK_S` are cut into pieces that overlap by ``frame_len - hop``
    samples, so that every frame is the frame of the whole signal, all measured against the whole input's mean
    spectral power; the GRU starts afresh in each piece."""
    x = to_mono(np.asarray(audio, dtype=np.float32))
    if sr != predictor.sample_rate:
        x = resample(x, sr, predictor.sample_rate)
    n, h = predictor.frame_len, predictor.hop
    step = max(h, int(CHUNK_S * predictor.sample_rate) // h * h)
    pieces = [
        torch.as_tensor(np.ascontiguousarray(x[start : start + step + n - h]))[None]
        for start in range(0, max(1, len(x) - (n - h)), step)
    ]
    with torch.no_grad():  # the whole input's mean spectral power: pieces are measured against the same level
        powers = [predictor.spectral_power(p)[:, : step // h] for p in pieces]
        reference = torch.cat(powers, dim=1).mean((-1, -2))
    db = np.concatenate([predictor.predict(p, reference)[0, : step // h].numpy() for p in pieces])
    return SNRTrack(db, n / predictor.sample_rate, h / predictor.sample_rate)
