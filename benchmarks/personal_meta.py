"""Meta-learned initialisation for personalization (Reptile over generalist speakers) against SE and random
initialisation: SI-SDR improvement on the five users' test mixtures after 0…N PSE+DP steps; writes the
BENCHMARKS.md section "personalization-meta" and its curve.

    OMP_NUM_THREADS=1 nice python benchmarks/personal_meta.py        # after personal_experiment.py (its SE model)

Meta-training tasks: generalist speakers of the shared set (never the users), their utterances mixed with one half
of the training noise pool at 0…15 dB as their "recordings", the other half as added noise. The SE model of the
same size (from the experiment's cache) is the starting point of Reptile and the "SE" curve.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402
from personal_data import load, pools  # noqa: E402

from hush.atomic import replace_into  # noqa: E402
from hush.data.mixing.pse import PSEDataset, premixtures, read_audio_16k  # noqa: E402
from hush.metrics import si_sdr  # noqa: E402
from hush.models.model_file import load as load_model  # noqa: E402
from hush.models.model_file import save  # noqa: E402
from hush.models.snr import load_predictor  # noqa: E402
from hush.pretrained import snr_predictor_path  # noqa: E402
from hush.training.meta_init import ReptileConfig, reptile  # noqa: E402
from hush.training.personalize import FrameWeights, initial_model, pse_loss, pse_step  # noqa: E402

INITS = ("random", "se", "meta")
WORK = Path("runs/personal/exp-reduced")
LABEL = {"random": "random init", "se": "SE init", "meta": "meta init (Reptile)"}


def meta_tasks(n_tasks: int, per_task: int, seed: int) -> tuple[list[list[np.ndarray]], list[np.ndarray]]:
    p = pools()
    by_spk = defaultdict(list)
    for path in p["speech_train"]:
        by_spk[str(Path(path).parent)].append(path)
    rng = np.random.default_rng(seed)
    spk = sorted(s for s, f in by_spk.items() if len(f) >= per_task)
    noise = load(p["noise_train"], None, seed=11, min_seconds=1.0)
    premix, added = noise[0::2], noise[1::2]
    tasks = []
    for k, s in enumerate(rng.permutation(spk)):
        speech = load(by_spk[s], per_task, seed=seed + k, min_seconds=1.0)
        if sum(len(x) for x in speech) < 20 * 16000:  # spoken letters and words: too little to personalize on
            continue
        tasks.append(premixtures(speech, premix, np.random.default_rng([seed, k])))
        if len(tasks) == n_tasks:
            break
    return tasks, added


def curve(model, recs, noises, weigh, milestones, lr, batch, tests, seed) -> list[tuple[int, float, float]]:
    """(steps, CPU seconds, mean SI-SDR improvement) after each milestone of PSE+DP training from ``model``."""
    loss_fn = pse_loss(weigh)
    ds = PSEDataset(recs, noises, 16000, size=1 << 62, seed=seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    out, cpu, step = [], 0.0, 0
    for target in milestones:
        c0 = time.process_time()
        model.train()
        while step < target:
            pse_step(model, opt, loss_fn, ds.batch(step * batch, batch), weigh)
            step += 1
        cpu += time.process_time() - c0
        model.eval()
        gains = [si_sdr(c, model.enhance(x)) - si_sdr(c, x) for c, x in tests]
        out.append((step, cpu, float(np.mean(gains))))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=Path, default=Path("runs/personal/sets"))
    ap.add_argument("--work", type=Path, default=WORK)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--outer", type=int, default=300)
    ap.add_argument("--inner", type=int, default=5)
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--milestones", default="0,5,10,25,50,100")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--plot", type=Path, default=Path("benchmarks/results/personalization_meta.png"))
    ap.add_argument("--no-md", action="store_true")
    ap.add_argument("--train-only", action="store_true", help="only meta-train (recipes/personal ships the result)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    milestones = [int(m) for m in args.milestones.split(",")]
    predictor = load_predictor(snr_predictor_path())
    weigh = FrameWeights(predictor, 1024, 256)
    se_path = args.work / "models" / f"se-gru{args.size}.pt"
    meta_path = args.work / "models" / f"meta-gru{args.size}.pt"
    cfg = ReptileConfig(outer_steps=args.outer, inner_steps=args.inner, inner_lr=args.lr)
    meta_cpu = None
    if not meta_path.exists():
        tasks, added = meta_tasks(args.tasks, 10, seed=5)
        c0 = time.process_time()
        model = reptile(load_model(se_path), tasks, added, cfg, predictor,
                        log=lambda o, v: print(f"outer {o} inner loss {v:.3g}", flush=True))  # fmt: skip
        meta_cpu = time.process_time() - c0
        save(model, meta_path, meta={"reptile": vars(cfg), "cpu_s": meta_cpu})
    else:
        meta_cpu = load_model(meta_path).meta.get("cpu_s")
    if args.train_only:
        return
    users = sorted(p.name for p in args.sets.iterdir() if (p / "recordings").is_dir())
    train_noise = None
    results = {}
    cache = args.work / "scores" / f"meta-curves-gru{args.size}.json"
    if cache.exists():
        results = json.loads(cache.read_text())
    for init in INITS:
        for u in users:
            key = f"{init}/{u}"
            if key in results:
                continue
            if train_noise is None:
                train_noise = load(pools()["noise_train"], None, seed=11, min_seconds=1.0)
            if init == "random":
                model, _, _ = initial_model(f"gru:hidden={args.size},n_fft=1024,hop=256", seed=args.size)
            else:
                model = load_model(se_path if init == "se" else meta_path)
            recs = [read_audio_16k(f) for f in sorted((args.sets / u / "recordings").glob("*.flac"))]
            tests = [(read_audio_16k(args.sets / u / "test" / "clean" / f.name), read_audio_16k(f))
                     for f in sorted((args.sets / u / "test" / "noisy").glob("*.flac"))]  # fmt: skip
            results[key] = curve(model, recs, train_noise, weigh, milestones, args.lr, 8, tests, seed=1)
            print(key, results[key], flush=True)
            cache.parent.mkdir(parents=True, exist_ok=True)
            with replace_into(cache) as tmp:
                tmp.write_text(json.dumps(results))
    mean = {i: np.mean([[r[2] for r in results[f"{i}/{u}"]] for u in users], axis=0) for i in INITS}
    cpu = {i: np.mean([[r[1] for r in results[f"{i}/{u}"]] for u in users], axis=0) for i in INITS}
    _plot(milestones, mean, args.plot)
    rows = "\n".join(
        f"| {LABEL[i]} | " + " | ".join(f"{v:.2f}" for v in mean[i]) + f" | {cpu[i][-1]:.0f} |" for i in INITS
    )
    target = mean["se"][-1]
    reached = lambda i: next((m for m, v in zip(milestones, mean[i], strict=True) if v >= target), None)  # noqa: E731
    first = {i: reached(i) for i in ("se", "meta")}
    if first["meta"] is None:
        verdict = f"The meta init does not reach the SE init's {milestones[-1]}-step result ({target:.2f} dB)."
    else:
        faster = "fewer steps than" if first["meta"] < first["se"] else "no fewer steps than"
        verdict = (
            f"The SE init's {milestones[-1]}-step result ({target:.2f} dB) is first reached after {first['se']} steps "
            f"from SE and after {first['meta']} from the meta init: {faster} SE."
        )
    command = f"python benchmarks/personal_meta.py --outer {args.outer} --inner {args.inner} --tasks {args.tasks}"
    if args.work != WORK:
        command += f" --work {args.work}"
    source = (
        "after `bash recipes/personal/run.sh 1 2`, which trains the shipped `gru64`, the SE start, and `meta`"
        if args.work.name == "starts"
        else f"after `benchmarks/personal_experiment.py`, whose SE GRU-{args.size} it starts from"
    )
    body = f"""## Personalization from a meta-learned start (Reptile)

`{command}` ({source}).

Reptile over {args.tasks} generalist speakers of the shared set ({args.outer} outer steps of {args.inner} PSE+DP
Adam steps at {args.lr:g}, batches of 8 one-second segments; {meta_cpu or 0:.0f} CPU seconds), starting from SE.
Then, for each of the five users, PSE+DP with Adam at {args.lr:g} from three starts, the model scored (no
validation-based selection) after each number of steps: mean SI-SDR improvement (dB) over the users' test mixtures,
averaged over the users, and the CPU seconds of the last column's training.

| start | {" | ".join(f"{m} steps" for m in milestones)} | CPU s |
|---|{"---|" * len(milestones)}---|
{rows}

{verdict}

![SI-SDR improvement against personalization steps]({args.plot.as_posix()})
"""
    print(body)
    if not args.no_md:
        update_section("personalization-meta", body)


def _plot(milestones, mean, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for i in INITS:
        ax.plot(milestones, mean[i], marker="o", label=LABEL[i])
    ax.set_xlabel("PSE+DP steps on the user's recordings")
    ax.set_ylabel("SI-SDR improvement (dB)")
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with replace_into(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
