"""REVERB challenge 2014 (Kinoshita et al.; reverb2014.dereverberation.com), simulated part.

Assumed layout, as distributed by the challenge (ROOT = the folder holding the packages, which may also sit one or
two levels lower, e.g. ``ROOT/SimData/REVERB_WSJCAM0_dt``)::

    REVERB_WSJCAM0_dt/data/{near_test,far_test}/primary_microphone/si_dt/c31/c31c0204_ch1.wav ... _ch8.wav
    REVERB_WSJCAM0_dt/data/cln_test/primary_microphone/si_dt/c31/c31c0204.wav        (clean WSJCAM0 reference)
    REVERB_WSJCAM0_et/data/{near_test,far_test,cln_test}/{primary,secondary}_microphone/si_et_{1,2}/...
    REVERB_WSJCAM0_tr/data/mc_train/primary_microphone/si_tr/<spk>/<utt>_ch1.wav      (generated training data)
    taskFiles/1ch/SimData_dt_for_1ch_far_room1_A ...                                     (optional)
    reverb_tools_for_Generate_mcTrainData/RIR/*.wav, .../NOISE/*.wav                     (optional)

Records:

- ``pair`` for every SimData reverberant file of channel ``channel`` (default 1, the challenge's reference mic
  ``_A``) whose clean reference exists: for ``*_test`` the file with the same relative path under ``cln_test`` and
  ``_chN`` removed; for ``mc_train`` a sibling ``mc_train_clean`` tree if present, else the WSJCAM0 corpus given
  with option ``wsjcam0=DIR`` (``DIR/data/primary_microphone/si_tr/<spk>/<utt>.{wav,wv1}``, SPHERE is fine).
  speaker = WSJCAM0 speaker folder; split dt -> ``dev``, et -> ``test``, tr -> ``train``; ``extra`` holds
  ``distance`` (near/far), ``channel``, and ``room`` (room1..3, small/medium/large) when the 1ch task files are found.
- ``rir`` for every file in a folder named ``RIR`` (multi-channel measured responses), ``noise`` for a ``NOISE``
  folder beside it; category = room/noise name from the file name when recognisable.

RealData (MC_WSJ_AV recordings) has no clean reference and is skipped. WSJCAM0 is an LDC corpus and is not part of
the challenge download. Only the folder structure above is assumed; file lists (task files) are optional.
"""

from __future__ import annotations

import re
from pathlib import Path

from hush.data.manifest import Record
from hush.data.prepare._common import (
    audio_files,
    find_dirs,
    layout_error,
    pair_records,
    single_records,
    skipped,
    subdirs,
)
from hush.data.prepare.registry import register
from hush.errors import HushError

NAME = "reverb"
EXPECTED = "REVERB_WSJCAM0_{dt,et,tr}/data/{near_test,far_test,cln_test,mc_train}/... or a RIR/ folder"
SPLITS = {"dt": "dev", "et": "test", "tr": "train"}
_PKG = re.compile(r"^REVERB_WSJCAM0_(dt|et|tr)$", re.I)
_TASK = re.compile(r"^SimData_(dt|et)_for_1ch_(near|far)_(room\d)_A$", re.I)
_CH = re.compile(r"_ch(\d+)$", re.I)
_ROOM = re.compile(r"(Small|Medium|Large)Room\d*", re.I)


def _rooms(root: Path) -> dict[tuple[str, str, str], str]:
    """(dt|et, near|far, utterance) -> room, from ``taskFiles/1ch/SimData_*_for_1ch_*_roomN_A``."""
    out = {}
    for tdir in find_dirs(root, lambda d: d.name.lower() == "taskfiles", max_depth=3):
        one = next((d for d in subdirs(tdir) if d.name.lower() == "1ch"), tdir)
        for f in sorted(one.iterdir()):
            m = _TASK.match(f.name)
            if not m or not f.is_file():
                continue
            for line in f.read_text(errors="replace").split():
                utt = _CH.sub("", Path(line.replace("\\", "/")).stem)
                out[(m.group(1).lower(), m.group(2).lower(), utt)] = m.group(3).lower()
    return out


def _train_clean(data: Path, rel: Path, utt: str, wsjcam0: Path | None) -> Path | None:
    mirror = data / "mc_train_clean" / rel.parent / f"{utt}.wav"
    if mirror.is_file():
        return mirror
    if wsjcam0 is not None:
        spk = rel.parent.name
        for sub in ("data", "data_wav", "."):
            for ext in (".wav", ".wv1", ".WAV", ".WV1"):
                p = wsjcam0 / sub / "primary_microphone" / "si_tr" / spk / f"{utt}{ext}"
                if p.is_file():
                    return p
    return None


@register(NAME, "REVERB challenge SimData: reverberant/clean pairs (dev, eval, generated train), RIRs")
def prepare(root: Path, *, channel: int = 1, wsjcam0: str = "") -> list[Record]:
    if not 1 <= channel <= 8:
        raise HushError(f"option channel: expected 1..8, not {channel}")
    wsj = Path(wsjcam0).expanduser() if wsjcam0 else None
    if wsj is not None and not wsj.is_dir():
        raise HushError(f"option wsjcam0: {wsj}: no such directory")
    packages = find_dirs(root, lambda d: bool(_PKG.match(d.name)), max_depth=3)
    rir_dirs = find_dirs(root, lambda d: d.name.upper() == "RIR", max_depth=3)
    if not packages and not rir_dirs:
        raise layout_error(root, "REVERB challenge", EXPECTED)

    rooms = _rooms(root) if packages else {}
    pairs, no_ref = [], []
    for pkg in packages:
        part = _PKG.match(pkg.name).group(1).lower()
        data = pkg / "data"
        conds = ["mc_train"] if part == "tr" else ["near_test", "far_test"]
        for cond in conds:
            cdir = data / cond
            if not cdir.is_dir():
                continue
            for f in audio_files(cdir, {".wav"}):
                m = _CH.search(f.stem)
                if not m or int(m.group(1)) != channel:
                    continue
                utt = f.stem[: m.start()]
                rel = f.relative_to(cdir)
                if part == "tr":
                    clean = _train_clean(data, rel, utt, wsj)
                else:
                    clean = data / "cln_test" / rel.parent / f"{utt}.wav"
                    clean = clean if clean.is_file() else None
                if clean is None:
                    no_ref.append(str(f))
                    continue
                extra: dict = {"channel": channel}
                if part != "tr":
                    distance = cond.split("_")[0]
                    extra["distance"] = distance
                    if room := rooms.get((part, distance, utt)):
                        extra["room"] = room
                pairs.append((clean, f, {"speaker": rel.parent.name, "split": SPLITS[part], "extra": extra}))
    if no_ref and all("mc_train" in p for p in no_ref) and wsj is None:
        skipped(NAME, "training file without a clean reference (give --option wsjcam0=DIR)", no_ref)
    else:
        skipped(NAME, "reverberant file without a clean reference", no_ref)
    records = pair_records(NAME, root, pairs)

    for rdir in rir_dirs:
        rirs = [(p, {"category": (m.group(0) if (m := _ROOM.search(p.stem)) else None)}) for p in audio_files(rdir)]
        records += single_records("rir", NAME, root, rirs)
        noise_dir = next((d for d in subdirs(rdir.parent) if d.name.upper() == "NOISE"), None)
        if noise_dir is not None:
            noises = [
                (p, {"category": (m.group(0) if (m := _ROOM.search(p.stem)) else None)}) for p in audio_files(noise_dir)
            ]
            records += single_records("noise", NAME, root, noises)
    return records
