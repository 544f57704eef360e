"""Word and character error rates of an off-the-shelf speech recognizer on enhanced speech.

The recognizer is PocketSphinx (CMU Sphinx, ``hush[asr]``) with the US-English acoustic and language model its
wheel bundles: nothing is downloaded. It is an older-generation, English-only recognizer, so its absolute WER is
far above today's systems; use it for relative comparisons (enhanced against unprocessed, system against system),
where it shows what enhancement does to the cues a recognizer needs ("When de-noising hurts").

Transcripts are text files of ``<id> <words>`` lines. A file is matched to the line whose id is its stem, or else the
part of its stem after the last ``_`` (``0005dB_1088-134315-0000`` reads line ``1088-134315-0000``). Both sides are
normalised (upper case, punctuation other than apostrophes removed, whitespace collapsed) before alignment with
``jiwer``. WER over a set is pooled: all word errors over all reference words.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np

from hush.errors import HushError, MissingExtraError

ASR_METRICS = ("wer", "cer")
"""Metric names; per file they are error rates, over a set :func:`pooled_rate` of the counts below."""

COUNTS = {"wer": ("wer_errors", "wer_words"), "cer": ("cer_errors", "cer_chars")}
"""Per-file error and reference-length counts behind each rate, kept so that rates can be pooled."""

SAMPLE_RATE = 16000
_local = threading.local()


def normalize(text: str) -> str:
    """Upper case, punctuation other than apostrophes removed, single spaces."""
    text = re.sub(r"[^\w' ]+", " ", text.upper().replace("_", " "))
    return " ".join(text.split())


def read_transcripts(path: str | Path) -> dict[str, str]:
    """``{id: normalised words}`` from a file of ``<id> <words>`` lines (blank lines and ``#`` comments skipped)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise HushError(f"{path}: cannot read transcripts ({e})") from None
    out: dict[str, str] = {}
    for i, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=1)
        if len(parts) < 2:
            raise HushError(f"{path}:{i}: expected '<id> <words>', got {line[:60]!r}")
        out[parts[0]] = normalize(parts[1])
    if not out:
        raise HushError(f"{path}: no transcripts in it")
    return out


def transcript_for(name: str, transcripts: dict[str, str]) -> str | None:
    """The transcript of a file named ``name`` (a path or stem): its stem, or the stem's end after the last ``_``."""
    stem = Path(name).name
    stem = stem.rsplit(".", 1)[0] if "." in stem and not stem.startswith(".") else stem
    if stem in transcripts:
        return transcripts[stem]
    tail = stem.rsplit("_", 1)[-1]
    return transcripts.get(tail)


def _decoder():
    if getattr(_local, "decoder", None) is None:
        try:
            from pocketsphinx import Decoder
        except ModuleNotFoundError:
            raise MissingExtraError("WER (speech recognition)", "asr") from None
        _local.decoder = Decoder(loglevel="FATAL")
    return _local.decoder


def recognize(audio: np.ndarray, sr: int) -> str:
    """The recognizer's normalised words for a mono signal (resampled to 16 kHz, scaled to 16-bit)."""
    from hush.audio.resample import resample

    x = np.asarray(audio, dtype=np.float64).reshape(-1)
    if sr != SAMPLE_RATE:
        x = resample(x[None], sr, SAMPLE_RATE)[0]
    if not np.all(np.isfinite(x)):
        raise ValueError("non-finite samples")
    pcm = (np.clip(x, -1.0, 1.0) * 32767.0).round().astype("<i2")
    dec = _decoder()
    dec.start_utt()
    dec.process_raw(pcm.tobytes(), full_utt=True)
    dec.end_utt()
    hyp = dec.hyp()
    return normalize(hyp.hypstr) if hyp is not None else ""


def error_counts(reference: str, hypothesis: str) -> dict[str, float]:
    """Word and character errors (substitutions + deletions + insertions) and reference lengths, with the rates."""
    try:
        import jiwer
    except ModuleNotFoundError:
        raise MissingExtraError("WER (speech recognition)", "asr") from None
    ref, hyp = normalize(reference), normalize(hypothesis)
    if not ref:
        raise ValueError("empty reference transcript")
    n_words, n_chars = len(ref.split()), len(ref)
    if hyp:
        words, chars = jiwer.process_words(ref, hyp), jiwer.process_characters(ref, hyp)
        w_err = words.substitutions + words.deletions + words.insertions
        c_err = chars.substitutions + chars.deletions + chars.insertions
    else:  # nothing recognised: every word and character is deleted
        w_err, c_err = n_words, n_chars
    return {
        "wer": w_err / n_words,
        "cer": c_err / n_chars,
        "wer_errors": float(w_err),
        "wer_words": float(n_words),
        "cer_errors": float(c_err),
        "cer_chars": float(n_chars),
    }


def asr_scores(audio: np.ndarray, sr: int, reference: str) -> dict[str, float]:
    """:func:`error_counts` of the recognizer's output for ``audio`` against ``reference``."""
    return error_counts(reference, recognize(audio, sr))


def pooled_rate(rows, metric: str) -> float:
    """Errors over reference length summed over rows that have both counts (NaN when none has)."""
    err_key, len_key = COUNTS[metric]
    err = total = 0.0
    for r in rows:
        e, n = r.get(err_key), r.get(len_key)
        if e is None or n is None or not (np.isfinite(e) and np.isfinite(n)):
            continue
        err, total = err + e, total + n
    return err / total if total > 0 else float("nan")
