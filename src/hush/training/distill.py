"""Knowledge distillation from a frozen (typically non-causal) teacher into the trained (typically causal) student.

:class:`DistillTask` is a :class:`~hush.training.task.Task`: the trainer picks it when the config has a ``distill``
section. Per step it runs the student (with forward hooks on the named student layers), runs the teacher under
``no_grad`` in eval mode (or reads its outputs from the on-disk cache), and adds to the task loss:

* ``output``: any registered loss (``output_loss``) between the student's and the teacher's enhanced waveforms,
  over the valid samples of the batch (CNNC-Distill style output distillation);
* ``features``: per layer pair a ``mse`` / ``l1`` / ``cosine`` distance between the student's layer output mapped by a
  learned adapter (a linear map on the channel axis, a 1x1 convolution; identity when the channel counts agree) and
  the teacher's layer output; other axes (time, frequency) are linearly interpolated to the teacher's size when
  they differ (FitNets / CNNC-Distill feature distillation);
* ``attention``: attention transfer (Zagoruyko & Komodakis 2017): per layer the map ``Q = sum_c |A_c|^p`` over the
  channel axis, flattened and L2-normalised; the term is the mean over pairs of ``||Q_s/||Q_s|| - Q_t/||Q_t|| ||_2``
  (mean over the batch); no parameters, any channel counts;
* ``mvat``: multi-view attention transfer (Shin et al. 2022) for ``manner`` / ``rt-manner``: the same attention
  transfer applied to the output of each of the three view branches (channel, global, local) of every multi-view
  attention block both models have, averaged over blocks and views.

Layer tensors: a module's output, or the first element when it returns a tuple (``nn.GRU``, the MANNER blocks);
the batch axis must come first. The channel axis is ``channels: first`` (``(B, C, ...)``, convolutions) or ``last``
(``(B, ..., C)``, linear and recurrent layers); ``auto`` picks ``last`` for 3-D tensors of STFT models (frames on
axis 1) and ``first`` otherwise. Teacher and student must share the sample rate; their STFT sizes may differ (the
waveform outputs are always comparable; feature maps are interpolated along time, which only approximately aligns
frames of different hops, so equal frame rates are recommended).

The teacher cache (``cache_dir``) is keyed by content: a folder per teacher (hash of its weights, architecture and
configuration) holding, per entry (the output, each captured layer), one file per training item named by the SHA-1
of the item's noisy samples. Changing the teacher, the data, the mixing configuration, the seed or the worker count
can therefore never serve stale outputs (an index key such as (seed, epoch, rank, index) would, silently, after any
change of the data or mixing settings); outputs are reused whenever the same noisy segment recurs (runs that share
data and seed, such as an ablation, or fixed-pair data). Cached tensors are the exact fp32 values, so cached and
uncached losses are identical.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from hush.losses import build_loss
from hush.losses.base import safe_sqrt
from hush.models.base import SEModel
from hush.models.model_file import atomic_torch_save
from hush.models.stft_mask import STFTModel
from hush.training.config import ConfigError, DistillConfig
from hush.training.task import Task

VIEWS = {"channel": "channel", "global": "glob", "local": "local"}  # MV-AT view -> branch module of a MA block


# ------------------------------------------------------------------------------------------------ layers and hooks
def resolve_layer(model: nn.Module, name: str, where: str) -> nn.Module:
    """``model.get_submodule(name)`` with a one-line :class:`ConfigError` listing some valid names."""
    try:
        if not name:
            raise AttributeError(name)
        return model.get_submodule(name)
    except AttributeError:
        names = [n for n, _ in model.named_modules() if n]
        close = difflib.get_close_matches(name, names, n=4, cutoff=0.4)
        shown = (close + [n for n in names if n not in close])[:8]
        more = f", ... ({len(names)} in all)" if len(names) > len(shown) else ""
        arch = getattr(model, "arch", type(model).__name__)
        raise ConfigError(
            f"config error: {where}: no layer {name!r} in {arch}; valid names include: {', '.join(shown)}{more}"
        ) from None


def _first_tensor(output, name: str) -> Tensor:
    while isinstance(output, tuple | list) and output:
        output = output[0]
    if not isinstance(output, Tensor):
        raise ConfigError(f"config error: distill: layer {name!r} returns {type(output).__name__}, not a tensor")
    return output


class Capture:
    """Forward hooks on named submodules of ``model``; while :meth:`recording`, keeps each one's output tensor."""

    def __init__(self, model: nn.Module, names: dict[str, str]):
        """``names`` maps a layer name to the config path that named it (for errors)."""
        self.store: dict[str, Tensor] = {}
        self.active = False
        self.handles = []
        for name, where in names.items():
            module = resolve_layer(model, name, where)
            self.handles.append(module.register_forward_hook(self._hook(name)))

    def _hook(self, name: str):
        def fn(module, inputs, output):
            if self.active:
                self.store[name] = _first_tensor(output, name)

        return fn

    @contextlib.contextmanager
    def recording(self):
        self.store, self.active = {}, True
        try:
            yield self.store
        finally:
            self.active = False

    def remove(self) -> None:
        for h in self.handles:
            h.remove()
        self.handles = []


# ------------------------------------------------------------------------------------------------ maps and distances
def channel_axis(x: Tensor, mode: str, model: nn.Module) -> int:
    if x.ndim <= 2:
        return -1  # no channel axis: (B, N)
    if mode == "first":
        return 1
    if mode == "last":
        return x.ndim - 1
    return x.ndim - 1 if x.ndim == 3 and isinstance(model, STFTModel) else 1


def to_bc(x: Tensor, axis: int) -> Tensor:
    """(B, C, *rest) with the channel axis second; a tensor without channel axis gets one of size 1."""
    if x.ndim == 1:
        x = x[:, None]
    if axis < 0:
        return x[:, None]
    return x.movedim(axis, 1)


def match_size(x: Tensor, size: tuple[int, ...]) -> Tensor:
    """Linear interpolation of the axes after the channel axis of ``x`` (B, C, *rest) to ``size``."""
    if tuple(x.shape[2:]) == tuple(size):
        return x
    if len(size) != x.ndim - 2 or not 1 <= len(size) <= 3:
        raise ValueError(f"distill: cannot align student shape {tuple(x.shape)} with teacher size {tuple(size)}")
    mode = ("linear", "bilinear", "trilinear")[len(size) - 1]
    return F.interpolate(x, size=tuple(size), mode=mode, align_corners=False)


def feature_distance(s: Tensor, t: Tensor, kind: str) -> Tensor:
    """Distance of (B, C, *rest) tensors: ``mse``, ``l1`` or ``cosine`` (1 - cosine similarity along channels,
    computed as half the squared distance of the unit vectors, exactly 0 for equal inputs)."""
    if kind == "mse":
        return (s - t).square().mean()
    if kind == "l1":
        return (s - t).abs().mean()
    if kind == "cosine":
        return 0.5 * (F.normalize(s, dim=1, eps=1e-8) - F.normalize(t, dim=1, eps=1e-8)).square().sum(1).mean()
    raise ValueError(f"unknown feature loss {kind!r}")


def attention_map(x: Tensor, p: float = 2.0) -> Tensor:
    """Zagoruyko & Komodakis' activation-based map of (B, C, *rest): ``sum_c |x_c|^p``, shape (B, *rest)."""
    return (x.square() if p == 2 else x.abs().pow(p)).sum(1)


def attention_transfer(s: Tensor, t: Tensor, p: float = 2.0) -> Tensor:
    """``mean_b || Q_s/||Q_s|| - Q_t/||Q_t|| ||_2`` of (B, C, *rest) layer outputs; the student map is interpolated
    to the teacher's size when they differ."""
    qs, qt = attention_map(s, p), attention_map(t, p)
    if qs.shape[1:] != qt.shape[1:]:
        qs = match_size(qs[:, None], tuple(qt.shape[1:]))[:, 0]
    qs, qt = F.normalize(qs.flatten(1), dim=1, eps=1e-12), F.normalize(qt.flatten(1), dim=1, eps=1e-12)
    return safe_sqrt((qs - qt).square().sum(1)).mean()


class Adapter(nn.Module):
    """A learned linear map on the channel axis of (B, C, *rest): a 1x1 convolution from student to teacher width."""

    def __init__(self, c_student: int, c_teacher: int):
        super().__init__()
        self.proj = nn.Linear(c_student, c_teacher)

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(x.movedim(1, -1)).movedim(-1, 1)


# ------------------------------------------------------------------------------------------------ teacher cache
class TeacherCache:
    """Teacher outputs on disk: ``<root>/<teacher hash>/<entry>/<key[:2]>/<key>.pt``, one fp32 tensor per training
    item and entry (``out.enhanced`` or ``layer.<name>``), keyed by the SHA-1 of the item's noisy samples (see the
    module docstring). Runs that capture different layers of the same teacher share the entries they have in common.
    """

    def __init__(self, root: str | Path, teacher: SEModel):
        h = hashlib.sha1(json.dumps([teacher.arch, teacher.config], sort_keys=True, default=str).encode())
        for k, v in sorted(teacher.state_dict().items()):
            h.update(k.encode())
            h.update(v.detach().cpu().float().contiguous().numpy().tobytes())
        self.dir = Path(root) / h.hexdigest()[:16]
        self.hits = self.misses = 0

    @staticmethod
    def key(item: Tensor) -> str:
        a = item.detach().cpu().float().contiguous().numpy()
        h = hashlib.sha1(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
        return h.hexdigest()

    def _path(self, entry: str, key: str) -> Path:
        return self.dir / entry / key[:2] / f"{key}.pt"

    def get(self, keys: list[str], entries: list[str]) -> dict[str, Tensor] | None:
        """The batch of every entry when all items have all of them, else None."""
        out = {}
        for entry in entries:
            items = []
            for k in keys:
                try:
                    items.append(torch.load(self._path(entry, k), map_location="cpu", weights_only=True))
                except Exception:  # missing or unreadable (writes are atomic, so never half-written)
                    self.misses += 1
                    return None
            out[entry] = torch.stack(items)
        self.hits += 1
        return out

    def put(self, keys: list[str], outputs: dict[str, Tensor]) -> None:
        for entry, value in outputs.items():
            for i, k in enumerate(keys):  # clone: saving a view would save the whole batch's storage
                atomic_torch_save(value[i].detach().cpu().clone(), self._path(entry, k))


# ------------------------------------------------------------------------------------------------ the task
def _probe_input(*models: SEModel) -> Tensor:
    n = max([4096] + [int(m.min_length) for m in models])
    t = torch.arange(n, dtype=torch.float32)
    g = torch.Generator().manual_seed(0)
    x = 0.05 * torch.sin(0.07 * t) + 0.01 * torch.randn(2, n, generator=g)
    return x


@torch.no_grad()
def _probe(model: nn.Module, capture: Capture, x: Tensor) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    was = model.training
    model.eval()
    try:
        with capture.recording() as store:
            out = model(x)
    finally:
        model.train(was)
    return out, dict(store)


class DistillTask(Task):
    """The task loss plus the distillation terms of :class:`~hush.training.config.DistillConfig` (module docstring).

    ``student`` is the trained model (hooks go on its layers); ``teacher`` defaults to ``hush.models.load`` of
    ``cfg.teacher``. Adapters are in :meth:`extra_modules`, so the trainer optimises and checkpoints them.
    """

    def __init__(self, loss: nn.Module, cfg: DistillConfig, student: SEModel, teacher: SEModel | None = None):
        super().__init__(loss)
        self.cfg = cfg
        if teacher is None:
            from hush.training.method_teacher import load_teacher

            teacher = load_teacher(cfg.teacher, student.sample_rate)
        if getattr(teacher, "chunk", 0):
            teacher.chunk = 0  # manner: the teacher sees whole training segments (per-item features, no chunk seams)
        # Frozen: never optimised, always run in eval mode under no_grad. Its parameters keep requires_grad: for a
        # non-contiguous input, torch dispatches some products differently when the weight does not require grad,
        # and a teacher identical to the student would then not give exactly the student's output.
        self.teacher = teacher.eval()
        if teacher.sample_rate != student.sample_rate:
            raise ConfigError(
                f"config error: distill.teacher: sample rate {teacher.sample_rate} differs from the "
                f"student's {student.sample_rate}"
            )
        self.student = student
        self.output_loss = build_loss(cfg.output_loss)
        self.last: dict[str, float] = {}

        s_names: dict[str, str] = {}
        t_names: dict[str, str] = {}
        self.features = [f for f in cfg.features if f.weight > 0]
        for i, f in enumerate(cfg.features):
            if f.weight > 0:
                s_names.setdefault(f.student, f"distill.features[{i}].student")
                t_names.setdefault(f.teacher, f"distill.features[{i}].teacher")
        self.att_layers = list(cfg.attention.layers) if cfg.attention.weight > 0 else []
        for i, pair in enumerate(self.att_layers):
            s_names.setdefault(pair.student, f"distill.attention.layers[{i}].student")
            t_names.setdefault(pair.teacher, f"distill.attention.layers[{i}].teacher")
        self.mvat_pairs: list[tuple[str, str]] = []  # (student layer, teacher layer) per block and view
        if cfg.mvat.weight > 0:
            self.mvat_pairs = self._mvat_pairs(student, teacher)
            for s_name, t_name in self.mvat_pairs:
                s_names.setdefault(s_name, "distill.mvat")
                t_names.setdefault(t_name, "distill.mvat")
        if t_names and not isinstance(teacher, SEModel):
            raise ConfigError(
                f"config error: distill.teacher: {cfg.teacher!r} gives outputs only; feature, attention and MV-AT "
                "terms need a teacher model file"
            )
        self.s_capture = Capture(student, s_names)
        self.t_capture = Capture(teacher, t_names)
        self.t_layers = list(t_names)

        # shapes from one probe forward of each model: adapters, channel axes, batch-first check
        x = _probe_input(student, teacher)
        _, s_feats = _probe(student, self.s_capture, x)
        _, t_feats = _probe(teacher, self.t_capture, x)
        for role, feats, names in (("student", s_feats, s_names), ("teacher", t_feats, t_names)):
            for name, where in names.items():
                if name not in feats:
                    raise ConfigError(f"config error: {where}: layer {name!r} is not run by the {role}'s forward")
                if feats[name].ndim < 2 or feats[name].shape[0] != x.shape[0]:
                    raise ConfigError(
                        f"config error: {where}: layer {name!r} output {tuple(feats[name].shape)} is not batch-first"
                    )
        self.adapters = nn.ModuleDict()
        self.axes: dict[str, tuple[int, int]] = {}  # label -> (student channel axis, teacher channel axis)
        for i, f in enumerate(cfg.features):
            if f.weight <= 0:
                continue
            s, t = s_feats[f.student], t_feats[f.teacher]
            ax_s, ax_t = channel_axis(s, f.channels, student), channel_axis(t, f.channels, teacher)
            cs, ct = to_bc(s, ax_s).shape[1], to_bc(t, ax_t).shape[1]
            self.axes[f"feat{i}"] = (ax_s, ax_t)
            if cs != ct or f.adapter == "always":
                self.adapters[f"feat{i}"] = Adapter(cs, ct)
        for i, pair in enumerate(self.att_layers):
            s, t = s_feats[pair.student], t_feats[pair.teacher]
            self.axes[f"att{i}"] = (channel_axis(s, pair.channels, student), channel_axis(t, pair.channels, teacher))
        self.cache = TeacherCache(cfg.cache_dir, teacher) if cfg.cache_dir else None
        self._synced = False

    # ------------------------------------------------------------------------ setup helpers
    def _mvat_pairs(self, student: SEModel, teacher: SEModel) -> list[tuple[str, str]]:
        """(student, teacher) view-branch layers of the MA blocks both models have, found from the
        ``att_<view>_<block>`` entries their forward exposes and paired by block name (``enc0``, ``dec1``, ...)."""
        blocks = {}
        x = _probe_input(student, teacher)
        for role, model in (("student", student), ("teacher", teacher)):
            if not hasattr(getattr(model, "net", None), "enc_ma"):
                raise ConfigError(
                    f"config error: distill.mvat: the {role} ({model.arch}) is not a manner / rt-manner "
                    "model (no multi-view attention blocks)"
                )
            out, _ = _probe(model, Capture(model, {}), x)
            blocks[role] = [k[len("att_channel_") :] for k in out if k.startswith("att_channel_")]
        common = [b for b in blocks["teacher"] if b in blocks["student"]]
        chosen = common if self.cfg.mvat.blocks is None else list(self.cfg.mvat.blocks)
        for b in chosen:
            if b not in common:
                raise ConfigError(
                    f"config error: distill.mvat.blocks: {b!r} is not a multi-view attention block of "
                    f"both models (common blocks: {', '.join(common) or 'none'})"
                )
        if not chosen:
            raise ConfigError("config error: distill.mvat: the models have no multi-view attention block in common")

        def layer(block: str, view: str) -> str:
            return f"net.{block[:3]}_ma.{block[3:]}.{VIEWS[view]}"

        return [(layer(b, v), layer(b, v)) for b in chosen for v in VIEWS]

    def extra_modules(self) -> dict[str, nn.Module]:
        return {"distill_adapters": self.adapters} if len(self.adapters) else {}

    # ------------------------------------------------------------------------ teacher
    @torch.no_grad()
    def teacher_outputs(self, noisy: Tensor) -> dict[str, Tensor]:
        """``enhanced`` and the captured teacher layers for a noisy batch (from the cache when possible)."""
        entries = {"out.enhanced": "enhanced", **{f"layer.{n}": n for n in self.t_layers}}
        keys = None
        if self.cache is not None:
            keys = [self.cache.key(item) for item in noisy]
            hit = self.cache.get(keys, list(entries))
            if hit is not None:
                return {entries[e]: v.to(noisy.device) for e, v in hit.items()}
        self.teacher.to(noisy.device)
        with self.t_capture.recording() as store:
            out = self.teacher(noisy)
        res = {"enhanced": out["enhanced"], **store}
        if self.cache is not None:
            self.cache.put(keys, {e: res[n] for e, n in entries.items()})
        return res

    # ------------------------------------------------------------------------ losses
    def distill_losses(
        self, student_out: dict[str, Tensor], s_feats: dict[str, Tensor], t: dict[str, Tensor], batch: dict
    ) -> dict[str, tuple[float, Tensor]]:
        """Label -> (weight, unweighted value) of every active distillation term."""
        cfg, terms = self.cfg, {}
        if cfg.output > 0:
            ref = dict(batch)
            ref["clean"] = t["enhanced"]
            terms["kd_output"] = (cfg.output, self.output_loss({"enhanced": student_out["enhanced"]}, ref))
        for i, f in enumerate(cfg.features):
            if f.weight <= 0:
                continue
            ax_s, ax_t = self.axes[f"feat{i}"]
            s, tt = to_bc(s_feats[f.student], ax_s), to_bc(t[f.teacher], ax_t)
            if f"feat{i}" in self.adapters:
                s = self.adapters[f"feat{i}"](s)
            s = match_size(s, tuple(tt.shape[2:]))
            terms[f"kd_feat{i}"] = (f.weight, feature_distance(s, tt.to(s.dtype), f.loss))
        if self.att_layers:
            vals = []
            for i, pair in enumerate(self.att_layers):
                ax_s, ax_t = self.axes[f"att{i}"]
                vals.append(
                    attention_transfer(
                        to_bc(s_feats[pair.student], ax_s), to_bc(t[pair.teacher], ax_t), cfg.attention.p
                    )
                )
            terms["kd_att"] = (cfg.attention.weight, torch.stack(vals).mean())
        if self.mvat_pairs:
            vals = [attention_transfer(s_feats[s], t[tn], cfg.mvat.p) for s, tn in self.mvat_pairs]
            terms["kd_mvat"] = (cfg.mvat.weight, torch.stack(vals).mean())
        return terms

    def training_step(self, model: nn.Module, batch: dict) -> tuple[Tensor, dict[str, float]]:
        self._sync_adapters()
        with self.s_capture.recording() as s_feats:
            out = self.forward(model, batch)
        total = self.loss(out, batch)
        terms = {k: float(v) for k, v in (getattr(self.loss, "last", None) or {}).items()}
        t = self.teacher_outputs(batch["noisy"])
        for label, (weight, value) in self.distill_losses(out, s_feats, t, batch).items():
            total = total + weight * value
            terms[label] = float(value.detach())
        self.last = terms
        return total, terms

    def validation_step(self, model: nn.Module, batch: dict) -> tuple[Tensor, dict[str, float]]:
        """The task loss only (no teacher), so validation losses compare across distilled and plain runs."""
        return Task.training_step(self, model, batch)

    # ------------------------------------------------------------------------ DDP
    def _sync_adapters(self) -> None:
        """Under DDP, average adapter gradients across ranks (the adapters live outside the DDP wrapper)."""
        if self._synced:
            return
        self._synced = True
        dist = torch.distributed
        if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() < 2:
            return
        world = dist.get_world_size()

        def average(grad: Tensor) -> Tensor:
            grad = grad.clone()
            dist.all_reduce(grad)
            return grad / world

        for p in self.adapters.parameters():
            p.register_hook(average)
