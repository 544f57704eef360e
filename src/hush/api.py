"""The public Python API: ``hush.enhance``, ``hush.enhance_file``, ``hush.enhance_many``, ``hush.evaluate``,
``hush.load_method``, ``hush.tag``."""

from __future__ import annotations

import os
import warnings

import numpy as np

from hush.audio.checks import as_real_audio, check_rate
from hush.audio.layout import to_mono
from hush.inference import FileResult, enhance_array
from hush.inference import enhance_file as _enhance_file
from hush.inference.progress import ProgressCallback
from hush.methods import Enhancer, default_method, resolve


def _control(options: dict, atten_lim_db: float | None, mix: float) -> dict:
    """Add the suppression control to ``options`` when set (defaults leave a spec's own values in force)."""
    if atten_lim_db is not None:
        options["atten_lim_db"] = atten_lim_db
    if mix is None or isinstance(mix, bool) or mix != 1.0:
        options["mix"] = mix
    return options


def load_method(name_or_path: str, atten_lim_db: float | None = None, mix: float = 1.0, **options) -> Enhancer:
    """A ready method: classical name, bundled model name (``default``, ``hq``) or model-file path.

    ``atten_lim_db``: most suppression per time-frequency bin in dB (> 0; ``None``: no limit). ``mix``: 0..1,
    ``mix * enhanced + (1 - mix) * input`` (1: fully enhanced). See :mod:`hush.methods.control`.
    """
    return resolve(name_or_path, **_control(options, atten_lim_db, mix))


def load_model(name_or_path: str, *args, **kwargs) -> Enhancer:
    """Deprecated name of :func:`load_method` (it returns a method, not a model; see :func:`hush.models.load`)."""
    warnings.warn("hush.load_model is deprecated; use hush.load_method", DeprecationWarning, stacklevel=2)
    return load_method(name_or_path, *args, **kwargs)


def enhance(
    audio: np.ndarray,
    sr: int,
    method: str | Enhancer | None = None,
    atten_lim_db: float | None = None,
    mix: float = 1.0,
    *,
    downmix: bool = False,
    keep_channels: bool = False,
    progress: ProgressCallback | None = None,
    **options,
) -> np.ndarray:
    """Enhance ``audio`` (``(T,)``, ``(C, T)`` or soundfile's ``(T, C)``; float, or int16/int32 PCM scaled from
    its integer range) sampled at ``sr``; same shape out (float32).

    ``atten_lim_db`` and ``mix`` as for :func:`load_method`. ``downmix``: enhance the channel mean once and return
    it mono, ``(T,)`` (``keep_channels``: in every channel, same shape as the input). ``progress(done, total)``:
    called with the input samples (per channel) done so far, at least about once a second for causal methods.
    """
    return enhance_array(
        audio,
        sr,
        method or default_method(),
        downmix=downmix,
        keep_channels=keep_channels,
        progress=progress,
        **_control(options, atten_lim_db, mix),
    )


def enhance_file(
    src: str | os.PathLike,
    dst: str | os.PathLike | None = None,
    method: str | Enhancer | None = None,
    *,
    overwrite: bool = False,
    atten_lim_db: float | None = None,
    mix: float = 1.0,
    downmix: bool = False,
    keep_channels: bool = False,
    progress: ProgressCallback | None = None,
    **options,
) -> FileResult:
    """Enhance one audio file into ``dst`` (atomic write, bounded memory, same format and bit depth as the input).

    ``dst`` defaults to ``<stem>_enhanced.<ext>`` beside ``src`` (``.flac`` for inputs hush reads but cannot
    write, such as ``.m4a``). ``atten_lim_db`` and ``mix`` as for :func:`load_method`; ``downmix``,
    ``keep_channels`` and ``progress`` as for :func:`enhance`. The result's ``seconds`` is the wall time.
    """
    return _enhance_file(
        src,
        dst,
        method or default_method(),
        overwrite=overwrite,
        downmix=downmix,
        keep_channels=keep_channels,
        progress=progress,
        **_control(options, atten_lim_db, mix),
    )


def enhance_many(
    inputs,
    out: str | os.PathLike,
    method: str | None = None,
    cluster: str | None = None,
    *,
    atten_lim_db: float | None = None,
    mix: float = 1.0,
    **kwargs,
):
    """Enhance many files (files, folders, globs, JSONL/CSV file lists) into the folder ``out``, here or on a Ray
    cluster (``cluster="auto"`` or ``"ray://HOST:PORT"``, ``hush[cluster]``); returns a
    :class:`~hush.cluster.Summary` (files, seconds of audio, failures with their reasons). Other keywords: see
    :func:`hush.cluster.enhance_many`; ``atten_lim_db`` and ``mix`` as for :func:`load_method`.
    """
    from hush.cluster import enhance_many as _enhance_many

    return _enhance_many(inputs, out, method or default_method(), cluster, **_control(kwargs, atten_lim_db, mix))


def tag(audio: np.ndarray, sr: int, top: int = 5, *, timeline: bool = False, tagger: str | os.PathLike | None = None):
    """The most probable AudioSet classes of ``audio`` (layouts as for :func:`enhance`, channels averaged) at
    ``sr``: a :class:`hush.tagging.TagResult` whose ``tags`` are the top ``top`` classes of the whole recording
    (name, class index, probability; the tagger is multi-label, so probabilities do not sum to 1), ``timeline``
    those of each second when asked for, ``probabilities`` all 527. ``tagger``: another copy of the weights."""
    from hush.tagging import tag_array

    return tag_array(audio, sr, top, timeline, tagger)


def evaluate(clean: np.ndarray, enhanced: np.ndarray, sr: int, metrics: list[str] | None = None) -> dict:
    """Metrics of ``enhanced`` against ``clean`` at ``sr`` (multi-channel input is averaged to mono, layouts as
    for :func:`enhance`); see :mod:`hush.metrics`. A silent or constant ``enhanced`` where ``clean`` has speech
    scores each metric's worst value (:mod:`hush.metrics.degenerate`)."""
    from hush.metrics import compute_metrics
    from hush.metrics.degenerate import degenerate_output, worst_scores

    sr = check_rate(sr)
    clean = to_mono(as_real_audio(clean, "clean").astype(np.float64))
    enhanced = to_mono(as_real_audio(enhanced, "enhanced").astype(np.float64))
    n = min(len(clean), len(enhanced))
    scores = compute_metrics(clean[:n], enhanced[:n], sr, metrics)
    if degenerate_output(clean[:n], enhanced[:n]):  # a silent or constant output is a failure: worst values
        scores = worst_scores(scores)
    return scores


def personalize(
    recordings,
    out: str | os.PathLike,
    *,
    init: str = "default",
    method: str = "pse-dp",
    minutes: float = 20.0,
    noise: str | os.PathLike | None = None,
    max_steps: int | None = None,
    recursive: bool = False,
    overwrite: bool = False,
    progress=None,
    **options,
):
    """Personalize a model on a user's own noisy recordings (files, folders or globs; no clean speech) and write it
    as the model file ``out``, usable as ``hush.enhance(x, sr, method=out)``. ``init``: the starting model (bundled
    name, model file, or ``ARCH:key=value,...``); ``method``: ``"pse-dp"`` (with data purification) or ``"pse"``;
    ``minutes``: wall-time budget; ``noise``: a folder of training noise instead of the generated bank. Other
    options: the fields of :class:`hush.training.personalize.PersonalizeConfig`. ``progress(report)`` is called
    after every step. Returns a :class:`hush.training.personalize.Result`; an unfinished run resumes."""
    from hush.training.personalize import PersonalizeConfig
    from hush.training.personalize import personalize as _personalize

    cfg = PersonalizeConfig(
        init=init, method=method, minutes=minutes, max_steps=max_steps, noise=None if noise is None else str(noise),
        **options,
    )  # fmt: skip
    inputs = [recordings] if isinstance(recordings, (str, os.PathLike)) else list(recordings)
    return _personalize(inputs, out, cfg, recursive=recursive, overwrite=overwrite, progress=progress)


def snr(audio: np.ndarray, sr: int, predictor: str | os.PathLike | None = None):
    """Per-frame SNR estimates of a noisy recording (layouts as for :func:`enhance`, channels averaged): a
    :class:`hush.models.snr.SNRTrack` with ``db`` (one value per 64 ms frame, every 16 ms), ``times`` and
    ``mean_db``. ``predictor``: another predictor file than the bundled one."""
    from hush.models.snr import load_predictor, snr_track
    from hush.pretrained import snr_predictor_path

    sr = check_rate(sr)
    x = as_real_audio(audio)
    return snr_track(x, sr, load_predictor(predictor or snr_predictor_path()))
