"""VoiceBank-DEMAND (Valentini-Botinhao et al., Edinburgh DataShare 10283/1942 and 10283/2791).

Official layout (each zip unpacks to one folder; they may sit in ROOT or in ROOT/data)::

    clean_trainset_28spk_wav/p226_001.wav   noisy_trainset_28spk_wav/p226_001.wav
    clean_trainset_56spk_wav/...            noisy_trainset_56spk_wav/...
    clean_testset_wav/p232_001.wav          noisy_testset_wav/p232_001.wav
    trainset_28spk_txt/ trainset_56spk_txt/ testset_txt/          (transcripts, optional)
    log_trainset_28spk.txt log_trainset_56spk.txt log_testset.txt  (optional, also under logfiles/)

48 kHz mono WAV. Speaker = file prefix (``p226``). The log files, lines ``p226_001 babble 5``, give the noise type
(-> ``category``) and the SNR (-> ``extra["snr_db"]``). The 28- and 56-speaker training sets have different
speakers; option ``speakers`` = ``auto`` (every training set present), ``28``, ``56`` or ``both`` (both required).
"""

from __future__ import annotations

from pathlib import Path

from hush.data.manifest import Record
from hush.data.prepare._common import layout_error, number, pair_records, read_text, skipped, subdirs
from hush.data.prepare.registry import register
from hush.errors import HushError

NAME = "voicebank-demand"
LICENSE = "CC BY 4.0"
EXPECTED = "clean_trainset_28spk_wav/ and/or clean_trainset_56spk_wav/, clean_testset_wav/ and their noisy_* twins"
TRAINSETS = {"28": "trainset_28spk", "56": "trainset_56spk"}


def _base(root: Path) -> Path | None:
    def looks(d: Path) -> bool:
        return any((d / f"clean_{s}_wav").is_dir() for s in (*TRAINSETS.values(), "testset"))

    for d in (root, root / "data", *subdirs(root)):
        if d.is_dir() and looks(d):
            return d
    return None


def _read_log(base: Path, name: str) -> dict[str, tuple[str, float | int | None]]:
    for folder in (base, base / "logfiles", base.parent, base.parent / "logfiles"):
        text = read_text(folder / f"log_{name}.txt")
        if text is None:
            continue
        out = {}
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 3:
                out[parts[0]] = (parts[1], number(parts[2]))
        return out
    return {}


@register(NAME, "VoiceBank-DEMAND (Valentini et al.): 48 kHz clean/noisy pairs, 28/56-speaker train + test")
def prepare(root: Path, *, speakers: str = "auto") -> list[Record]:
    base = _base(root)
    if base is None:
        raise layout_error(root, "VoiceBank-DEMAND", EXPECTED)
    present = [k for k, s in TRAINSETS.items() if (base / f"clean_{s}_wav").is_dir()]
    if speakers == "auto":
        wanted = present
    elif speakers == "both":
        wanted = ["28", "56"]
    elif speakers in TRAINSETS:
        wanted = [speakers]
    else:
        raise HushError(f"option speakers: expected auto, 28, 56 or both, not {speakers!r}")
    for k in wanted:
        if k not in present:
            raise HushError(f"{base}: no clean_{TRAINSETS[k]}_wav/ folder (the {k}-speaker training set)")
    sets = [(TRAINSETS[k], "train") for k in wanted]
    if (base / "clean_testset_wav").is_dir():
        sets.append(("testset", "test"))

    pairs, missing = [], []
    for name, split in sets:
        clean_dir, noisy_dir = base / f"clean_{name}_wav", base / f"noisy_{name}_wav"
        if not noisy_dir.is_dir():
            raise HushError(f"{base}: clean_{name}_wav/ has no matching noisy_{name}_wav/ folder")
        log = _read_log(base, name)
        txt_dir = base / f"{name}_txt"
        for clean in sorted(p for p in clean_dir.iterdir() if p.suffix.lower() == ".wav"):
            noisy = noisy_dir / clean.name
            if not noisy.is_file():
                missing.append(str(noisy))
                continue
            utt = clean.stem
            extra: dict = {"subset": name}
            category = None
            if utt in log:
                category, snr = log[utt]
                if snr is not None:
                    extra["snr_db"] = snr
            text = read_text(txt_dir / f"{utt}.txt") if txt_dir.is_dir() else None
            if text:
                extra["text"] = text
            pairs.append(
                (
                    clean,
                    noisy,
                    {
                        "speaker": utt.split("_")[0],
                        "split": split,
                        "category": category,
                        "license": LICENSE,
                        "extra": extra,
                    },
                )
            )
    skipped(NAME, "clean file without its noisy twin", missing)
    return pair_records(NAME, root, pairs)
