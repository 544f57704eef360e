"""Enhancement of in-memory arrays: the per-channel pipeline run once over the whole signal."""

from __future__ import annotations

import warnings

import numpy as np

from hush.audio.bandwidth import BandwidthMeter
from hush.audio.checks import as_real_audio, check_rate, validate_array
from hush.audio.layout import channels_first, fit_length
from hush.inference.advice import band_limited_warning
from hush.inference.array_pipeline import make_pipeline
from hush.inference.chunked import WholeSignal
from hush.inference.progress import Progress, ProgressCallback
from hush.methods import Enhancer, resolve


def enhance_array(
    audio: np.ndarray,
    sr: int,
    method: str | Enhancer = "default",
    *,
    downmix: bool = False,
    keep_channels: bool = False,
    progress: ProgressCallback | None = None,
    **options,
) -> np.ndarray:
    """Enhance ``audio`` at rate ``sr`` and return it in the same shape, layout and rate (float32).

    Channels are enhanced independently, each in one piece (offline); an array method (``mvdr``, ``mvdr+default``)
    takes them all and returns its reference channel as ``(T,)``. Integer (PCM) arrays are scaled from their integer
    range, as soundfile reads them. Silent or clipped input is processed with a :class:`UserWarning`; empty,
    complex, non-finite or too-short input, or a rate outside 8-96 kHz (a whole number of Hz; ``16000.0`` is fine),
    raises ``AudioError``.

    ``downmix``: enhance the mean of the channels once and return it as ``(T,)`` (or, with ``keep_channels``, in
    every channel of the input's shape). ``progress(done, total)``: input samples per channel; causal methods are
    then run block by block as files are (equal to the one-piece output to float rounding), so the callback comes
    at least about once a second; non-causal ones still run in one piece, with a call before and after.
    """
    if keep_channels and not downmix:
        raise ValueError("keep_channels applies with downmix (it copies the enhanced mix into every channel)")
    sr = check_rate(sr)
    enh = resolve(method, **options)
    x, transposed = channels_first(as_real_audio(audio))
    work_sr = enh.sample_rate or sr
    min_len = int(np.ceil(enh.min_length(work_sr) * sr / work_sr))
    for w in validate_array(x, sr, min_len):
        warnings.warn(w, UserWarning, stacklevel=2)
    bandwidth = BandwidthMeter(sr)
    bandwidth.update(x)
    if advice := band_limited_warning(enh, bandwidth):
        warnings.warn(advice, UserWarning, stacklevel=2)
    channels, n = x.shape
    if downmix:
        x = x.mean(axis=0, keepdims=True)
    report = Progress(progress, n, sr)
    if progress is not None and enh.causal:  # block by block, as files: reports as it goes
        pipe = make_pipeline(enh, sr, work_sr, x.shape[0])
        parts = [pipe.process(piece) for piece in report.pieces(x)]
        y = fit_length(np.concatenate([*parts, pipe.flush()], axis=1), n)
    else:
        pipe = make_pipeline(enh, sr, work_sr, x.shape[0], whole=True, new_processor=lambda: WholeSignal(enh, work_sr))
        y = fit_length(pipe.process(x, last=True), n)
    report.finish()
    if y.shape[0] != x.shape[0] or (downmix and not keep_channels):  # an array method's reference channel, a mix
        return y[0]
    if downmix:
        y = np.repeat(y, channels, axis=0)
    y = y.T if transposed else y
    return y[0] if np.ndim(audio) == 1 else y
