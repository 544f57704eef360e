"""Microsoft DNS Challenge (Interspeech 2020 layout of github.com/microsoft/DNS-Challenge).

Official layout (ROOT is the repository or its ``datasets/`` folder)::

    datasets/clean/book_00000_chp_0009_reader_06709_11.wav        -> speech, speaker = reader id
    datasets/noise/--9VR_F7CtY.wav, datasets/noise/door_....wav    -> noise
    datasets/impulse_responses/**.wav (later challenges, if present) -> rir
    datasets/test_set/synthetic/{no_reverb,with_reverb}/clean/clean_fileid_0.wav
    datasets/test_set/synthetic/{no_reverb,with_reverb}/noisy/clnsp126_3Wjw0nadnM4_snr15_tl-22_fileid_0.wav

Test pairs are matched on the ``fileid_N`` suffix; the SNR and the target level in the noisy name go to
``extra["snr_db"]`` / ``extra["target_level_db"]``, the condition folder to ``extra["condition"]``. A noise's
category is taken from its file name when it starts with words (``air_conditioner_151977_3`` -> ``air_conditioner``);
AudioSet clips named by their 11-character YouTube id get none. Clean and noise are ``train``, test pairs ``test``.
The real-recording test set has no clean reference and is not included. Clean/noise sub-folders (later
challenges' ``clean/read_speech/...``) are searched recursively.
"""

from __future__ import annotations

import re
from pathlib import Path

from hush.data.manifest import Record
from hush.data.prepare._common import (
    audio_files,
    child,
    layout_error,
    number,
    pair_records,
    single_records,
    skipped,
    subdirs,
)
from hush.data.prepare.registry import register

NAME = "dns"
EXPECTED = "datasets/clean/, datasets/noise/ and/or datasets/test_set/synthetic/{no_reverb,with_reverb}/"
_READER = re.compile(r"reader_(\d+)")
_FILEID = re.compile(r"fileid_(\d+)$", re.I)
_SNR = re.compile(r"_snr(-?\d+(?:\.\d+)?)", re.I)
_TL = re.compile(r"_tl(-?\d+(?:\.\d+)?)", re.I)
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_STOP = {"freesound", "validated", "audioset", "demand"}


def noise_category(stem: str) -> str | None:
    """Leading words of a noise file name, lower-cased and joined by ``_``; None for a YouTube id."""
    if _YOUTUBE_ID.match(stem) and not re.fullmatch(r"[a-z_]+", stem):
        return None
    words = []
    for tok in re.split(r"[_\s]+", stem):
        if not tok or not tok.isalpha() or tok.lower() in _STOP:
            break
        words.append(tok.lower())
    return "_".join(words) or None


def _noisy_descriptor(stem: str) -> str:
    """``clnsp102_traffic_248091_3_snr0_tl-21_fileid_268`` -> ``traffic_248091_3``."""
    s = re.sub(r"^clnsp\d+_", "", stem, flags=re.I)
    return re.split(r"_snr-?\d", s, maxsplit=1, flags=re.I)[0]


def _base(root: Path) -> Path | None:
    for d in (root / "datasets", root):
        if d.is_dir() and any((d / n).is_dir() for n in ("clean", "noise", "test_set")):
            return d
    return None


@register(NAME, "DNS Challenge: clean speech, noise, impulse responses and synthetic test pairs")
def prepare(root: Path, *, test: bool = True) -> list[Record]:
    base = _base(root)
    if base is None:
        raise layout_error(root, "DNS Challenge", EXPECTED)
    records: list[Record] = []
    clean_dir = base / "clean"
    if clean_dir.is_dir():
        items = []
        for p in audio_files(clean_dir):
            m = _READER.search(p.stem)
            items.append((p, {"speaker": f"reader_{m.group(1)}" if m else None, "split": "train"}))
        records += single_records("speech", NAME, root, items)
    noise_dir = base / "noise"
    if noise_dir.is_dir():
        items = [(p, {"category": noise_category(p.stem), "split": "train"}) for p in audio_files(noise_dir)]
        records += single_records("noise", NAME, root, items)
    rir_dir = child(base, "impulse_responses")
    if rir_dir is not None:
        records += single_records("rir", NAME, root, [(p, {}) for p in audio_files(rir_dir)])

    synthetic = base / "test_set" / "synthetic"
    if test and synthetic.is_dir():
        pairs, unmatched = [], []
        for cond in subdirs(synthetic):
            cdir, ndir = child(cond, "clean"), child(cond, "noisy")
            if cdir is None or ndir is None:
                continue
            clean_by_id = {}
            for p in audio_files(cdir):
                m = _FILEID.search(p.stem)
                if m:
                    clean_by_id[m.group(1)] = p
            for noisy in audio_files(ndir):
                m = _FILEID.search(noisy.stem)
                clean = clean_by_id.get(m.group(1)) if m else None
                if clean is None:
                    unmatched.append(str(noisy))
                    continue
                extra: dict = {"condition": cond.name, "fileid": int(m.group(1))}
                if s := _SNR.search(noisy.stem):
                    extra["snr_db"] = number(s.group(1))
                if t := _TL.search(noisy.stem):
                    extra["target_level_db"] = number(t.group(1))
                pairs.append(
                    (
                        clean,
                        noisy,
                        {"split": "test", "category": noise_category(_noisy_descriptor(noisy.stem)), "extra": extra},
                    )
                )
        skipped(NAME, "noisy test file without a clean fileid twin", unmatched)
        records += pair_records(NAME, root, pairs)
    return records
