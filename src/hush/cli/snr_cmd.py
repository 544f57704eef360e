"""``hush snr FILE... [--plot out.png] [--json]``: how noisy are my recordings? Per-frame SNR estimates."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "snr",
        help="estimate the SNR of noisy recordings, frame by frame",
        description="Print the bundled SNR predictor's estimate for every 64 ms frame (every 16 ms) of each file "
        "and their mean, in dB. No clean reference is needed. The estimates are those that weight personalization "
        "(hush personalize).",
    )
    p.add_argument("inputs", nargs="+", type=Path, metavar="FILE", help="audio files")
    p.add_argument("--plot", type=Path, metavar="OUT.png", help="draw the estimate over the waveform (one FILE)")
    p.add_argument("--summary", action="store_true", help="only the mean of each file")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    p.add_argument("--predictor", type=Path, metavar="PATH", help="another predictor file (default: the shipped one)")
    p.set_defaults(func=run)


def plot(path: Path, audio, sr: int, track, out: Path) -> None:
    """Waveform and the per-frame estimate on a shared time axis, written atomically to ``out``."""
    import numpy as np

    from hush.atomic import replace_into
    from hush.errors import MissingExtraError

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingExtraError("--plot needs matplotlib: pip install 'hush[plot]'") from None
    fig, ax = plt.subplots(figsize=(10, 3.5))
    t = np.arange(audio.shape[-1]) / sr
    ax.plot(t, audio, color="0.75", linewidth=0.5)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    ax.set_title(f"{path.name}: mean SNR estimate {track.mean_db:.1f} dB")
    ax2 = ax.twinx()
    ax2.plot(track.times + track.frame_s / 2, track.db, color="tab:blue", linewidth=1.2)
    ax2.set_ylabel("SNR estimate (dB)", color="tab:blue")
    fig.tight_layout()
    with replace_into(out) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)


def run(args) -> int:
    from hush.audio.io import read
    from hush.audio.layout import to_mono
    from hush.errors import HushError
    from hush.models.snr import load_predictor, snr_track
    from hush.pretrained import snr_predictor_path

    if args.plot is not None and len(args.inputs) != 1:
        raise HushError(f"--plot draws one file, got {len(args.inputs)}")
    predictor = load_predictor(args.predictor or snr_predictor_path())
    docs, errors = [], []
    for path in args.inputs:
        try:
            audio, sr = read(path)
        except HushError as e:
            errors.append(str(e))
            print(f"hush: error: {e}", file=sys.stderr)
            continue
        track = snr_track(audio, sr, predictor)
        if args.plot is not None:
            plot(path, to_mono(audio), sr, track, args.plot)
        if args.json:
            doc = {"file": str(path), "mean_db": round(track.mean_db, 2), "hop_s": track.hop_s}
            docs.append(doc | ({} if args.summary else {"frames_db": [round(float(v), 2) for v in track.db]}))
            continue
        print(f"{path}: mean {track.mean_db:.1f} dB over {len(track.db)} frames of {1000 * track.frame_s:.0f} ms")
        if not args.summary:
            for t, v in zip(track.times, track.db, strict=True):
                print(f"  {t:8.3f}  {v:6.1f}")
    if args.json:
        print(json.dumps({"files": docs, "errors": errors}, indent=2))
    return 1 if errors else 0
