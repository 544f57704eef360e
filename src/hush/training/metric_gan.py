"""Training against learned metric discriminators: MetricGAN (Fu et al. 2019; MP-SENet's form), MetricGAN+ (Fu et
al. 2021) and MetricGAN-OKD (Shin et al. 2023). See docs/adversarial.md.

Each metric (PESQ-WB, ESTOI, DNSMOS OVRL, ...) has a discriminator ``D_k``
(:class:`hush.models.blocks.metric_discriminator.MetricDiscriminator`, on compressed magnitude spectrograms of the
clean reference and a signal) that learns, with its own optimizer, to predict the signal's true metric normalised to
[0, 1] (:mod:`hush.training.metric_workers` computes it with the real metric libraries, in worker processes). Per
step:

1. every generator enhances the batch; its reconstruction loss (``loss:``) is computed;
2. the outputs (and the noisy input, with ``learn_noisy``) go to the metric workers; the entry pushed ``lag`` steps
   earlier comes back scored;
3. each ``D_k`` is first asked to predict those scores (never seen: the held-out accuracy ``d_acc_<metric>``, the
   share within 0.1 of the true score) and then learns ``(D(s, s) - 1)²`` (a non-intrusive metric: clean speech's
   own score), ``(D(s, G(x)) - Q)²``, the noisy input's true score and ``history_batch`` replayed items;
4. each generator adds ``weight · mean_k (D_k(s, G(x)) - 1)²`` over its discriminators, with them frozen.

``mode: single`` trains one generator against every listed metric's discriminator (with one metric: MetricGAN+;
with several: the multi-metric single-generator baseline). ``mode: okd`` trains one generator per metric, each
against its own discriminator only, plus ``mutual · mean_j MSE(|G_k(x)|^c, |G_j(x)|^c)`` towards the others'
(detached) outputs: online distillation by deep mutual learning. The generator of ``primary`` is the run's model;
the trainer validates and exports the others beside it (``best-<metric>.pt``).
"""

from __future__ import annotations

import copy
import math

import torch
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from hush.losses.base import power, spectrum
from hush.models.blocks.metric_discriminator import MetricDiscriminator
from hush.training.config import MetricGANConfig
from hush.training.critic import Critic, frozen
from hush.training.metric_workers import NON_INTRUSIVE, Entry, MetricWorkers, ScoreQueue
from hush.training.replay import ReplayBuffer
from hush.training.task import Task

ACCURACY_TOLERANCE = 0.1  # a prediction within this of the true normalised score counts as accurate


class _State(nn.Module):
    """The pending scores and the history buffer, saved in the checkpoint as extra state."""

    def __init__(self, queue: ScoreQueue, history: ReplayBuffer):
        super().__init__()
        self.queue, self.history = queue, history

    def get_extra_state(self) -> dict:
        return {"queue": self.queue.state(), "history": self.history.state()}

    def set_extra_state(self, state: dict) -> None:
        self.queue.load_state(state["queue"])
        self.history.load_state(state["history"])


class MetricGANTask(Task):
    def __init__(self, loss: nn.Module, cfg: MetricGANConfig, model: nn.Module):
        super().__init__(loss)
        self.cfg, self.sample_rate = cfg, int(model.sample_rate)
        self.metrics = list(cfg.metrics or [cfg.metric])
        self.okd = cfg.mode == "okd"
        self.primary = self.metrics.index(cfg.primary) if self.okd and cfg.primary else 0
        others = [m for k, m in enumerate(self.metrics) if self.okd and k != self.primary]
        self.extra = nn.ModuleDict({m: copy.deepcopy(model) for m in others})  # from the model's current weights
        self.critics = nn.ModuleList(
            [Critic(MetricDiscriminator(cfg.channels), cfg.lr, cfg.betas) for _ in self.metrics]
        )
        self.workers = MetricWorkers(self.sample_rate, cfg.workers)
        self.state = _State(ScoreQueue(self.workers, self.metrics, cfg.lag), ReplayBuffer(cfg.history))

    # ------------------------------------------------------------------------------------------ task hooks
    def extra_modules(self) -> dict[str, nn.Module]:
        return {"generators": self.extra} if len(self.extra) else {}

    def checkpoint_modules(self) -> dict[str, nn.Module]:
        return {**self.extra_modules(), "metric_discriminators": self.critics, "metric_gan_state": self.state}

    def generators(self) -> dict[str, nn.Module]:
        """The generators besides the run's model (OKD), by metric name."""
        return dict(self.extra.items())

    def clip_groups(self) -> list[list[nn.Parameter]]:
        return [list(g.parameters()) for g in self.extra.values()]

    def close(self) -> None:
        self.workers.close()

    def validation_step(self, model: nn.Module, batch: dict) -> tuple[Tensor, dict[str, float]]:
        """The enhancer's loss without the adversarial term: comparable with runs trained without it."""
        return Task.training_step(self, model, batch)

    # ------------------------------------------------------------------------------------------ pieces
    def magnitudes(self, x: Tensor) -> Tensor:
        """Compressed magnitude spectrogram ``(B, K, F)`` of ``(B, T)`` audio."""
        spec = spectrum(x, self.cfg.n_fft, self.cfg.hop)
        return (power(spec) + 1e-12).pow(0.5 * self.cfg.compression)

    def assigned(self, g: int) -> list[int]:
        """The discriminators generator ``g`` learns from."""
        return [g] if self.okd else list(range(len(self.metrics)))

    def generator_list(self, model: nn.Module) -> list[nn.Module]:
        if len(self.extra) and isinstance(model, DistributedDataParallel):
            raise ValueError("metric_gan.mode okd with several metrics trains on one process only")
        if not self.okd:
            return [model]
        gens = [self.extra[m] if k != self.primary else model for k, m in enumerate(self.metrics)]
        return gens

    def predict(self, k: int, ref: Tensor, sig: Tensor) -> Tensor:
        return self.critics[k].disc(self.magnitudes(ref), self.magnitudes(sig))

    def discriminator_step(self, k: int, parts: list[tuple[Tensor, Tensor, Tensor]]) -> float:
        """One update of ``D_k`` on ``(reference, signal, target)`` parts: the mean squared error of each part over
        its rows with a finite target, summed."""
        loss = None
        for ref, sig, q in parts:
            ok = torch.isfinite(q)
            if ok.any():
                term = (self.predict(k, ref[ok], sig[ok]) - q[ok]).square().mean()
                loss = term if loss is None else loss + term
        return self.critics[k].step(loss) if loss is not None else float("nan")

    @torch.no_grad()
    def held_out_error(self, k: int, ref: Tensor, sig: Tensor, q: Tensor) -> Tensor:
        """``|D_k(ref, sig) - q|`` per row (NaN where ``q`` is), with dropout off."""
        ok = torch.isfinite(q)
        err = torch.full_like(q, float("nan"))
        if ok.any():
            disc = self.critics[k].disc
            disc.eval()
            err[ok] = (self.predict(k, ref[ok], sig[ok]) - q[ok]).abs()
            disc.train()
        return err

    def train_critics(self, entry: Entry) -> dict[str, float]:
        """Every discriminator's step on a scored entry (held-out error first), then the entry joins the history."""
        terms: dict[str, float] = {}
        gens = [name for name in entry.signals if name.startswith("g")]
        replay = self.state.history.sample(self.cfg.history_batch)
        losses = []
        for k, metric in enumerate(self.metrics):
            errs = torch.cat([self.held_out_error(k, entry.ref, entry.signals[g], entry.scores[g][:, k]) for g in gens])
            errs = errs[torch.isfinite(errs)]
            terms[f"d_err_{metric}"] = float(errs.mean()) if len(errs) else float("nan")
            terms[f"d_acc_{metric}"] = float((errs < ACCURACY_TOLERANCE).float().mean()) if len(errs) else float("nan")
            own = [entry.scores[g][:, k] for g in gens if torch.isfinite(entry.scores[g][:, k]).any()]
            terms[f"q_{metric}"] = float(torch.nanmean(torch.cat(own))) if own else float("nan")
            clean_q = entry.scores["clean"][:, k] if metric in NON_INTRUSIVE else torch.ones(len(entry.ref))
            parts = [(entry.ref, entry.ref, clean_q)]
            parts += [(entry.ref, entry.signals[g], entry.scores[g][:, k]) for g in gens]
            if "noisy" in entry.signals:
                parts.append((entry.ref, entry.signals["noisy"], entry.scores["noisy"][:, k]))
            if replay is not None:
                parts.append((replay[0], replay[1], replay[2][:, k]))
            losses.append(self.discriminator_step(k, parts))
            terms[f"disc_{metric}"] = losses[-1]
        terms["disc"] = math.fsum(losses)
        for g in gens:
            for b, n in enumerate(entry.lengths.tolist()):
                self.state.history.add(entry.ref[b, :n], entry.signals[g][b, :n], entry.scores[g][b])
        return terms

    def entry(self, batch: dict, ests: list[Tensor]) -> Entry:
        """What the metric workers score this step: the first ``rows`` rows of every output (each generator with
        the metrics it learns from), the noisy input and, for non-intrusive metrics, the clean reference."""
        clean, mask = batch["clean"], batch.get("mask")
        rows = self.cfg.rows or clean.shape[0]
        lengths = (
            mask[:rows].sum(-1).long() if mask is not None else torch.full((min(rows, len(clean)),), clean.shape[-1])
        )
        valid = (lambda x: x[:rows] * mask[:rows]) if mask is not None else (lambda x: x[:rows])
        signals, wanted = {}, {}
        for g, est in enumerate(ests):
            signals[f"g{g}"], wanted[f"g{g}"] = valid(est).detach(), [self.metrics[k] for k in self.assigned(g)]
        if self.cfg.learn_noisy:
            signals["noisy"], wanted["noisy"] = valid(batch["noisy"]), list(self.metrics)
        non_intrusive = [m for m in self.metrics if m in NON_INTRUSIVE]
        if non_intrusive:
            signals["clean"], wanted["clean"] = valid(clean), non_intrusive
        return Entry(valid(clean).detach(), lengths, signals, wanted)

    # ------------------------------------------------------------------------------------------ the step
    def training_step(self, model: nn.Module, batch: dict) -> tuple[Tensor, dict[str, float]]:
        gens = self.generator_list(model)
        outs = [self.forward(g, batch) for g in gens]
        mask = batch.get("mask")
        ests = [o["enhanced"] if mask is None else o["enhanced"] * mask for o in outs]
        total = None
        terms: dict[str, float] = {}
        for g, out in enumerate(outs):
            rec = self.loss(out, batch)
            if g == self.primary:
                terms.update({k: float(v) for k, v in (getattr(self.loss, "last", None) or {}).items()})
            elif self.okd:
                terms[f"loss_{self.metrics[g]}"] = float(rec.detach())
            total = rec if total is None else total + rec
        ready = self.state.queue.push(self.entry(batch, ests))
        # the same columns in the same order at every step (empty while the queue fills): one CSV header fits all
        names = ["disc"] + [f"{p}_{m}" for m in self.metrics for p in ("disc", "d_err", "d_acc", "q")]
        d_terms = self.train_critics(ready) if ready is not None else {}
        terms.update({k: d_terms.get(k, float("nan")) for k in names})
        clean = batch["clean"] if mask is None else batch["clean"] * mask
        ref_mag = self.magnitudes(clean)
        mags = [self.magnitudes(e) for e in ests]
        for g, mag in enumerate(mags):
            adv = torch.stack([self.adversarial(k, ref_mag, mag) for k in self.assigned(g)]).mean()
            total = total + self.cfg.weight * adv
            terms["metric_gan" if g == self.primary else f"metric_gan_{self.metrics[g]}"] = float(adv.detach())
            if self.okd and len(mags) > 1 and self.cfg.mutual > 0:
                peers = [m.detach() for j, m in enumerate(mags) if j != g]
                mutual = torch.stack([(mag - p).square().mean() for p in peers]).mean()
                total = total + self.cfg.mutual * mutual
                terms[f"mutual_{self.metrics[g]}"] = float(mutual.detach())
        return total, terms

    def adversarial(self, k: int, ref_mag: Tensor, est_mag: Tensor) -> Tensor:
        """``mean((D_k(clean, enhanced) - 1)²)`` with the discriminator's weights held fixed."""
        with frozen(self.critics[k].disc) as disc:
            return (disc(ref_mag, est_mag) - 1.0).square().mean()
