"""``hush personalize RECORDINGS... -o me.pt``: a model specialised to one voice, from that person's noisy audio."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "personalize",
        help="personalize a model on your own noisy recordings (no clean speech needed)",
        description="Fine-tune a model on one person's own noisy recordings (calls, voice notes): their audio, "
        "with more noise added, is the training target (PSE), each frame weighted by the bundled SNR predictor's "
        "estimate of how clean it is (data purification, PSE+DP). No clean speech and no speaker embedding. The "
        "result is a normal model file: hush enhance -m me.pt. Rerunning an interrupted command resumes it.",
    )
    p.add_argument("inputs", nargs="+", metavar="RECORDING", help="audio files, folders or glob patterns")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="OUT.pt", help="the model file to write")
    p.add_argument(
        "--init",
        default="default",
        help="starting model: a bundled model (default: the real-time `default`, so the result streams with the "
        "same latency; gru64, gru128, gru256 where shipped), a model file, or ARCH:key=value,... from scratch",
    )
    p.add_argument(
        "--method", default="pse-dp", choices=["pse-dp", "pse"], help="pse-dp (default): with data purification"
    )
    p.add_argument("--minutes", type=float, default=20.0, help="wall-time budget in minutes (default 20)")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many training steps")
    p.add_argument(
        "--noise", type=Path, default=None, metavar="DIR", help="training noise files (default: hush's generated bank)"
    )
    p.add_argument(
        "--target",
        default="auto",
        choices=["auto", "recording", "enhanced"],
        help="what the model learns to output from a recording with more noise added: the recording itself "
        "(recording, the paper's PSE) or the starting model's enhancement of it (enhanced); auto (default): "
        "enhanced from a trained model, recording from scratch",
    )
    p.add_argument(
        "--own-noise",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also train on the noise the starting model removes from the recordings (the noise of your own "
        "places); default: with the enhanced target",
    )
    p.add_argument("--batch-size", type=int, default=8, help="segments per step (default 8)")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default 1e-4 from a trained model)")
    p.add_argument("--valid-every", type=int, default=100, help="steps between validations (default 100)")
    p.add_argument("--patience", type=int, default=5, help="validations without improvement before stopping")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-r", "--recursive", action="store_true", help="descend into sub-folders")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from tqdm import tqdm

    from hush.training.personalize import PersonalizeConfig, personalize

    cfg = PersonalizeConfig(
        init=args.init, method=args.method, minutes=args.minutes, max_steps=args.max_steps,
        noise=None if args.noise is None else str(args.noise), batch_size=args.batch_size, lr=args.lr,
        valid_every=args.valid_every, patience=args.patience, seed=args.seed, target=args.target,
        own_noise=args.own_noise,
    )  # fmt: skip
    bar = None

    def progress(r) -> None:
        nonlocal bar
        if args.quiet:
            return
        if bar is None:
            bar = tqdm(total=round(r.budget_s), unit="s", desc="personalizing", dynamic_ncols=True)
        bar.n = min(round(r.elapsed_s), bar.total)
        bar.set_postfix_str(f"step {r.step}, valid {r.best_loss:.3g} (step {r.best_step})", refresh=False)
        bar.refresh()

    try:
        res = personalize(args.inputs, args.output, cfg, args.recursive, args.overwrite, progress)
    finally:
        if bar is not None:
            bar.close()
    change = 100 * (res.valid_loss_best / res.valid_loss_start - 1) if res.valid_loss_start > 0 else 0.0
    print(
        f"wrote {res.path}: {res.steps} steps in {res.seconds / 60:.1f} min (stopped: {res.stopped}), best at step "
        f"{res.best_step}, validation loss {res.valid_loss_start:.3g} -> {res.valid_loss_best:.3g} ({change:+.1f} %)"
    )
    return 0
