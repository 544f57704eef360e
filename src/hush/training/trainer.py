"""``hush train``: the training loop with exact resume, validation-driven selection, logs and DDP."""

from __future__ import annotations

import csv
import json
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from hush.data.mixing.mixtures import collate
from hush.losses import build_loss
from hush.models import build_model, save
from hush.models.model_file import atomic_torch_save
from hush.training.config import Config, to_dict
from hush.training.datasets import build_datasets
from hush.training.distributed import DistInfo, broadcast_flag, init_from_env
from hush.training.sampler import ShardedSampler
from hush.training.schedule import WarmupSchedule
from hush.training.task import Task
from hush.training.validation import score_for_selection, score_inputs, validate


@dataclass
class Progress:
    step: int = 0
    epoch: int = 0
    offset: int = 0  # indices of this rank's shard already consumed in the current epoch
    best: float = -math.inf
    bad: int = 0
    wall: float = 0.0
    generators_best: dict[str, float] = field(default_factory=dict)  # the task's further generators (OKD)


def _rng_state() -> dict:
    """Every generator's state as tensors and plain containers, so that checkpoints load with ``weights_only``."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    version, internal, gauss = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached": float(cached),
        },
        "python": [int(version), list(internal), gauss],
    }


def _set_rng_state(s: dict) -> None:
    torch.set_rng_state(s["torch"])
    n = s["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    version, internal, gauss = s["python"]
    random.setstate((version, tuple(internal), gauss))


def load_training_file(path: Path, what: str) -> dict:
    """A checkpoint or model file read with ``weights_only=True``: tensors and plain containers only, so a file
    cannot run code; anything else is refused with one line naming the file."""
    try:
        doc = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"{path}: not a loadable {what} (only tensors and plain data are accepted): {first}") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: not a {what} (holds a {type(doc).__name__}, not a dict)")
    return doc


class Trainer:
    """Builds everything from a :class:`Config`; ``fit()`` trains and returns the path of the best model file."""

    def __init__(
        self,
        cfg: Config,
        resume: bool = False,
        task: Task | None = None,
        dist: DistInfo | None = None,
        progress: bool = True,
        stop_at: int | None = None,
    ):
        self.cfg, self.resume = cfg, resume
        # End the run after this many steps while the schedule still runs towards train.max_steps, as a run stopped
        # by hand (a recipe reproducing such a run uses it); ``--resume`` without it goes on to max_steps.
        self.stop_at = stop_at
        self.dist = dist or init_from_env()
        self.out = Path(cfg.train.out_dir)
        if self.dist.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
        # Quiet or zeroed inputs drive activations and gradients into subnormal floats, which x86 CPUs process
        # tens of times slower; flushing them to zero changes nothing measurable in the result.
        torch.set_flush_denormal(True)
        torch.manual_seed(cfg.train.seed)
        np.random.seed(cfg.train.seed)
        random.seed(cfg.train.seed)
        self.model = build_model(cfg.model.arch, **cfg.model.options)
        if cfg.train.init_from and not resume:  # before the task, which may copy the model (MetricGAN-OKD)
            self._warm_start(Path(cfg.train.init_from))
        self.task = task or self.make_task()
        params = list(self.model.parameters()) + [p for m in self.task.extra_modules().values() for p in m.parameters()]
        self.opt = torch.optim.AdamW(
            params, lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay, betas=tuple(cfg.optim.betas)
        )
        self.sched = WarmupSchedule(
            self.opt,
            cfg.optim.schedule,
            cfg.optim.warmup_steps,
            cfg.train.max_steps,
            cfg.optim.min_lr_ratio,
            cfg.optim.plateau_factor,
            cfg.optim.plateau_patience,
        )
        if cfg.train.batch_size % self.dist.world:
            raise ValueError(f"train.batch_size {cfg.train.batch_size} is not divisible by {self.dist.world} ranks")
        self.rank_batch = cfg.train.batch_size // self.dist.world
        self.train_ds, self.valid_items = build_datasets(cfg, rank=0)
        if hasattr(self.train_ds, "preload") and self.train_ds.config.cache_bytes > 0:
            self.train_ds.preload()  # decoded once here; forked loader workers inherit the cache every epoch
        self.sampler = ShardedSampler(len(self.train_ds), cfg.train.seed, self.dist.rank, self.dist.world)
        self.net = DistributedDataParallel(self.model) if self.dist.enabled else self.model
        self.state = Progress()
        self.show_progress = progress and self.dist.is_main
        self._tb = None
        if resume:
            self._load_checkpoint()

    def make_task(self) -> Task:
        if self.cfg.distill is not None:  # knowledge distillation from a frozen teacher (hush.training.distill)
            from hush.training.distill import DistillTask

            return DistillTask(build_loss(self.cfg.loss), self.cfg.distill, self.model)
        if self.cfg.metric_gan is not None:  # learned metric discriminators (MetricGAN, MetricGAN+, MetricGAN-OKD)
            from hush.training.metric_gan import MetricGANTask

            return MetricGANTask(build_loss(self.cfg.loss), self.cfg.metric_gan, self.model)
        if self.cfg.adversarial is not None:  # real/fake discriminators (SEGAN-style)
            from hush.training.adversarial import AdversarialTask

            return AdversarialTask(build_loss(self.cfg.loss), self.cfg.adversarial)
        if self.cfg.mtl is not None:  # auxiliary noise-estimation / tagging heads, fixed or GradNorm weights
            from hush.training.mtl import MultiTaskTask

            return MultiTaskTask(build_loss(self.cfg.loss), self.cfg.mtl, self.model, self.model.sample_rate)
        return Task(build_loss(self.cfg.loss))

    # ---------------------------------------------------------------------------------------------- files
    @property
    def checkpoint_path(self) -> Path:
        return self.out / "checkpoint.pt"

    def _save_checkpoint(self) -> None:
        doc = {
            "model": self.model.state_dict(),
            "optimizer": self.opt.state_dict(),
            "schedule": self.sched.state_dict(),
            "progress": vars(self.state).copy(),
            "rng": _rng_state(),
            "extra": {k: m.state_dict() for k, m in self.task.checkpoint_modules().items()},
            "config": to_dict(self.cfg),
        }
        atomic_torch_save(doc, self.checkpoint_path)

    def _load_checkpoint(self) -> None:
        if not self.checkpoint_path.exists():
            raise FileNotFoundError(f"{self.checkpoint_path}: no checkpoint to resume from")
        doc = load_training_file(self.checkpoint_path, "training checkpoint")
        self.model.load_state_dict(doc["model"])
        self.opt.load_state_dict(doc["optimizer"])
        self.sched.load_state_dict(doc["schedule"])
        for k, m in self.task.checkpoint_modules().items():
            m.load_state_dict(doc["extra"][k])
        self.state = Progress(**doc["progress"])
        _set_rng_state(doc["rng"])

    def _warm_start(self, path: Path) -> None:
        if not path.exists():
            raise FileNotFoundError(f"{path}: train.init_from does not exist")
        doc = load_training_file(path, "checkpoint or model file")
        state = doc.get("model") if isinstance(doc.get("model"), dict) else doc.get("state_dict", doc)
        state = {k: v.float() if torch.is_tensor(v) and v.is_floating_point() else v for k, v in state.items()}
        missing_ok = self.cfg.train.init_missing_ok
        try:
            result = self.model.load_state_dict(state, strict=not missing_ok)
        except RuntimeError as exc:
            first = str(exc).splitlines()[0]
            raise ValueError(f"{path}: weights do not fit model {self.cfg.model.arch}: {first}") from None
        if missing_ok and result.unexpected_keys:
            names = ", ".join(result.unexpected_keys[:5])
            raise ValueError(f"{path}: weights the model {self.cfg.model.arch} does not have: {names}")
        if missing_ok and result.missing_keys and self.dist.is_main:
            print(f"warm start from {path}: {len(result.missing_keys)} new tensors keep their initialisation")

    def _log(self, name: str, row: dict) -> None:
        path = self.out / name
        new = not path.exists()
        with open(path, "a", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(row))
            if new:
                w.writeheader()
            w.writerow(row)
        if self.cfg.train.tensorboard:
            if self._tb is None:
                try:
                    from torch.utils.tensorboard import SummaryWriter

                    self._tb = SummaryWriter(str(self.out / "tb"))
                except Exception:  # tensorboard not installed: CSV only
                    self._tb = False
            if self._tb:
                prefix = name.split(".")[0]
                for k, v in row.items():
                    if k != "step" and isinstance(v, int | float):
                        self._tb.add_scalar(f"{prefix}/{k}", v, row["step"])

    # ---------------------------------------------------------------------------------------------- loop
    def _loader(self) -> DataLoader:
        self.sampler.set_epoch(self.state.epoch, self.state.offset)
        if hasattr(self.train_ds, "set_epoch"):
            self.train_ds.set_epoch(self.state.epoch)
        return DataLoader(
            self.train_ds,
            batch_size=self.rank_batch,
            sampler=self.sampler,
            drop_last=True,
            num_workers=self.cfg.data.num_workers,
            collate_fn=collate,
            persistent_workers=False,
            # its own generator: starting an iterator draws a seed, which from the global generator would shift the
            # random stream of tasks that draw during training (dropout, flow-matching times) on a resumed run
            generator=torch.Generator().manual_seed(self.cfg.train.seed * 100_003 + self.state.epoch),
        )

    def _validate_and_save(self) -> bool:
        """Rank 0 validates, checkpoints and decides on early stopping; returns the stop decision (all ranks)."""
        stop = False
        if self.dist.is_main:
            noisy_path = self.out / "valid_noisy.json"
            if not noisy_path.exists():
                noisy_path.write_text(
                    json.dumps(score_inputs(self.valid_items, self.model.sample_rate, self.cfg.train.valid_metrics))
                    + "\n"
                )
            res = validate(
                self.model, self.task, self.valid_items, self.model.sample_rate, metrics=self.cfg.train.valid_metrics
            )
            score = score_for_selection(res, self.cfg.train.select_metric)
            improved = score > self.state.best
            if improved:
                self.state.best, self.state.bad = score, 0
                self.export(self.out / "best.pt", res)
            else:
                self.state.bad += 1
            if self.cfg.train.keep_validated:  # every validated model, for a later selection on other measures
                self.export(self.out / "validated" / f"step{self.state.step:06d}.pt", res)
            self._validate_generators()
            self.sched.observe(score)
            self._log(
                "valid.csv",
                {"step": self.state.step, **{k: round(v, 5) for k, v in res.items()}, "best": int(improved)},
            )
            patience = self.cfg.train.early_stop_patience
            stop = bool(patience and self.state.bad >= patience)
            self._save_checkpoint()
        return broadcast_flag(stop, self.dist)

    def _validate_generators(self) -> None:
        """Validate each further generator of the task; keep its best as ``best-<name>.pt`` (``valid-<name>.csv``)."""
        for name, gen in self.task.generators().items():
            res = validate(
                gen, self.task, self.valid_items, self.model.sample_rate, metrics=self.cfg.train.valid_metrics
            )
            score = score_for_selection(res, self.cfg.train.select_metric)
            improved = score > self.state.generators_best.get(name, -math.inf)
            if improved:
                self.state.generators_best[name] = score
                self.export(self.out / f"best-{name}.pt", res, gen)
            row = {"step": self.state.step, **{k: round(v, 5) for k, v in res.items()}, "best": int(improved)}
            self._log(f"valid-{name}.csv", row)

    def export(self, path: Path, metrics: dict | None = None, model: torch.nn.Module | None = None) -> Path:
        meta = {"config": to_dict(self.cfg), "step": self.state.step, "wall_seconds": round(self.state.wall, 1)}
        return save(model or self.model, path, metrics=metrics, meta=meta, half=self.cfg.train.save_half)

    def fit(self) -> Path:
        """Train to ``max_steps`` (or early stop, or ``stop_at``)."""
        cfg = self.cfg.train
        limit = min(cfg.max_steps, self.stop_at) if self.stop_at else cfg.max_steps
        self.model.train()
        bar = tqdm(
            total=limit,
            initial=self.state.step,
            desc="train",
            unit="step",
            disable=not self.show_progress,
            dynamic_ncols=True,
        )
        shard_len = len(self.train_ds) // self.dist.world
        steps_per_epoch = shard_len // self.rank_batch
        if steps_per_epoch == 0:
            raise ValueError("data.epoch_size is smaller than one batch per rank")
        finished = self.state.step >= limit
        while not finished:
            if self.state.offset + self.rank_batch > shard_len:
                self.state.epoch, self.state.offset = self.state.epoch + 1, 0
            t0 = time.perf_counter()
            for batch in self._loader():
                loss, terms = self.task.training_step(self.net, batch)
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                gnorm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.optim.grad_clip)
                for group in self.task.clip_groups():
                    torch.nn.utils.clip_grad_norm_(group, self.cfg.optim.grad_clip)
                self.opt.step()
                self.sched.step()
                self.state.step += 1
                self.state.offset += self.rank_batch
                now = time.perf_counter()
                self.state.wall += now - t0
                t0 = now
                bar.update()
                bar.set_postfix(loss=f"{loss.item():.4f}")
                if self.dist.is_main and (self.state.step % cfg.log_every == 0 or self.state.step == 1):
                    self._log(
                        "train.csv",
                        {
                            "step": self.state.step,
                            "epoch": self.state.epoch,
                            "lr": self.opt.param_groups[0]["lr"],
                            "loss": loss.item(),
                            "grad_norm": float(gnorm),
                            **terms,
                        },
                    )
                finished = self.state.step >= limit
                if self.state.step % cfg.valid_every == 0 or finished:
                    finished = self._validate_and_save() or finished
                elif cfg.checkpoint_every and self.state.step % cfg.checkpoint_every == 0 and self.dist.is_main:
                    self._save_checkpoint()  # between validations: a stopped run loses less
                if finished:
                    break
        bar.close()
        self.task.close()
        if self.dist.is_main:
            if not (self.out / "best.pt").exists():
                self.export(self.out / "best.pt")
            self.export(self.out / "last.pt")
            summary = {
                "steps": self.state.step,
                "best_score": self.state.best,
                "wall_seconds": round(self.state.wall, 1),
                "select_metric": cfg.select_metric,
            }
            if self.state.generators_best:  # the best by validation among every generator's best file
                scores = {
                    "best.pt": self.state.best,
                    **{f"best-{n}.pt": v for n, v in self.state.generators_best.items()},
                }
                summary["generators"] = scores
                summary["best_generator"] = max(scores, key=scores.__getitem__)
            (self.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        if self._tb:
            self._tb.close()
        return self.out / "best.pt"
