"""Training configuration: YAML mapped onto typed dataclasses, with one-line errors naming the bad key."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hush.data.mixing.mixtures import MixConfig
from hush.errors import HushError


class ConfigError(HushError):
    pass


@dataclass
class ModelConfig:
    arch: str = "gru"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class DataConfig:
    """Where training items come from.

    ``kind: manifests`` mixes speech and noise manifests on the fly; ``kind: pairs`` crops fixed clean/noisy pairs
    from the pair records of the ``speech`` manifests (VoiceBank-DEMAND style); ``kind: synthetic`` generates
    signals (tests, smoke runs); ``kind: array`` records the manifests' speech and noise with a simulated
    microphone array (``array``: :class:`~hush.data.mixing.arrays.ArrayDataConfig`), optionally through a
    beamformer. ``epoch_size`` items make an epoch.
    """

    kind: str = "manifests"
    speech: list[str] = field(default_factory=list)
    noise: list[str] = field(default_factory=list)
    sample_rate: int = 16000
    epoch_size: int = 2000
    valid_size: int = 64
    valid_speakers: int = 8
    valid_noise_fraction: float = 0.1
    valid_seed: int = 1234
    num_workers: int = 0
    cache_mb: int = 2048
    valid_dir: str | None = None  # a FixedSet folder to validate on instead of simulating one
    valid_speaker_ids: list[str] = field(default_factory=list)  # ids or @file: the validation speakers
    valid_noise_by: str = "file"  # hold out noise by "file" or by "source" recording
    exclude_speakers: list[str] = field(default_factory=list)  # ids or @file: never trained or validated on
    mix: MixConfig = field(default_factory=MixConfig)
    array: dict[str, Any] = field(default_factory=dict)  # data.kind: array (hush.data.mixing.arrays.ArrayDataConfig)


@dataclass
class OptimConfig:
    lr: float = 1e-3
    weight_decay: float = 1e-2
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])
    schedule: str = "cosine"  # cosine | plateau | constant
    warmup_steps: int = 200
    min_lr_ratio: float = 0.05
    plateau_factor: float = 0.5
    plateau_patience: int = 3
    grad_clip: float = 5.0


@dataclass
class TrainConfig:
    batch_size: int = 16
    max_steps: int = 10000
    valid_every: int = 500
    keep_validated: bool = False  # also write each validated model to out_dir/validated/stepNNNNNN.pt
    checkpoint_every: int = 0  # steps between checkpoints besides those at each validation (0: validations only)
    log_every: int = 25
    select_metric: str = "pesq_wb"  # best checkpoint and early stopping; higher is better (loss: lower);
    # "a+b" selects on the sum of validation metrics a and b
    valid_metrics: list[str] = field(default_factory=lambda: ["pesq_wb", "estoi", "si_sdr"])
    early_stop_patience: int = 0  # validations without improvement; 0 disables
    seed: int = 0
    out_dir: str = "runs/default"
    save_half: bool = False
    init_from: str | None = None  # warm start: model weights from a checkpoint or model file (not optimizer/schedule)
    init_missing_ok: bool = False  # growing a model: parameters init_from lacks keep their initialisation
    tensorboard: bool = True


@dataclass
class FeaturePairConfig:
    """One feature-distillation pair: student and teacher layers (module names, ``model.get_submodule``)."""

    student: str = ""
    teacher: str = ""
    weight: float = 1.0
    loss: str = "mse"  # mse | l1 | cosine
    channels: str = "auto"  # channel axis: auto | first (B, C, ...) | last (B, ..., C)
    adapter: str = "auto"  # auto (linear map only when channel counts differ) | always


@dataclass
class LayerPairConfig:
    student: str = ""
    teacher: str = ""
    channels: str = "auto"


@dataclass
class AttentionConfig:
    """Attention transfer (Zagoruyko & Komodakis 2017) between layer pairs."""

    weight: float = 0.0
    p: float = 2.0
    layers: list[LayerPairConfig] = field(default_factory=list)


@dataclass
class MVATConfig:
    """Multi-view attention transfer (MANNER family): per MA block, the channel, global and local views."""

    weight: float = 0.0
    p: float = 2.0
    blocks: list[str] | None = None  # e.g. [enc0, enc1, dec1]; default: every MA block both models have


@dataclass
class DistillConfig:
    """Knowledge distillation from a frozen teacher: a model file or ``method:<name>`` (see docs/distillation.md)."""

    teacher: str = ""
    output: float = 1.0
    output_loss: Any = field(default_factory=lambda: {"mr-stft": 1.0})
    features: list[FeaturePairConfig] = field(default_factory=list)
    attention: AttentionConfig = field(default_factory=AttentionConfig)
    mvat: MVATConfig = field(default_factory=MVATConfig)
    cache_dir: str | None = None


@dataclass
class MetricGANConfig:
    """Training against learned metric discriminators (MetricGAN, MetricGAN+, MetricGAN-OKD;
    hush.training.metric_gan and docs/adversarial.md). The defaults are MP-SENet's form: one discriminator,
    scores computed in the training step, no history."""

    weight: float = 0.05  # of the generator's term mean((D(clean, enhanced) - 1)^2)
    metric: str = "pesq_wb"  # what the discriminator learns to predict (normalised to [0, 1])
    metrics: list[str] = field(default_factory=list)  # one discriminator per metric; empty: [metric]
    mode: str = "single"  # single: one generator learns from every discriminator; okd: one generator per metric
    mutual: float = 0.0  # okd: weight of the mutual-learning term between the generators' outputs
    primary: str = ""  # okd: the metric whose generator is the run's model (best.pt); default the first
    lr: float = 5e-4
    betas: list[float] = field(default_factory=lambda: [0.8, 0.99])
    channels: int = 16
    n_fft: int = 400  # the discriminator's input: compressed magnitude spectrograms
    hop: int = 100
    compression: float = 0.3
    workers: int = 0  # metric worker processes (0: scores computed in the training process)
    lag: int = 0  # steps between an output and the discriminator's step on its true score
    rows: int = 0  # batch rows scored and learnt by the discriminator per step (0: all)
    learn_noisy: bool = False  # the discriminator also learns the noisy input's true score (MetricGAN+)
    history: int = 0  # replay buffer of earlier outputs and their scores, in items (0: none)
    history_batch: int = 0  # items replayed per discriminator step


METRIC_GAN_METRICS = ("pesq_wb", "pesq_nb", "stoi", "estoi", "si_sdr", "dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl")


@dataclass
class AdversarialConfig:
    """Adversarial training against real/fake discriminators (SEGAN-style; hush.training.adversarial)."""

    discriminators: list[str] = field(default_factory=lambda: ["waveform", "stft"])  # waveform and/or stft
    loss: str = "lsgan"  # lsgan | hinge
    weight: float = 1.0  # of the generator's adversarial term
    feature_matching: float = 2.0  # weight of the L1 distance between discriminator features of clean and enhanced
    lr: float = 2e-4
    betas: list[float] = field(default_factory=lambda: [0.8, 0.99])
    channels: int = 16
    waveform_layers: int = 4  # strided layers of the waveform discriminator (each divides time by 4)
    conditional: bool = True  # the waveform discriminator also sees the noisy input (SEGAN)
    resolutions: list[list[int]] = field(default_factory=lambda: [[512, 128], [1024, 256], [256, 64]])
    grad_clip: float = 5.0  # of the discriminators' gradients (0: none)


ADVERSARIAL_DISCRIMINATORS = ("waveform", "stft")


@dataclass
class GradNormConfig:
    """GradNorm (Chen et al. 2018, hush.training.gradnorm): learned weights of the loss terms."""

    alpha: float = 1.5  # asymmetry: how strongly the tasks' training rates are equalised
    lr: float = 0.025  # of the weights' own Adam optimiser
    layer: str = ""  # the last layer the tasks share (a module name); default: the model's ``shared_layer``


@dataclass
class MTLConfig:
    """Auxiliary tasks beside enhancement (hush.training.mtl): weights alpha of L = L_SE + alpha L_aux (0: off)."""

    noise: float = 0.0  # noise estimation: negative SI-SNR of an extra decoder output against the noise
    tagging: float = 0.0  # audio tagging: BCE against the frozen AudioSet tagger's non-speech probabilities
    tagging_labels: str = "noisy"  # the tagger's input for the pseudo-labels: noisy | noise
    tagging_width: int = 32  # channels of the tagging head's CNN
    tagging_hidden: int = 256  # width of its hidden linear layer
    balance: str = "fixed"  # fixed (the weights as given) | gradnorm (learned, starting from the given weights)
    gradnorm: GradNormConfig = field(default_factory=GradNormConfig)


@dataclass
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    loss: Any = field(default_factory=lambda: {"mr-stft": 1.0})
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    distill: DistillConfig | None = None
    metric_gan: MetricGANConfig | None = None
    adversarial: AdversarialConfig | None = None
    mtl: MTLConfig | None = None
    name: str = "run"


def _is_dataclass_type(t) -> bool:
    return isinstance(t, type) and dataclasses.is_dataclass(t)


def _coerce(value: Any, typ: Any, where: str) -> Any:
    origin = typing.get_origin(typ)
    if typ is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(typ)
        if value is None and type(None) in args:
            return None
        others = [a for a in args if a is not type(None)]
        if len(others) == 1:  # Optional[X]: X's own error names the bad key
            return _coerce(value, others[0], where)
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(value, a, where)
            except ConfigError:
                continue
        raise ConfigError(f"config error: {where}: {value!r} is not {typ}")
    if _is_dataclass_type(typ):
        return from_dict(typ, value, where)
    if origin is tuple:
        args = typing.get_args(typ)
        if not isinstance(value, list | tuple):
            raise ConfigError(f"config error: {where}: expected a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise ConfigError(f"config error: {where}: expected {len(args)} values, got {len(value)}")
        return tuple(_coerce(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=True)))
    if origin is list or typ is list:
        if not isinstance(value, list):
            raise ConfigError(f"config error: {where}: expected a list, got {value!r}")
        (item,) = typing.get_args(typ) or (Any,)
        return [_coerce(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict or typ is dict:  # a bare ``dict`` annotation has no origin
        if not isinstance(value, dict):
            raise ConfigError(f"config error: {where}: expected a mapping, got {value!r}")
        return dict(value)
    if typ is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if typ is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if typ is bool and isinstance(value, bool):
        return value
    if typ is str and isinstance(value, str):
        return value
    raise ConfigError(f"config error: {where}: expected {getattr(typ, '__name__', typ)}, got {value!r}")


def from_dict(cls: type, data: Any, where: str = "") -> Any:
    """Build dataclass ``cls`` from a mapping; unknown keys and wrong types raise :class:`ConfigError`."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"config error: {where or 'top level'}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in data.items():
        path = f"{where}.{key}" if where else str(key)
        if key not in names:
            raise ConfigError(f"config error: {path}: unknown key (expected one of: {', '.join(names)})")
        kwargs[key] = _coerce(value, hints[key], path)
    return cls(**kwargs)


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: invalid YAML{at}") from None
    cfg = from_dict(Config, data)
    validate(cfg)
    return cfg


def validate(cfg: Config) -> None:
    if cfg.optim.schedule not in ("cosine", "plateau", "constant"):
        raise ConfigError(f"config error: optim.schedule: {cfg.optim.schedule!r} is not cosine, plateau or constant")
    if cfg.data.kind not in ("manifests", "pairs", "synthetic", "array"):
        raise ConfigError(f"config error: data.kind: {cfg.data.kind!r} is not manifests, pairs, synthetic or array")
    if cfg.data.kind == "array":
        from hush.data.mixing.arrays import ArrayDataConfig

        try:
            ArrayDataConfig(**cfg.data.array)
        except TypeError as e:
            raise ConfigError(f"config error: data.array: {e}") from None
    if cfg.data.kind in ("manifests", "array") and (not cfg.data.speech or not cfg.data.noise):
        raise ConfigError("config error: data.speech and data.noise need at least one manifest each")
    if cfg.data.kind == "pairs" and not cfg.data.speech:
        raise ConfigError("config error: data.speech needs a manifest with pair records")
    if cfg.train.batch_size < 1 or cfg.train.max_steps < 1:
        raise ConfigError("config error: train.batch_size and train.max_steps must be positive")
    from hush.metrics import AVAILABLE_METRICS

    bad = [m for m in cfg.train.valid_metrics if m not in AVAILABLE_METRICS]
    if bad:
        raise ConfigError(f"config error: train.valid_metrics: unknown metric(s) {', '.join(bad)}")
    sel = cfg.train.select_metric
    if sel != "loss":
        missing = [m for m in sel.split("+") if m not in cfg.train.valid_metrics]
        if missing:
            raise ConfigError(f"config error: train.select_metric: {', '.join(missing)} is not in train.valid_metrics")
    if cfg.distill is not None:
        validate_distill(cfg.distill)
    if cfg.metric_gan is not None:
        validate_metric_gan(cfg.metric_gan)
    if cfg.adversarial is not None:
        validate_adversarial(cfg.adversarial)
    if cfg.mtl is not None:
        validate_mtl(cfg)
    tasks = [k for k in ("distill", "metric_gan", "adversarial", "mtl") if getattr(cfg, k) is not None]
    if len(tasks) > 1:
        raise ConfigError(f"config error: {tasks[1]}: cannot be combined with {tasks[0]}")


def validate_metric_gan(mg: MetricGANConfig) -> None:
    _check_weight(mg.weight, "metric_gan.weight")
    _check_weight(mg.mutual, "metric_gan.mutual")
    for i, m in enumerate(mg.metrics or [mg.metric]):
        _check_choice(m, METRIC_GAN_METRICS, f"metric_gan.metrics[{i}]" if mg.metrics else "metric_gan.metric")
    metrics = mg.metrics or [mg.metric]
    if len(set(metrics)) != len(metrics):
        raise ConfigError(f"config error: metric_gan.metrics: a metric is listed twice in {metrics}")
    _check_choice(mg.mode, ("single", "okd"), "metric_gan.mode")
    if mg.primary and mg.primary not in metrics:
        raise ConfigError(f"config error: metric_gan.primary: {mg.primary!r} is not in metric_gan.metrics")
    if mg.lr <= 0 or mg.channels < 1 or mg.n_fft < 16 or mg.hop < 1 or not 0 < mg.compression <= 1:
        raise ConfigError("config error: metric_gan: lr, channels, n_fft, hop and compression must be positive")
    if min(mg.workers, mg.lag, mg.rows, mg.history, mg.history_batch) < 0:
        raise ConfigError("config error: metric_gan: workers, lag, rows, history and history_batch must be >= 0")
    if mg.history_batch and not mg.history:
        raise ConfigError("config error: metric_gan.history_batch: needs a history buffer (metric_gan.history)")


def validate_adversarial(a: AdversarialConfig) -> None:
    if not a.discriminators:
        raise ConfigError("config error: adversarial.discriminators: name at least one of waveform, stft")
    for i, name in enumerate(a.discriminators):
        _check_choice(name, ADVERSARIAL_DISCRIMINATORS, f"adversarial.discriminators[{i}]")
    _check_choice(a.loss, ("lsgan", "hinge"), "adversarial.loss")
    _check_weight(a.weight, "adversarial.weight")
    _check_weight(a.feature_matching, "adversarial.feature_matching")
    if a.lr <= 0 or a.channels < 1 or a.waveform_layers < 1 or a.grad_clip < 0:
        raise ConfigError("config error: adversarial: lr, channels and waveform_layers must be positive")
    for i, r in enumerate(a.resolutions):
        if len(r) != 2 or r[0] < 16 or not 0 < r[1] <= r[0]:
            raise ConfigError(f"config error: adversarial.resolutions[{i}]: expected [n_fft, hop], got {r}")


def validate_mtl(cfg: Config) -> None:
    m = cfg.mtl
    if cfg.distill is not None or cfg.metric_gan is not None:
        raise ConfigError("config error: mtl: cannot be combined with distill or metric_gan")
    _check_weight(m.noise, "mtl.noise")
    _check_weight(m.tagging, "mtl.tagging")
    _check_choice(m.tagging_labels, ("noisy", "noise"), "mtl.tagging_labels")
    _check_choice(m.balance, ("fixed", "gradnorm"), "mtl.balance")
    if m.tagging_width < 1 or m.tagging_hidden < 1:
        raise ConfigError("config error: mtl: tagging_width and tagging_hidden must be positive")
    if m.noise == 0 and m.tagging == 0 and m.balance == "fixed":
        raise ConfigError("config error: mtl: no auxiliary task has a weight above 0 (drop the section instead)")
    g = m.gradnorm
    if not (math.isfinite(g.alpha) and g.alpha >= 0 and math.isfinite(g.lr) and g.lr > 0):
        raise ConfigError("config error: mtl.gradnorm: alpha must be >= 0 and lr > 0")


_FEATURE_LOSSES = ("mse", "l1", "cosine")


def _check_weight(value: float, where: str) -> None:
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"config error: {where}: weight must be a finite number >= 0, got {value!r}")


def _check_choice(value: str, choices: tuple[str, ...], where: str) -> None:
    if value not in choices:
        raise ConfigError(f"config error: {where}: {value!r} is not {', '.join(choices[:-1])} or {choices[-1]}")


def validate_distill(d: DistillConfig) -> None:
    """Static checks of the ``distill`` section; layer names are checked against the models by the task."""
    if not d.teacher:
        raise ConfigError("config error: distill.teacher: a teacher model file or method:<name> is required")
    _check_weight(d.output, "distill.output")
    from hush.losses import LossSpecError, build_loss

    try:
        build_loss(d.output_loss)
    except LossSpecError as e:
        raise ConfigError(f"config error: distill.output_loss: {e}") from None
    for i, f in enumerate(d.features):
        where = f"distill.features[{i}]"
        if not f.student or not f.teacher:
            raise ConfigError(f"config error: {where}: needs both 'student' and 'teacher' layer names")
        _check_weight(f.weight, f"{where}.weight")
        _check_choice(f.loss, _FEATURE_LOSSES, f"{where}.loss")
        _check_choice(f.channels, ("auto", "first", "last"), f"{where}.channels")
        _check_choice(f.adapter, ("auto", "always"), f"{where}.adapter")
    _check_weight(d.attention.weight, "distill.attention.weight")
    _check_weight(d.mvat.weight, "distill.mvat.weight")
    for name, sec in (("attention", d.attention), ("mvat", d.mvat)):
        if not (math.isfinite(sec.p) and sec.p > 0):
            raise ConfigError(f"config error: distill.{name}.p: must be a positive number, got {sec.p!r}")
    for i, pair in enumerate(d.attention.layers):
        where = f"distill.attention.layers[{i}]"
        if not pair.student or not pair.teacher:
            raise ConfigError(f"config error: {where}: needs both 'student' and 'teacher' layer names")
        _check_choice(pair.channels, ("auto", "first", "last"), f"{where}.channels")
    if d.attention.weight > 0 and not d.attention.layers:
        raise ConfigError("config error: distill.attention.layers: attention transfer needs at least one layer pair")
    active = d.output > 0 or d.attention.weight > 0 or d.mvat.weight > 0 or any(f.weight > 0 for f in d.features)
    if not active:
        raise ConfigError("config error: distill: every distillation term has weight 0 (drop the section instead)")


def to_dict(cfg: Config) -> dict:
    return dataclasses.asdict(cfg)
