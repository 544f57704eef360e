"""Multi-channel dev benchmark: beamformers, mask sources, the beamformer -> `default` cascade, online vs offline,
and linked-channel binaural enhancement, written to the ``multichannel-dev`` section of BENCHMARKS.md.

    OMP_NUM_THREADS=1 nice python benchmarks/multichannel_dev.py ../shared/data --n 20

The dev set is simulated reproducibly into ``data/multichannel-dev/<array>/`` (kept when it exists): dev speech
(``dev/clean``) and the dev noise pool (``dev/noisy - dev/clean``, the held-out noise of the dev pairs), in rooms
of the dev seed that training never uses, for 2-, 4- and 6-microphone arrays and a binaural pair. Scores are
against the early target at the reference microphone; intervals are paired bootstraps (95 %) of the difference to
`default` on the reference channel.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402

from hush.audio.io import write  # noqa: E402
from hush.compare.bootstrap import paired_bootstrap  # noqa: E402
from hush.data.mixing.arrays import DEV_SEED, ArraySceneConfig, draw_scene, simulate_room  # noqa: E402
from hush.dsp.stft import stft  # noqa: E402
from hush.methods import resolve  # noqa: E402
from hush.metrics import compute_metrics  # noqa: E402
from hush.multichannel import MVDR, MWF, DelayAndSum, LinkedChannels, MaskSource, OracleMask, parse_array  # noqa: E402
from hush.multichannel.mask_net import WEIGHTS, load_mask_net  # noqa: E402
from hush.multichannel.masks import MethodMask  # noqa: E402

SR = 16000
ARRAYS = {2: "linear:2:0.08", 4: "linear:4:0.05", 6: "circular:6:0.0425"}
METRICS = ["si_sdr", "pesq_wb", "estoi"]


class Cached(MaskSource):
    """A mask source's offline masks kept per frame size (one neural pass shared by every row that uses it)."""

    def __init__(self, source: MaskSource):
        self.source, self.name, self.masks = source, source.name, {}

    def offline(self, x, sr, n_fft, hop):
        if (n_fft, hop) not in self.masks:
            self.masks[n_fft, hop] = self.source.offline(x, sr, n_fft, hop)
        return self.masks[n_fft, hop]

    def stream(self, channels, sr, n_fft, hop):
        raise NotImplementedError


def dev_pools(shared: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    speech, noise = [], []
    for f in sorted((shared / "dev" / "clean").glob("*.flac")):
        s, _ = sf.read(f)
        y, _ = sf.read(shared / "dev" / "noisy" / f.name)
        speech.append(s)
        noise.append(y - s)
    return speech, noise


def scenes(spec: str, n: int, pools, out: Path) -> list[dict]:
    g = parse_array(spec)
    cfg = ArraySceneConfig(seconds=4.0)
    items = []
    folder = out / spec.replace(":", "_")
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        room = simulate_room(g, cfg, DEV_SEED, i)
        sc = draw_scene(room, g, *pools, cfg, np.random.default_rng([DEV_SEED, i]))
        for kind in ("noisy", "clean", "image"):
            p = folder / kind / f"{i:05d}.wav"
            if not p.exists():
                p.parent.mkdir(exist_ok=True)
                write(p, sc[kind], SR, subtype="FLOAT")
        items.append({**sc, "azimuth": room.talker_azimuth})
    return items, g


def score(ref: np.ndarray, est: np.ndarray) -> dict:
    return compute_metrics(ref.astype(np.float64), np.asarray(est, np.float64)[: len(ref)], SR, METRICS)


def run_array(items, g, have_net: bool) -> dict[str, list[dict]]:
    default = resolve("default")
    rows: dict[str, list[dict]] = {}

    def add(name, ref, est):
        rows.setdefault(name, []).append(score(ref, est))

    for sc in items:
        x, t = sc["noisy"], sc["clean"]
        neural = Cached(MethodMask(default))
        spp = Cached(MVDR(mask="spp").mask)
        add("noisy (reference mic)", t, x[0])
        add("default (reference mic)", t, default.enhance(x[0], SR))
        add("delay-and-sum (SRP-PHAT DOA)", t, DelayAndSum().with_geometry(g).enhance(x, SR)[0])
        add("delay-and-sum (true DOA)", t, DelayAndSum(doa=sc["azimuth"]).with_geometry(g).enhance(x, SR)[0])
        add("mvdr, oracle mask, 32 ms frames", t, MVDR(mask=OracleMask(t), frame_ms=32).enhance(x, SR)[0])
        for cls in (MVDR, MWF):
            for label, m in (("oracle", OracleMask(t)), ("spp", spp), ("default", neural)):
                add(f"{cls.name}, {label} mask", t, cls(mask=m).enhance(x, SR)[0])
        if have_net:
            add("mvdr, mcmask mask (32 ms frames)", t, MVDR(mask="mcmask").enhance(x, SR)[0])
        bf = MVDR(mask=neural, frame_ms=32).enhance(x, SR)[0]
        add("mvdr (default mask, 32 ms frames) + default", t, default.enhance(bf, SR))
        for cls in (MVDR, MWF):
            bf = cls(mask=neural).enhance(x, SR)[0]
            add(f"{cls.name} (default mask) + default", t, default.enhance(bf, SR))
        on = MVDR(mask="default", online=True).enhance(x, SR)[0]
        add("mvdr, default mask, online", t, on)
        add("mvdr (default mask) + default, online", t, default.enhance(on, SR))
    return rows


def ild_errors(items, speech_dominated: bool = False) -> dict[str, list[float]]:
    """ILD and IPD errors against the talker's image over bins within 30 dB of the loudest; with
    ``speech_dominated`` only those where the talker is louder than the noise at both ears."""
    default = resolve("default")
    out: dict[str, list[float]] = {"independent": [], "linked": [], "noisy": []}
    ipd: dict[str, list[float]] = {"independent": [], "linked": [], "noisy": []}
    for sc in items:
        x, img = sc["noisy"], sc["image"].astype(np.float64)
        s = stft(img, 512, 256)
        active = np.abs(s[0]) ** 2 > 1e-3 * np.max(np.abs(s[0]) ** 2)
        if speech_dominated:
            n = stft(sc["noise"].astype(np.float64), 512, 256)
            active &= np.all(np.abs(s) > np.abs(n), axis=0)
        ild_ref = 10 * np.log10((np.abs(s[0]) ** 2 + 1e-12) / (np.abs(s[1]) ** 2 + 1e-12))
        ipd_ref = np.angle(s[0] * s[1].conj())
        for name, y in (
            ("noisy", x),
            ("independent", np.stack([default.enhance(c, SR) for c in x])),
            ("linked", LinkedChannels(default).enhance(x, SR)),
        ):
            e = stft(np.asarray(y, np.float64), 512, 256)
            ild = 10 * np.log10((np.abs(e[0]) ** 2 + 1e-12) / (np.abs(e[1]) ** 2 + 1e-12))
            out[name].append(float(np.mean(np.abs(ild - ild_ref)[active])))
            d = np.angle(np.exp(1j * (np.angle(e[0] * e[1].conj()) - ipd_ref)))
            ipd[name].append(float(np.mean(np.abs(d)[active])))
    return out, ipd


def table(rows: dict[str, list[dict]]) -> str:
    base = rows["default (reference mic)"]
    lines = [
        "| method | SI-SDR | Δ SI-SDR vs default [95 % CI] | PESQ-WB | Δ PESQ vs default [95 % CI] | ESTOI |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        m = {k: float(np.nanmean([x[k] for x in r])) for k in METRICS}
        d_sdr = paired_bootstrap([x["si_sdr"] for x in r], [x["si_sdr"] for x in base])
        d_pesq = paired_bootstrap([x["pesq_wb"] for x in r], [x["pesq_wb"] for x in base])
        lines.append(
            f"| {name} | {m['si_sdr']:.2f} | {d_sdr.mean:+.2f} [{d_sdr.low:+.2f}, {d_sdr.high:+.2f}] "
            f"| {m['pesq_wb']:.2f} | {d_pesq.mean:+.2f} [{d_pesq.low:+.2f}, {d_pesq.high:+.2f}] | {m['estoi']:.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description="multi-channel dev benchmark")
    ap.add_argument("shared", type=Path)
    ap.add_argument("--n", type=int, default=20, help="mixtures per array (default 20)")
    ap.add_argument("--out", type=Path, default=Path("data/multichannel-dev"))
    ap.add_argument("--no-write", action="store_true", help="print instead of updating BENCHMARKS.md")
    args = ap.parse_args()
    pools = dev_pools(args.shared)
    have_net = WEIGHTS.is_file()
    if have_net:
        load_mask_net()
    parts = [
        "## Multi-channel dev (simulated arrays)",
        "",
        f"`OMP_NUM_THREADS=1 nice python benchmarks/multichannel_dev.py ../shared/data --n {args.n}`",
        "",
        f"{args.n} four-second mixtures per array: dev speech and the dev noise pool in pyroomacoustics rooms of the "
        "dev seed (RT60 0.2-0.7 s, talker 0.5-2.5 m away, one or two directional noise sources plus diffuse noise "
        "with the spherically isotropic coherence, total SNR -5 to 10 dB at the reference microphone). Scores "
        "against the early target (direct path + 50 ms) at the reference microphone (channel 0). Δ: paired "
        "bootstrap of the difference to `default` on the reference channel. `oracle` masks know the target (an "
        "upper bound). Beamformers work on 128 ms frames offline (their default) unless a row says 32 ms; online: "
        "32 ms frames, recursive covariances (forgetting 0.995 per 16 ms hop), causal. Delay-and-sum averages the "
        "aligned channels, which also averages their different reflections: against the reference microphone's "
        "own early target that counts as error, so it can score below the noisy reference channel in these rooms.",
    ]
    for c, spec in ARRAYS.items():
        items, g = scenes(spec, args.n, pools, args.out)
        rows = run_array(items, g, have_net)
        parts += ["", f"### {c} microphones (`{spec}`)", "", table(rows)]
        print(parts[-1], flush=True)
    items, _ = scenes("binaural", args.n, pools, args.out)
    ild, ipd = ild_errors(items)
    ild_s, ipd_s = ild_errors(items, speech_dominated=True)
    parts += [
        "",
        "### Binaural: spatial cues with `--link-channels`",
        "",
        "A free-field pair 17.5 cm apart with outward subcardioid microphones (a stand-in for the head's shadow, no "
        "HRTF). Error of the interaural level difference (dB) and phase difference (rad) against the talker's "
        "reverberant image, mean over time-frequency bins within 30 dB of the loudest (all bins), and over those "
        "of them where the talker is louder than the noise at both ears (speech-dominated bins). A gain common to "
        "both ears cannot change a bin's ILD or IPD, so linked channels keep the input's cues exactly: in "
        "noise-dominated bins those are the noise's, which is why the all-bins error of the noisy input stays.",
        "",
        "| processing | ILD error, all bins (dB) | IPD error, all bins (rad) "
        "| ILD error, speech-dominated (dB) | IPD error, speech-dominated (rad) |",
        "|---|---|---|---|---|",
    ]
    for name in ("noisy", "independent", "linked"):
        label = {"noisy": "noisy input", "independent": "`default` per channel", "linked": "`default --link-channels`"}
        parts.append(
            f"| {label[name]} | {np.mean(ild[name]):.2f} | {np.mean(ipd[name]):.3f} "
            f"| {np.mean(ild_s[name]):.2f} | {np.mean(ipd_s[name]):.3f} |"
        )
    body = "\n".join(parts)
    print("\n".join(parts[-6:]))
    if not args.no_write:
        update_section("multichannel-dev", body)


if __name__ == "__main__":
    main()
