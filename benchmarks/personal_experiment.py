"""The personalization experiment (Sivaraman, Kim & Kim, Interspeech 2021, Fig. 3) on the shared set's five users,
and ``hush personalize --init default`` against ``default``; writes the BENCHMARKS.md section "personalization".

    python benchmarks/personal_sets.py --out runs/personal/sets
    OMP_NUM_THREADS=1 nice python benchmarks/personal_experiment.py              # reduced scale
    OMP_NUM_THREADS=1 nice python benchmarks/personal_experiment.py --full       # the paper-like scale

Systems, each a 2-layer GRU mask (64/128/256 units, STFT frame 1024, hop 256 at 16 kHz), 1 s segments, time-domain
(Hann-framed segmental) MSE, training noise from the ``train`` pool at −5…5 dB:

* SE: the generalist, on clean speech of the shared set's generalist speakers (no personalization user);
* PSE / PSE+DP: from scratch on the user's recordings (premixtures) only, without / with the bundled SNR
  predictor's frame weights;
* SE→PSE / SE→PSE+DP: the same, starting from SE of the same size.

Every trained model and every score file is cached under ``--work`` by (system, size, user), so an interrupted run
resumes where it stopped and ``--full`` reuses nothing of the reduced scale (its own folder).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402
from personal_data import load, pools  # noqa: E402

from hush.atomic import replace_into  # noqa: E402
from hush.compare.bootstrap import paired_bootstrap  # noqa: E402
from hush.data.mixing.pse import read_audio_16k  # noqa: E402
from hush.metrics import compute_metrics  # noqa: E402
from hush.models.model_file import load as load_model  # noqa: E402
from hush.models.snr import load_predictor  # noqa: E402
from hush.pretrained import bundled_path, snr_predictor_path  # noqa: E402
from hush.training.personalize import PersonalizeConfig, personalize_arrays  # noqa: E402

METHODS = {"pse": ("pse", False), "pse-dp": ("pse-dp", False), "se-pse": ("pse", True), "se-pse-dp": ("pse-dp", True)}
LABEL = {"se": "SE", "pse": "PSE", "pse-dp": "PSE+DP", "se-pse": "SE→PSE", "se-pse-dp": "SE→PSE+DP"}
METRICS = ["si_sdr", "pesq_wb", "estoi"]
# hush personalize --init default variants: (what the table says of them, PersonalizeConfig options, whether the
# training noise is the experiment's real noise pool (--noise) rather than hush's generated bank)
VARIANTS = {
    "default-enhanced-own": (
        "**the defaults**: target `enhanced`, training noise = hush's generated bank plus the noise `default` "
        "removes from the recordings (`--own-noise`)",
        {"target": "enhanced", "own_noise": True},
        False,
    ),
    "default-enhanced": (
        "`--target enhanced --no-own-noise` (the target is `default`'s own enhancement of the recordings), hush's "
        "generated training noise",
        {"target": "enhanced", "own_noise": False},
        False,
    ),
    "default-enhanced-pse": (
        "`--target enhanced --no-own-noise --method pse` (every frame weighted alike), generated noise",
        {"target": "enhanced", "own_noise": False, "method": "pse"},
        False,
    ),
    "default": (
        "`--target recording` (the paper's target: the recordings themselves), hush's generated training noise",
        {"target": "recording"},
        False,
    ),
    "default-lr": ("`--target recording`, generated noise, `--lr 3e-5`", {"target": "recording", "lr": 3e-5}, False),
    "default-noise": (
        "`--target recording`, `--noise` with the experiment's training noise pool",
        {"target": "recording"},
        True,
    ),
}
SCALES = {
    "reduced": {"se_steps": 800, "pse_steps": 150, "batch": 16, "se_speech": 1000, "default_minutes": 3.0},
    "full": {"se_steps": 20000, "pse_steps": 2000, "batch": 16, "se_speech": None, "default_minutes": 20.0},
}


def gru(h: int) -> str:
    return f"gru:hidden={h},n_fft=1024,hop=256"


class Experiment:
    def __init__(self, args):
        self.args = args
        self.sets, self.work = args.sets, args.work
        self.scale = dict(SCALES["full" if args.full else "reduced"])
        if args.default_minutes is not None:
            self.scale["default_minutes"] = args.default_minutes
        if args.se_steps is not None:
            self.scale["se_steps"] = args.se_steps
        if args.se_speech is not None:
            self.scale["se_speech"] = args.se_speech or None
        self.users = sorted(p.name for p in self.sets.iterdir() if (p / "recordings").is_dir())
        if args.users:
            self.users = [u for u in self.users if u in args.users.split(",")]
        self._noise = None
        self._predictor = None

    @property
    def noise(self) -> list[np.ndarray]:
        if self._noise is None:
            self._noise = load(pools()["noise_train"], None, seed=11, min_seconds=1.0)
        return self._noise

    @property
    def predictor(self):
        if self._predictor is None:
            self._predictor = load_predictor(snr_predictor_path())
        return self._predictor

    def recordings(self, user: str) -> list[np.ndarray]:
        return [read_audio_16k(f) for f in sorted((self.sets / user / "recordings").glob("*.flac"))]

    def _train(self, recs, out: Path, cfg: PersonalizeConfig, noises=None) -> dict:
        if out.exists():
            return json.loads(out.with_suffix(".json").read_text())
        out.parent.mkdir(parents=True, exist_ok=True)
        t0, c0 = time.time(), time.process_time()
        predictor = self.predictor if cfg.method == "pse-dp" else None
        res = personalize_arrays(recs, out, cfg, noises=noises, predictor=predictor)
        info = {
            "steps": res.steps, "best_step": res.best_step, "valid_start": res.valid_loss_start,
            "valid_best": res.valid_loss_best, "wall_s": time.time() - t0, "cpu_s": time.process_time() - c0,
            "stopped": res.stopped, "minutes_of_recordings": sum(len(x) for x in recs) / 16000 / 60,
            "budget_minutes": cfg.minutes, "max_steps": cfg.max_steps,
        }  # fmt: skip
        with replace_into(out.with_suffix(".json")) as tmp:
            tmp.write_text(json.dumps(info))
        print(f"trained {out.name}: {json.dumps(info)}", flush=True)
        return info

    def se(self, h: int) -> Path:
        out = self.work / "models" / f"se-gru{h}.pt"
        if not out.exists():
            speech = load(pools()["speech_train"], self.scale["se_speech"], seed=21, min_seconds=1.0)
            cfg = PersonalizeConfig(
                init=gru(h), method="pse", max_steps=self.scale["se_steps"], minutes=1e6,
                batch_size=self.scale["batch"], lr=1e-3, valid_every=100, patience=1000, seed=h, target="recording",
            )  # fmt: skip
            self._train(speech, out, cfg, self.noise)
        return out

    def personal(self, method: str, h: int, user: str) -> Path:
        out = self.work / "models" / f"{method}-gru{h}-{user}.pt"
        if not out.exists():
            kind, from_se = METHODS[method]
            cfg = PersonalizeConfig(
                init=str(self.se(h)) if from_se else gru(h), method=kind, max_steps=self.scale["pse_steps"],
                minutes=1e6, batch_size=self.scale["batch"], lr=3e-4 if from_se else 1e-3, valid_every=25,
                patience=4, seed=h, target="recording",
            )  # fmt: skip
            self._train(self.recordings(user), out, cfg, self.noise)
        return out

    def personal_default(self, variant: str, user: str) -> Path:
        """``hush personalize --init default`` with the options of ``VARIANTS[variant]``."""
        _, options, real_noise = VARIANTS[variant]
        out = self.work / "models" / f"personal-{variant}-{user}.pt"
        minutes = self.args.lr_minutes if variant == "default-lr" else self.scale["default_minutes"]
        base = {"init": "default", "method": "pse-dp", "minutes": minutes, "valid_every": 50,
                "max_steps": self.args.default_max_steps}  # fmt: skip
        cfg = PersonalizeConfig(**{**base, **options})
        self._train(self.recordings(user), out, cfg, self.noise if real_noise else None)
        return out

    def scores(self, system: str, user: str, model_path: Path | None) -> dict[str, dict[str, float]]:
        out = self.work / "scores" / f"{system}-{user}.json"
        if out.exists():
            return json.loads(out.read_text())
        model = load_model(model_path) if model_path is not None else None
        rows = {}
        for f in sorted((self.sets / user / "test" / "noisy").glob("*.flac")):
            noisy = read_audio_16k(f)
            clean = read_audio_16k(self.sets / user / "test" / "clean" / f.name)
            est = noisy if model is None else model.enhance(noisy)
            rows[f.name] = compute_metrics(clean, est, 16000, METRICS)
        out.parent.mkdir(parents=True, exist_ok=True)
        with replace_into(out) as tmp:
            tmp.write_text(json.dumps(rows))
        print(f"scored {system} {user}", flush=True)
        return rows

    def run_grid(self) -> None:
        for user in self.users:
            self.scores("noisy", user, None)
        for h in self.args.sizes:
            se = self.se(h)
            for user in self.users:
                self.scores(f"se-gru{h}", user, se)
        for h in self.args.sizes:
            for method in METHODS:
                for user in self.users:
                    self.scores(f"{method}-gru{h}", user, self.personal(method, h, user))

    def run_default(self, variant: str) -> None:
        for user in self.users:
            self.scores("default", user, bundled_path("default"))
            self.scores(f"personal-{variant}", user, self.personal_default(variant, user))


# ---------------------------------------------------------------------------------------------- report


def _vals(rows: dict, metric: str, noisy: dict | None = None) -> np.ndarray:
    files = sorted(rows)
    v = np.array([rows[f][metric] for f in files], dtype=float)
    return v - np.array([noisy[f][metric] for f in files], dtype=float) if noisy else v


def report(exp: Experiment, plot_path: Path, command: str) -> str:
    users, sizes, w = exp.users, exp.args.sizes, exp.work / "scores"
    have = lambda s, u: (w / f"{s}-{u}.json").exists()  # noqa: E731
    get = lambda s, u: json.loads((w / f"{s}-{u}.json").read_text())  # noqa: E731
    noisy = {u: get("noisy", u) for u in users}
    systems = [(m, h) for h in sizes for m in ["se", *METHODS] if all(have(f"{m}-gru{h}", u) for u in users)]
    sc = exp.scale
    lines = [
        "## Personalization: PSE, data purification, SE→PSE (`hush personalize`)",
        "",
        f"`{command}` (after `python benchmarks/personal_sets.py`), on one shared CPU core.",
        "",
        "The method of Sivaraman, Kim & Kim (Interspeech 2021) on the shared set's five personalization users "
        "(LibriSpeech 1898, 3947, 460, 7859, 8629; never in any generalist's data). Per user, a seeded 70 % of the "
        "utterances mixed with premixture noise (UrbanSound8K: air conditioner, engine idling, children playing, "
        'street music, drilling) at 0…15 dB are their "recordings", the only audio of them any method sees; the '
        "other 30 % mixed at −5…5 dB with noise unseen by every training pool (the other UrbanSound8K classes and "
        "held-out Debian files) are the test set. Training noise: Debian game sounds, music, Speech Commands "
        "backgrounds.",
        "",
        f"**Scale of this run (reduced, not the paper's):** SE {sc['se_steps']} steps of {sc['batch']} one-second "
        f"mixtures on {sc['se_speech'] or 'all'} generalist utterances; each PSE system {sc['pse_steps']} steps of "
        f"{sc['batch']} (validation on the held-back 10 % of the recordings every 25 steps, best kept); "
        f"{len(users)} users with {', '.join(f'{exp_minutes(exp, u):.1f}' for u in users)} minutes of recordings "
        f"and {sum(len(noisy[u]) for u in users)} test mixtures. The full scale is `--full` "
        f"({SCALES['full']['se_steps']} SE steps, {SCALES['full']['pse_steps']} PSE steps).",
        "",
        "SI-SDR improvement (dB) over the noisy test mixtures, mean per user:",
        "",
        "| system | size | " + " | ".join(users) + " | all |",
        "|---|---|" + "---|" * (len(users) + 1),
    ]
    box = {}
    for m, h in systems:
        per = [_vals(get(f"{m}-gru{h}", u), "si_sdr", noisy[u]) for u in users]
        box[(m, h)] = np.concatenate(per)
        lines.append(
            f"| {LABEL[m]} | {h} | " + " | ".join(f"{p.mean():.2f}" for p in per) + f" | {box[(m, h)].mean():.2f} |"
        )
    lines += ["", f"![SI-SDR improvement per method and size]({plot_path.as_posix()})", ""]
    lines += [
        "Pooled over the users' test files, with paired-bootstrap 95 % intervals of the difference from SE of the "
        "same size:",
        "",
        "| system | size | PESQ-WB | Δ vs SE | ESTOI | Δ vs SE | SI-SDR (dB) | Δ vs SE |",
        "|---|---|---|---|---|---|---|---|",
    ]
    pooled = {}
    for m, h in systems:
        pooled[(m, h)] = {k: np.concatenate([_vals(get(f"{m}-gru{h}", u), k) for u in users]) for k in METRICS}
    for m, h in systems:
        cells = []
        for k in ("pesq_wb", "estoi", "si_sdr"):
            a = pooled[(m, h)][k]
            cells.append(f"{np.nanmean(a):.3f}")
            cells.append("–" if m == "se" else str(paired_bootstrap(a, pooled[("se", h)][k])))
        lines.append(f"| {LABEL[m]} | {h} | " + " | ".join(cells) + " |")
    noisy_pool = {k: np.concatenate([_vals(noisy[u], k) for u in users]) for k in METRICS}
    lines.append(
        f"| noisy input | – | {np.nanmean(noisy_pool['pesq_wb']):.3f} | | {np.nanmean(noisy_pool['estoi']):.3f} | "
        f"| {np.nanmean(noisy_pool['si_sdr']):.3f} | |"
    )
    lines += ["", *findings(box, sizes), ""]
    if not exp.args.full:
        lines += [
            f"At this scale no model is near convergence (SE saw {sc['se_steps']} batches, each PSE system "
            f"{sc['pse_steps']}), so these are early-training comparisons: the first finding in particular needs the "
            "full scale.",
            "",
        ]
    _boxplot(box, sizes, exp.args.plot)
    for variant, (what, _, _) in VARIANTS.items():
        if all(have(f"personal-{variant}", u) and have("default", u) for u in users):
            lines += default_table(exp, get, variant, what)
    return "\n".join(lines)


def exp_minutes(exp: Experiment, user: str) -> float:
    import soundfile as sf

    return sum(sf.info(f).duration for f in (exp.sets / user / "recordings").glob("*.flac")) / 60


def findings(box: dict, sizes: list[int]) -> list[str]:
    """The paper's four findings, checked on the mean SI-SDR improvement of this run."""
    m = {k: float(v.mean()) for k, v in box.items()}
    out = ["Which of the paper's findings this run reproduces (mean SI-SDR improvement over all test files):", ""]

    def ok(flag: bool) -> str:
        return "yes" if flag else "no"

    have = lambda *ks: all(k in m for k in ks)  # noqa: E731
    s = [h for h in sizes if have(("pse", h), ("se", h))]
    if s:
        pairs = ", ".join(f"{h}: {m['pse', h]:.2f} vs {m['se', h]:.2f}" for h in s)
        out.append(f"* PSE alone underperforms SE: {ok(all(m['pse', h] < m['se', h] for h in s))} ({pairs}).")
    s = [h for h in sizes if have(("pse", h), ("pse-dp", h), ("se-pse", h), ("se-pse-dp", h))]
    if s:
        gain = {h: (m[("pse-dp", h)] - m[("pse", h)] + m[("se-pse-dp", h)] - m[("se-pse", h)]) / 2 for h in s}
        out.append(
            f"* DP helps: {ok(all(g > 0 for g in gain.values()))}; more for small models: "
            f"{ok(gain[min(s)] > gain[max(s)]) if len(s) > 1 else 'one size only'} (mean DP gain in dB by size: "
            f"{', '.join(f'{h}: {g:+.2f}' for h, g in gain.items())})."
        )
        best = {h: max(("se", "pse", "pse-dp", "se-pse", "se-pse-dp"), key=lambda k: m[(k, h)]) for h in s}
        out.append(
            f"* SE→PSE+DP is best: {ok(all(b == 'se-pse-dp' for b in best.values()))} (best by size: "
            f"{', '.join(f'{h}: {LABEL[b]}' for h, b in best.items())})."
        )
    if have(("se-pse-dp", 64), ("se", 128)):
        a, b = m[("se-pse-dp", 64)], m[("se", 128)]
        out.append(
            f"* 64-unit SE→PSE+DP about matches 128-unit SE (within 0.5 dB or better): {ok(a > b - 0.5)} "
            f"({a:.2f} vs {b:.2f} dB)."
        )
    return out


def default_table(exp: Experiment, get, variant: str, noise: str) -> list[str]:
    system = f"personal-{variant}"
    first = json.loads((exp.work / "models" / f"{system}-{exp.users[0]}.json").read_text())
    minutes = first.get("budget_minutes", exp.scale["default_minutes"])
    flag = "--lr-minutes" if variant == "default-lr" else "--default-minutes"
    cap = first.get("max_steps")
    lines = [
        "",
        f"`python benchmarks/personal_experiment.py --stage {variant} {flag} {minutes:g}"
        + (f" --default-max-steps {cap}" if cap else "")
        + f"`: `hush personalize RECORDINGS -o me.pt` (SE→PSE+DP from the bundled `default`, {noise}, a budget of "
        f"{minutes:g} minutes of wall time{f' and {cap} steps' if cap else ''} per user on one thread of a CPU "
        "shared with other jobs, validation every 50 steps, stopping "
        "after 5 without improvement) against `default`, per user and pooled, paired-bootstrap 95 % intervals of "
        "the difference:",
        "",
        "| user | minutes of recordings | steps (best) | test files | PESQ-WB default | personalized | Δ | "
        "SI-SDR default | personalized | Δ | ESTOI Δ |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    pooled: dict[str, list] = {"a": [], "b": []}
    for u in exp.users:
        a, b = get(f"{system}", u), get("default", u)
        pooled["a"].append(a)
        pooled["b"].append(b)
        info = json.loads((exp.work / "models" / f"{system}-{u}.json").read_text())
        row = [u, f"{info['minutes_of_recordings']:.1f}", f"{info['steps']} ({info['best_step']})", str(len(a))]
        lines.append("| " + " | ".join(row + _deltas(a, b)) + " |")
    a = {f"{i}/{k}": v for i, rows in enumerate(pooled["a"]) for k, v in rows.items()}
    b = {f"{i}/{k}": v for i, rows in enumerate(pooled["b"]) for k, v in rows.items()}
    lines.append("| all | | | " + str(len(a)) + " | " + " | ".join(_deltas(a, b)) + " |")
    return lines


def _deltas(a: dict, b: dict) -> list[str]:
    out = []
    for k in ("pesq_wb", "si_sdr"):
        va, vb = _vals(a, k), _vals(b, k)
        out += [f"{np.nanmean(vb):.3f}", f"{np.nanmean(va):.3f}", str(paired_bootstrap(va, vb))]
    return out + [str(paired_bootstrap(_vals(a, "estoi"), _vals(b, "estoi")))]


def _boxplot(box: dict, sizes: list[int], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = [m for m in ["se", *METHODS] if any((m, h) in box for h in sizes)]
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(methods)
    colors = plt.get_cmap("tab10")
    for i, m in enumerate(methods):
        pos = [k + (i - (len(methods) - 1) / 2) * width for k, h in enumerate(sizes) if (m, h) in box]
        data = [box[(m, h)] for h in sizes if (m, h) in box]
        bp = ax.boxplot(
            data, positions=pos, widths=width * 0.9, patch_artist=True, showfliers=False, medianprops={"color": "k"}
        )
        for patch in bp["boxes"]:
            patch.set_facecolor(colors(i))
        ax.plot([], [], color=colors(i), linewidth=8, label=LABEL[m])
    ax.set_xticks(range(len(sizes)), [f"GRU {h}" for h in sizes])
    ax.set_ylabel("SI-SDR improvement (dB)")
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.legend(ncol=len(methods), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, 1.12))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with replace_into(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=Path, default=Path("runs/personal/sets"))
    ap.add_argument("--work", type=Path, default=None, help="cache folder (default runs/personal/exp-SCALE)")
    ap.add_argument("--full", action="store_true", help="the paper-like scale (hours of CPU)")
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[64, 128, 256])
    ap.add_argument("--default-minutes", type=float, default=None, help="budget of each user's personalize run")
    ap.add_argument("--default-max-steps", type=int, default=None, help="and at most this many steps")
    ap.add_argument("--lr-minutes", type=float, default=5.0, help="budget of each user's --lr 3e-5 run")
    ap.add_argument("--stage", choices=["se", "grid", *VARIANTS, "report", "all"], default="all")
    ap.add_argument("--se-steps", type=int, default=None, help="steps of each SE generalist (default: the scale's)")
    ap.add_argument("--se-speech", type=int, default=None, help="utterances SE trains on (0: all)")
    ap.add_argument("--users", default=None, help="comma-separated subset of the users (trial runs; no report)")
    ap.add_argument("--plot", type=Path, default=Path("benchmarks/results/personalization.png"))
    ap.add_argument("--no-md", action="store_true")
    args = ap.parse_args()
    args.work = args.work or Path("runs/personal") / ("exp-full" if args.full else "exp-reduced")
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    exp = Experiment(args)
    if args.stage == "se":  # only the generalists (recipes/personal ships them)
        for h in args.sizes:
            exp.se(h)
        return
    if args.stage in ("grid", "all"):
        exp.run_grid()
    for variant in VARIANTS:
        if args.stage in (variant, "all"):
            exp.run_default(variant)
    if args.users:
        return
    command = "python benchmarks/personal_experiment.py --stage grid" + (" --full" if args.full else "")
    body = report(exp, args.plot, command)
    print(body)
    if not args.no_md:
        update_section("personalization", body)


if __name__ == "__main__":
    main()
