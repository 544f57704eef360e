"""Personalization from a user's own noisy recordings (``hush personalize``, ``hush.personalize``).

The method of Sivaraman, Kim & Kim, "Personalized Speech Enhancement through Self-Supervised Data Augmentation
and Purification" (Interspeech 2021):

* **PSE**: the user's recordings ``s̃`` (speech plus whatever noise they hold) are the targets; training noise
  ``n`` is added, ``x̃ = s̃ + n`` (:class:`hush.data.mixing.pse.PSEDataset`), and the model learns ``x̃ → s̃`` with
  the segmental MSE of Hann frames ``L = (1/J) Σ_j (1/N) Σ_i (w_i s̃_i - w_i ỹ_i)²``.
* **PSE+DP** (data purification): each frame's term is weighted by ``p_j = sigmoid(h(s̃)_j)``, the bundled SNR
  predictor's estimate of how clean that frame of the recording is (:mod:`hush.models.snr`), so noisy parts of the
  user's recordings teach less. Loss frames are the predictor's frames.
* **SE→PSE(+DP)**: start from a generalist model file (the bundled ``default`` by default), not from scratch.

No clean speech of the user and no speaker embedding are used. The last ``valid_fraction`` of every recording is
held back; the loss on fixed noisy mixtures of it (the PSE(+DP) loss: there is no clean reference) is measured
before training and every ``valid_every`` steps, the best model is kept, and training stops when it has not
improved for ``patience`` validations, at ``max_steps``, or when ``minutes`` of wall time are spent. A checkpoint
beside the output (``<out>.ckpt``) is written at every validation; running again with the same recordings and
options resumes from it, and it is removed when the model file is written. The output is an ordinary hush model
file: ``hush enhance -m me.pt`` and streaming use it unchanged.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from hush.atomic import check_writable
from hush.data.mixing.pse import PSEDataset, read_audio_16k, read_noise_folder, synthetic_noise_bank
from hush.errors import HushError
from hush.inference.batch import expand_inputs
from hush.losses import create_loss
from hush.models import build_model
from hush.models import names as model_names
from hush.models.base import SEModel
from hush.models.model_file import atomic_torch_save, load, save
from hush.models.snr import SNRPredictor, load_predictor
from hush.pretrained import BUNDLED, bundled_path, snr_predictor_path
from hush.training.trainer import load_training_file

METHODS = ("pse", "pse-dp")
TARGETS = ("auto", "recording", "enhanced")
INHERITED_META = ("inference", "handles_band_limited")  # model-file metadata that describes inference
MIN_SECONDS = 60.0  # less of the user's audio than this is refused: too little to learn a voice from
SR = 16000


@dataclass
class PersonalizeConfig:
    """Options of a personalization run (``hush personalize --help`` describes each)."""

    init: str = "default"
    method: str = "pse-dp"
    minutes: float = 20.0
    max_steps: int | None = None
    batch_size: int = 8
    segment_seconds: float = 1.0
    snr_range: tuple[float, float] = (-5.0, 5.0)
    lr: float | None = None  # None: 1e-4 from a trained model, 1e-3 from scratch
    valid_fraction: float = 0.1
    valid_items: int = 48
    valid_every: int = 100
    patience: int = 5
    seed: int = 0
    min_seconds: float = MIN_SECONDS
    frame_len: int = 1024  # loss frames when no predictor is used (PSE); PSE+DP uses the predictor's frames
    hop: int = 256
    grad_clip: float = 5.0
    noise: str | None = None  # a folder of training noise; None: hush's generated noise bank
    # "recording": the recordings are the targets (the paper's PSE); "enhanced": the starting model's enhancement of
    # them; "auto": "enhanced" from a trained model, "recording" from scratch
    target: str = "auto"
    # add the noise the starting model removes from the recordings to the training noise; None: with target "enhanced"
    own_noise: bool | None = None

    def check(self) -> None:
        if self.method not in METHODS:
            raise HushError(f"unknown personalization method {self.method!r} (choose from {', '.join(METHODS)})")
        if self.target not in TARGETS:
            raise HushError(f"unknown personalization target {self.target!r} (choose from {', '.join(TARGETS)})")
        if self.minutes <= 0 or self.batch_size < 1 or self.segment_seconds <= 0 or self.patience < 1:
            raise HushError("minutes, batch size, segment length and patience must be positive")
        if not 0 < self.valid_fraction < 0.5:
            raise HushError(f"valid_fraction must be in (0, 0.5), not {self.valid_fraction}")


@dataclass
class Report:
    """Where a run stands, passed to the progress callback after every step and validation."""

    step: int
    elapsed_s: float
    budget_s: float
    train_loss: float
    valid_loss: float | None = None  # set on validation steps
    best_loss: float = float("inf")
    best_step: int = 0


@dataclass
class Result:
    path: Path
    steps: int
    best_step: int
    valid_loss_start: float
    valid_loss_best: float
    seconds: float
    stopped: str  # "patience", "minutes", "max_steps"
    history: list[tuple[int, float, float]] = field(default_factory=list)  # (step, elapsed s, valid loss)


def initial_model(init: str, seed: int = 0) -> tuple[SEModel, dict, bool]:
    """The starting model of ``init`` and its file's metadata, and whether it was trained.

    ``init`` is a bundled model name (``default``, ``gru64`` …), a model file path, or ``ARCH:key=value,...`` for a
    freshly initialised architecture (``gru:hidden=64,n_fft=1024,hop=256``, seeded).
    """
    path = bundled_path(init)
    if path is None and (init.endswith(".pt") or Path(init).is_file()):
        path = Path(init)
    if path is not None:
        model = load(path)
        return model, dict(getattr(model, "meta", {}) or {}), True
    if init in BUNDLED:
        raise HushError(f"--init {init}: this hush does not ship the {init} model file")
    arch, _, opts = init.partition(":")
    if arch not in model_names():
        raise HushError(f"--init {init}: not a bundled model, a model file or ARCH:key=value,...")
    config = {}
    for item in filter(None, opts.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise HushError(f"--init {init}: option {item!r} is not key=value")
        try:
            config[key] = json.loads(value)
        except json.JSONDecodeError:  # a bare word is a string option
            config[key] = value
    torch.manual_seed(seed)
    return build_model(arch, **config), {}, False


def split_recordings(recordings: Sequence[np.ndarray], fraction: float, segment: int):
    """Training and validation parts: the last ``fraction`` of every recording long enough for it is held back."""
    cuts = split_points([len(x) for x in recordings], fraction, segment)
    return apply_split(recordings, cuts)


def split_points(lengths: Sequence[int], fraction: float, segment: int) -> list[int | None]:
    """Per recording, the sample where its held-back part starts; ``None`` for recordings wholly in training and
    ``0`` for those wholly held back (only when every recording is too short to split)."""
    cuts: list[int | None] = []
    for n in lengths:
        k = int(n * fraction)
        cuts.append(n - k if k >= segment // 2 and n - k >= segment // 2 else None)
    if all(c is None for c in cuts):  # only very short recordings: hold back whole ones
        k = max(1, int(round(len(lengths) * fraction)))
        cuts = [None] * (len(lengths) - k) + [0] * k
    return cuts


def apply_split(signals: Sequence[np.ndarray], cuts: Sequence[int | None]) -> tuple[list, list]:
    train = [x if c is None else x[:c] for x, c in zip(signals, cuts, strict=True) if c != 0]
    valid = [x[c:] for x, c in zip(signals, cuts, strict=True) if c is not None]
    return train, valid


def teacher_outputs(model: SEModel, recordings: Sequence[np.ndarray], block_s: float = 30.0) -> list[np.ndarray]:
    """The starting model's enhancement of every recording, in blocks of ``block_s`` seconds (bounded memory)."""
    out = []
    with torch.no_grad():
        for x in recordings:
            n = int(block_s * SR)
            parts = [np.asarray(model.enhance(x[i : i + n]), dtype=np.float32) for i in range(0, len(x), n)]
            y = np.concatenate(parts) if parts else np.zeros(0, np.float32)
            out.append(y[: len(x)] if len(y) >= len(x) else np.pad(y, (0, len(x) - len(y))))
    return out


STOPPING = ("minutes", "max_steps", "patience")  # may change between a run and its resumption


def _fingerprint(cfg: PersonalizeConfig, recordings: Sequence[np.ndarray]) -> str:
    """What a checkpoint must agree on to be resumed: the recordings and every option but when to stop."""
    options = {k: v for k, v in asdict(cfg).items() if k not in STOPPING}
    h = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode())
    for x in recordings:
        h.update(np.asarray(x[:: max(1, len(x) // 4096)], dtype=np.float32).tobytes())
        h.update(str(len(x)).encode())
    return h.hexdigest()


class FrameWeights:
    """``p_j`` of a batch of premixture segments: ``sigmoid`` of the SNR predictor (PSE+DP), or all ones (PSE)."""

    def __init__(self, predictor: SNRPredictor | None, frame_len: int, hop: int):
        self.predictor = predictor
        self.frame_len, self.hop = (predictor.frame_len, predictor.hop) if predictor else (frame_len, hop)

    def __call__(self, premixture: torch.Tensor) -> torch.Tensor:
        if self.predictor is None:
            k = 1 + max(0, -(-(premixture.shape[-1] - self.frame_len) // self.hop))
            return torch.ones(premixture.shape[0], k)
        return torch.sigmoid(self.predictor.predict(premixture))


def pse_loss(weigh: FrameWeights):
    """The PSE(+DP) loss: the Hann-framed segmental MSE on ``weigh``'s frames, each frame weighted by ``p_j``."""
    return create_loss("seg-weighted-mse", frame_len=weigh.frame_len, hop=weigh.hop, window="hann", average="frames")


def pse_step(
    model: SEModel, opt: torch.optim.Optimizer, loss_fn, batch: dict, weights: Callable, grad_clip: float = 5.0
) -> float:
    """One PSE(+DP) training step on ``batch``; the frame weights judge the premixture (the user's recording)."""
    batch["frame_weights"] = weights(batch.get("premixture", batch["clean"]))
    loss = loss_fn(model(batch["noisy"]), batch)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    opt.step()
    return loss.item()


@dataclass
class Signals:
    """What a run trains and validates on: the recordings split in two, their targets (``None``: the recordings
    themselves) and the training noise."""

    train: list[np.ndarray]
    valid: list[np.ndarray]
    train_targets: list[np.ndarray] | None
    valid_targets: list[np.ndarray] | None
    noises: list[np.ndarray]
    target: str  # "recording" or "enhanced"
    own_noise: bool


def training_signals(
    model: SEModel, trained: bool, recordings: Sequence[np.ndarray], noises: Sequence[np.ndarray],
    cfg: PersonalizeConfig, segment: int,
) -> Signals:  # fmt: skip
    """Split the recordings (the last ``valid_fraction`` of each held back) and, for ``target="enhanced"`` or
    ``own_noise``, enhance them with the starting model. Only training parts give noise: the validation part of a
    recording never enters the training noise."""
    cuts = split_points([len(x) for x in recordings], cfg.valid_fraction, segment)
    train, valid = apply_split(recordings, cuts)
    noises = list(noises)
    target = ("enhanced" if trained else "recording") if cfg.target == "auto" else cfg.target
    own = target == "enhanced" if cfg.own_noise is None else cfg.own_noise
    if target == "recording" and not own:
        return Signals(train, valid, None, None, noises, target, own)
    if not trained:
        what = "the training noise" if target == "recording" else "the targets"
        raise HushError(f"--init {cfg.init}: an untrained model cannot enhance the recordings for {what}")
    train_enh, valid_enh = apply_split(teacher_outputs(model, recordings), cuts)
    if own:  # what the starting model removes: the noise of the user's own places
        residuals = [r - e for r, e in zip(train, train_enh, strict=True)]
        noises += [x for x in residuals if len(x) and np.mean(x.astype(np.float64) ** 2) > 1e-10]
    if target == "recording":
        return Signals(train, valid, None, None, noises, target, own)
    return Signals(train, valid, train_enh, valid_enh, noises, target, own)


def personalize_arrays(
    recordings: Sequence[np.ndarray],
    out: str | Path,
    cfg: PersonalizeConfig | None = None,
    noises: Sequence[np.ndarray] | None = None,
    predictor: SNRPredictor | None = None,
    weights: Callable[[torch.Tensor], torch.Tensor] | None = None,
    progress: Callable[[Report], object] | None = None,
    source: str = "the recordings",
) -> Result:
    """Personalize on ``recordings`` (1-D float arrays at 16 kHz, the user's own noisy audio) and write the model
    file ``out``. ``noises`` defaults to the generated bank (or ``cfg.noise``), ``predictor`` to the bundled one
    (PSE+DP only); ``weights`` replaces the frame weighting (tests). ``source`` names the recordings in errors."""
    cfg = cfg or PersonalizeConfig()
    cfg.check()
    out = Path(out)
    seconds = sum(len(x) for x in recordings) / SR
    if seconds < cfg.min_seconds:
        raise HushError(
            f"{source}: {seconds:.1f} s of audio in {len(recordings)} file(s); personalization needs at least "
            f"{cfg.min_seconds:.0f} s of the user's recordings"
        )
    torch.set_flush_denormal(True)  # quiet inputs otherwise slow CPU training by subnormal arithmetic
    if noises is None:
        noises = read_noise_folder(cfg.noise) if cfg.noise else synthetic_noise_bank()
    if cfg.method == "pse-dp" and predictor is None and weights is None:
        predictor = load_predictor(snr_predictor_path())
    weigh = FrameWeights(predictor if cfg.method == "pse-dp" else None, cfg.frame_len, cfg.hop)
    weights = weights or weigh
    model, meta, trained = initial_model(cfg.init, cfg.seed)
    lr = cfg.lr if cfg.lr is not None else (1e-4 if trained else 1e-3)
    seg = int(cfg.segment_seconds * SR)
    sig = training_signals(model, trained, recordings, noises, cfg, seg)
    train_ds = PSEDataset(
        sig.train, sig.noises, seg, size=1 << 62, snr_range=cfg.snr_range, seed=cfg.seed, targets=sig.train_targets
    )
    valid_ds = PSEDataset(
        sig.valid, sig.noises, seg, size=cfg.valid_items, snr_range=cfg.snr_range, seed=cfg.seed + 7919,
        targets=sig.valid_targets,
    )  # fmt: skip
    loss_fn = pse_loss(weigh)

    valid_batches = []
    for start in range(0, cfg.valid_items, 16):
        b = valid_ds.batch(start, min(16, cfg.valid_items - start))
        b["frame_weights"] = weights(b.get("premixture", b["clean"]))  # DP judges the recording, not the target
        valid_batches.append(b)

    def validate() -> float:
        model.eval()
        with torch.no_grad():
            total = sum(float(loss_fn(model(b["noisy"]), b)) * len(b["noisy"]) for b in valid_batches)
        model.train()
        return total / cfg.valid_items

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    ckpt = out.with_name(out.name + ".ckpt")
    fingerprint = _fingerprint(cfg, recordings)
    budget = 60.0 * cfg.minutes
    if ckpt.exists():
        doc = load_training_file(ckpt, "personalization checkpoint")
        if doc.get("fingerprint") != fingerprint:
            raise HushError(f"{ckpt}: checkpoint of a run with other recordings or options; remove it to start over")
        model.load_state_dict(doc["model"])
        opt.load_state_dict(doc["optimizer"])
        step, elapsed, bad = int(doc["step"]), float(doc["elapsed"]), int(doc["bad"])
        best_state, best_loss, best_step = doc["best_state"], float(doc["best_loss"]), int(doc["best_step"])
        history = [tuple(h) for h in doc["history"]]
        start_loss = float(doc["start_loss"])
    else:
        step, elapsed, bad = 0, 0.0, 0
        start_loss = best_loss = validate()
        best_state, best_step = {k: v.clone() for k, v in model.state_dict().items()}, 0
        history = [(0, 0.0, start_loss)]

    def save_checkpoint() -> None:
        doc = {
            "model": model.state_dict(), "optimizer": opt.state_dict(), "step": step, "elapsed": elapsed,
            "bad": bad, "best_state": best_state, "best_loss": best_loss, "best_step": best_step,
            "history": [list(h) for h in history], "start_loss": start_loss, "fingerprint": fingerprint,
        }  # fmt: skip
        atomic_torch_save(doc, ckpt)

    model.train()
    stopped = "minutes"
    t_last = time.monotonic()
    while True:
        if cfg.max_steps is not None and step >= cfg.max_steps:
            stopped = "max_steps"
            break
        if elapsed >= budget:
            break
        loss = pse_step(model, opt, loss_fn, train_ds.batch(step * cfg.batch_size, cfg.batch_size), weights,
                        cfg.grad_clip)  # fmt: skip
        step += 1
        now = time.monotonic()
        elapsed, t_last = elapsed + now - t_last, now
        report = Report(step, elapsed, budget, loss, best_loss=best_loss, best_step=best_step)
        if step % cfg.valid_every == 0:
            v = validate()
            history.append((step, elapsed, v))
            if v < best_loss:
                best_loss, best_step, bad = v, step, 0
                best_state = {k: t.clone() for k, t in model.state_dict().items()}
            else:
                bad += 1
            report.valid_loss, report.best_loss, report.best_step = v, best_loss, best_step
            save_checkpoint()
            now = time.monotonic()
            elapsed, t_last = elapsed + now - t_last, now
        if progress is not None:
            progress(report)
        if bad >= cfg.patience:
            stopped = "patience"
            break
    model.load_state_dict(best_state)
    model.eval()
    info = {
        "init": cfg.init, "method": cfg.method, "target": sig.target, "own_noise": sig.own_noise, "steps": step,
        "best_step": best_step,
        "minutes_of_recordings": round(seconds / 60, 2), "valid_loss_start": start_loss, "valid_loss_best": best_loss,
    }  # fmt: skip
    # what the starting file says about inference carries over; facts of its own training run do not
    meta = {k: v for k, v in meta.items() if k in INHERITED_META}
    save(model, out, metrics={"personalization": info}, meta={**meta, "personalized": info})
    ckpt.unlink(missing_ok=True)
    return Result(out, step, best_step, start_loss, best_loss, elapsed, stopped, history)


def read_recordings(inputs: Sequence[str], recursive: bool = False) -> tuple[list[np.ndarray], str]:
    """The user's recordings named by files, folders or globs, mono at 16 kHz, and a name for them in errors.

    An input that matches nothing or a file that cannot be read is one error line naming it."""
    pairs, errors = expand_inputs([str(i) for i in inputs], recursive=recursive)
    if errors:
        raise HushError(errors[0])
    source = str(inputs[0]) if len(inputs) == 1 else f"{len(inputs)} inputs"
    return [read_audio_16k(p) for p, _ in pairs], source


def personalize(
    inputs: Sequence[str],
    out: str | Path,
    cfg: PersonalizeConfig | None = None,
    recursive: bool = False,
    overwrite: bool = False,
    progress: Callable[[Report], object] | None = None,
) -> Result:
    """:func:`personalize_arrays` on the recordings of files, folders or globs; an existing ``out`` is kept unless
    ``overwrite`` (a checkpoint of an unfinished run beside it is resumed either way)."""
    out = Path(out)
    ckpt = out.with_name(out.name + ".ckpt")
    if out.exists() and not overwrite and not ckpt.exists():
        raise HushError(f"{out}: already exists (use --overwrite to replace it)")
    check_writable(out)
    recordings, source = read_recordings(inputs, recursive)
    return personalize_arrays(recordings, out, cfg, progress=progress, source=source)
