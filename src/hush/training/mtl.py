"""Multi-task training: enhancement with auxiliary noise estimation and audio tagging, balanced by fixed weights
(``L = L_SE + alpha L_aux``) or by GradNorm (:mod:`hush.training.gradnorm`).

* Noise estimation (``mtl.noise``): :class:`~hush.models.blocks.aux_heads.NoiseHead` on the model's
  ``decoder_out``, trained with the negative SI-SNR against the batch's ``noise`` (noisy minus target).
* Audio tagging (``mtl.tagging``): :class:`~hush.models.blocks.aux_heads.TaggingHead` on the model's ``decoder``
  predicts the frozen AudioSet tagger's probabilities of the 526 classes other than "Speech" (pseudo-labels of the
  noisy input, or of the noise with ``tagging_labels: noise``), trained with binary cross-entropy. The labels come
  from the tagger on each batch (no cache: the training mixtures are drawn afresh every epoch).

The heads train with the model (they join its optimiser) and are saved in the training checkpoint, never in the
model file: inference has no trace of them. Validation scores the enhancement loss alone, comparable with runs
trained without auxiliary tasks. Any architecture that exposes ``decoder`` / ``decoder_out`` in its outputs can
use the heads; GradNorm's shared layer is the model's ``shared_layer`` unless ``mtl.gradnorm.layer`` names one.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from hush.losses import SISNRLoss, WeightedSum
from hush.models.blocks.aux_heads import NoiseHead, TaggingHead
from hush.tagging import load_tagger, non_speech_indices
from hush.training.config import ConfigError, MTLConfig
from hush.training.gradnorm import GradNorm
from hush.training.task import Task


def _probe(model: nn.Module, keys: tuple[str, ...]) -> dict[str, int]:
    """Channel counts of the model outputs ``keys`` (one short forward pass in eval mode)."""
    was = model.training
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(1, max(4 * getattr(model, "min_length", 1), 4096)))
    model.train(was)
    missing = [k for k in keys if k not in out]
    if missing:
        raise ConfigError(f"config error: mtl: model {model.arch} does not expose {', '.join(missing)} for its heads")
    return {k: int(out[k].shape[1]) for k in keys}


class MultiTaskTask(Task):
    def __init__(self, loss: WeightedSum, cfg: MTLConfig, model: nn.Module, sample_rate: int):
        super().__init__(loss)
        self.cfg, self.sample_rate = cfg, int(sample_rate)
        keys = (("decoder_out",) if cfg.noise > 0 else ()) + (("decoder",) if cfg.tagging > 0 else ())
        channels = _probe(model, keys) if keys else {}
        self.heads = nn.ModuleDict()
        if cfg.noise > 0:
            self.heads["noise"] = NoiseHead(channels["decoder_out"])
            self.noise_loss = SISNRLoss(est_key="noise_estimate", ref_key="noise")
        if cfg.tagging > 0:
            self.classes = non_speech_indices()
            self.heads["tagging"] = TaggingHead(
                channels["decoder"], len(self.classes), cfg.tagging_width, cfg.tagging_hidden
            )
            self.tagger = load_tagger()
        self.labels = [label for label, w, _ in loss.terms() if w > 0]
        self.weights = [w for _, w, _ in loss.terms() if w > 0]
        for name in ("noise", "tagging"):
            if getattr(cfg, name) > 0:
                self.labels.append(name)
                self.weights.append(float(getattr(cfg, name)))
        self.balancer = None
        if cfg.balance == "gradnorm":
            inner = getattr(model, "module", model)
            layer = cfg.gradnorm.layer or getattr(inner, "shared_layer", "")
            try:
                self.shared = list(inner.get_submodule(layer).parameters()) if layer else []
            except AttributeError:
                raise ConfigError(f"config error: mtl.gradnorm.layer: model has no layer {layer!r}") from None
            if not self.shared:
                raise ConfigError("config error: mtl.gradnorm.layer: name the last layer the tasks share")
            scales = [self._scale(label) for label in self.labels]
            self.balancer = GradNorm(len(self.labels), cfg.gradnorm.alpha, cfg.gradnorm.lr, self.weights, scales)

    def _scale(self, label: str) -> str:
        """Decibel losses (negative SI-SNR) have no positive ratio to their start; see :mod:`gradnorm`."""
        if label in ("noise", "tagging"):
            return "db" if label == "noise" else "linear"
        return "db" if isinstance(self.loss[label], SISNRLoss) else "linear"

    def extra_modules(self) -> dict[str, nn.Module]:
        return {"mtl_heads": self.heads}

    def checkpoint_modules(self) -> dict[str, nn.Module]:
        mods: dict[str, nn.Module] = {"mtl_heads": self.heads}
        if self.balancer is not None:
            mods["gradnorm"] = self.balancer
        return mods

    @torch.no_grad()
    def pseudo_labels(self, batch: dict) -> Tensor:
        """The tagger's probabilities of the non-speech classes for each item: ``(B, 526)``."""
        audio = batch["noise"] if self.cfg.tagging_labels == "noise" else batch["noisy"]
        logits, _ = self.tagger.at_rate(audio, self.sample_rate)
        return torch.sigmoid(logits[:, self.classes])

    def term_values(self, model: nn.Module, out: dict, batch: dict) -> list[Tensor]:
        inner = getattr(model, "module", model)
        values = [term(out, batch) for label, w, term in self.loss.terms() if w > 0]
        if "noise" in self.heads:
            est = self.heads["noise"](out, inner, batch["noisy"].shape[-1])
            values.append(self.noise_loss({"noise_estimate": est}, batch))
        if "tagging" in self.heads:
            logits = self.heads["tagging"](out["decoder"])
            values.append(F.binary_cross_entropy_with_logits(logits, self.pseudo_labels(batch)))
        return values

    def training_step(self, model: nn.Module, batch: dict) -> tuple[Tensor, dict[str, float]]:
        out = self.forward(model, batch)
        values = self.term_values(model, out, batch)
        terms = {label: float(v.detach()) for label, v in zip(self.labels, values, strict=True)}
        if self.balancer is None:
            total = sum(w * v for w, v in zip(self.weights, values, strict=True))
        else:
            weights = self.balancer.weights.detach().tolist()
            total, info = self.balancer.combine(values, self.shared)
            terms.update({f"w_{label}": w for label, w in zip(self.labels, weights, strict=True)})
            terms.update({k: v for k, v in info.items() if k == "gradnorm_loss"})
        return total, terms

    def validation_step(self, model: nn.Module, batch: dict) -> tuple[Tensor, dict[str, float]]:
        """The enhancement loss alone: comparable with runs trained without auxiliary tasks."""
        return Task.training_step(self, model, batch)
