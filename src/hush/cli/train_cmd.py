"""``hush train CONFIG.yaml [--resume]`` (also under ``torchrun ... -m hush train``)."""

from __future__ import annotations

from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train a model from a YAML config",
        description="Train a model. Under torchrun, trains with DistributedDataParallel.",
    )
    p.add_argument("config", type=Path, help="YAML config (see recipes/)")
    p.add_argument("--resume", action="store_true", help="continue from OUT_DIR/checkpoint.pt")
    p.add_argument("--out-dir", help="override train.out_dir")
    p.add_argument("--max-steps", type=int, help="override train.max_steps")
    p.add_argument(
        "--stop-at",
        type=int,
        metavar="STEP",
        help="end the run after STEP steps without shortening its schedule (train.max_steps), as a run stopped by hand;"
        " a later --resume without it goes on",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    import sys

    from hush.errors import HushError
    from hush.training import load_config
    from hush.training.distributed import cleanup
    from hush.training.trainer import Trainer

    cfg = load_config(args.config)
    if args.out_dir:
        cfg.train.out_dir = args.out_dir
    if args.max_steps:
        cfg.train.max_steps = args.max_steps
    out = Path(cfg.train.out_dir)
    if not args.resume and (out / "checkpoint.pt").exists():
        raise HushError(f"{out} already holds a run; pass --resume to continue it or choose another --out-dir")
    try:
        trainer = Trainer(
            cfg, resume=args.resume, progress=not args.quiet and sys.stderr.isatty(), stop_at=args.stop_at
        )
        try:
            best = trainer.fit()
        finally:
            cleanup(trainer.dist)
    except FileNotFoundError as e:  # a data path of the config that does not exist
        raise HushError(f"{e.filename or e}: no such file or folder (check the paths in {args.config})") from None
    if trainer.dist.is_main:
        print(f"best model: {best}  (use: hush enhance INPUT -o OUT --method {best})")
    return 0
