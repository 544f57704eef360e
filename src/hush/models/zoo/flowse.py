"""``flowse``: generative enhancement by conditional flow matching between noisy and clean complex spectrograms
(Lee, Cheong, Han & Shin 2025, "FlowSE: Flow matching-based speech enhancement", ICASSP; the spectral representation
and conditioning of SGMSE+, Richter et al. 2023; Lipman et al. 2023, "Flow matching for generative modeling").

Representation: the STFT (512/128 by default; SGMSE+ uses 510/128) of the peak-normalised waveform,
amplitude-compressed as ``β |X|^α e^{j∠X}`` (``α = 0.5``, ``β = 0.15``). The probability path runs from the clean
spectrogram ``X`` at ``t = 0`` to the noisy one ``Y`` at ``t = 1``: ``x_t = (1 - t) X + t Y + σ_t z`` with
``σ_t = (1 - t) σ_min + t σ_max`` and ``z`` complex Gaussian. Its conditional velocity is
``u = Y - X + (σ_max - σ_min) z``; a velocity network ``v(x_t, Y, t)`` is trained to match it (the ``flow-matching``
loss on the ``velocity`` / ``target_velocity`` outputs, ``t ~ U(t_eps, 1)``).

Sampling: start from ``Y + σ_max z`` at ``t = 1`` and take ``steps`` Euler steps ``x ← x - Δt · v(x, Y, t)`` over
``t = linspace(1, t_eps, steps)``, the last one down to 0 (1 to N steps; ``steps`` and the noise ``seed`` are
inference options: ``-m model.pt:steps=8``). The noise comes from a generator seeded with ``seed``, so the same input
gives the same output.

Predictive then generative (StoRM, Lemercier et al. 2023): with ``predictor`` (``default``, ``hq`` or a model file),
a frozen predictive model enhances the input first and the flow starts from its output ``P`` instead of ``Y``
(``x_t = (1 - t) X + t P + σ_t z``), conditioned on both ``Y`` and ``P``: the generative part only refines. The
predictor's architecture and weights are stored in this model's file.

Velocity network: a small U-Net over the (real, imaginary) channels of ``x_t`` and the conditions, with residual
blocks (group norm, SiLU), a Gaussian-Fourier embedding of ``t`` added in every block, stride-2 down-sampling along
time and frequency and skip connections: the same family as NCSN++, far smaller. Non-causal.

Training forward (``model(noisy, target=clean)``, which hush's training task uses because ``needs_target`` is
set) returns the velocities and, as ``enhanced``, the one-step estimate ``x_t - t v`` of the clean spectrogram.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from hush.dsp.stft import torch_istft
from hush.methods.base import UNBOUNDED
from hush.models.base import SEModel, build_model, register
from hush.models.stft_mask import STFTModel


class _ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, emb: int):
        super().__init__()
        self.n1 = nn.GroupNorm(min(8, cin), cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.t = nn.Linear(emb, cout)
        self.n2 = nn.GroupNorm(min(8, cout), cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.c1(F.silu(self.n1(x))) + self.t(emb)[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


class VelocityUNet(nn.Module):
    """U-Net ``(B, in_ch, K, F) × t -> (B, 2, K, F)``; K and F must be multiples of ``2^(levels - 1)``."""

    def __init__(self, in_ch: int, channels: int = 32, levels: int = 3, emb: int = 128):
        super().__init__()
        self.register_buffer("freqs", torch.randn(emb // 2, generator=torch.Generator().manual_seed(0)) * 16.0)
        self.emb = nn.Sequential(nn.Linear(emb, emb), nn.SiLU(), nn.Linear(emb, emb))
        widths = [channels * min(2**i, 4) for i in range(levels)]
        self.inp = nn.Conv2d(in_ch, widths[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.pool = nn.ModuleList()
        for i, w in enumerate(widths):
            self.down.append(_ResBlock(widths[max(i - 1, 0)], w, emb))
            if i < levels - 1:
                self.pool.append(nn.Conv2d(w, w, 3, stride=2, padding=1))
        self.mid = _ResBlock(widths[-1], widths[-1], emb)
        self.up = nn.ModuleList()
        for i in reversed(range(levels)):
            self.up.append(_ResBlock(2 * widths[i], widths[max(i - 1, 0)], emb))
        self.out = nn.Sequential(
            nn.GroupNorm(min(8, widths[0]), widths[0]), nn.SiLU(), nn.Conv2d(widths[0], 2, 3, padding=1)
        )
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)
        self.levels = levels

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        ang = t[:, None] * self.freqs[None] * 2 * math.pi
        e = self.emb(torch.cat([ang.sin(), ang.cos()], dim=-1))
        h = self.inp(x)
        skips = []
        for i, block in enumerate(self.down):
            h = block(h, e)
            skips.append(h)
            if i < self.levels - 1:
                h = self.pool[i](h)
        h = self.mid(h, e)
        for j, block in enumerate(self.up):
            skip = skips[self.levels - 1 - j]
            if h.shape[-2:] != skip.shape[-2:]:
                h = F.interpolate(h, size=skip.shape[-2:], mode="nearest")
            h = block(torch.cat([h, skip], dim=1), e)
        return self.out(h)


def _bundled_or_file(name: str) -> Path:
    if name in ("default", "hq", "tiny"):
        path = Path(str(resources.files("hush.pretrained"))) / f"{name}.pt"
        if not path.is_file():
            raise ValueError(f"predictor {name!r}: the bundled model file is not installed")
        return path
    return Path(name)


@register("flowse")
class FlowSE(STFTModel):
    """Conditional flow matching from noisy (or predicted) to clean compressed complex spectrograms; Euler sampling."""

    INFERENCE_OPTIONS = ("steps", "seed")
    needs_target = True  # the training forward takes the clean target: model(noisy, target=clean)
    generative = True  # cost grows with the number of sampling steps (hush list --models reports it per step)

    def __init__(
        self,
        n_fft: int = 512,
        hop: int = 128,
        channels: int = 32,
        levels: int = 3,
        sigma_min: float = 0.0,
        sigma_max: float = 0.5,
        t_eps: float = 0.03,
        steps: int = 5,
        seed: int = 0,
        alpha: float = 0.5,
        beta: float = 0.15,
        predictor: str | None = None,
        predictor_arch: str | None = None,
        predictor_config: dict | None = None,
        **config: Any,
    ):
        if int(steps) < 1:
            raise ValueError(f"steps must be >= 1, got {steps}")
        if not 0 <= sigma_min <= sigma_max:
            raise ValueError("need 0 <= sigma_min <= sigma_max")
        pred_model: SEModel | None = None
        if predictor_arch is not None:  # rebuilt from this model's own file: the weights come with its state
            pred_model = build_model(predictor_arch, **(predictor_config or {}))
        elif predictor:
            from hush.models.model_file import load

            pred_model = load(_bundled_or_file(str(predictor)))
            predictor_arch, predictor_config = pred_model.arch, dict(pred_model.config)
        extra = {}
        if pred_model is not None:
            if pred_model.sample_rate != self.sample_rate:
                raise ValueError(f"predictor runs at {pred_model.sample_rate} Hz, not {self.sample_rate}")
            extra = {"predictor": predictor, "predictor_arch": predictor_arch, "predictor_config": predictor_config}
        super().__init__(
            n_fft=n_fft,
            hop=hop,
            channels=channels,
            levels=levels,
            sigma_min=float(sigma_min),
            sigma_max=float(sigma_max),
            t_eps=float(t_eps),
            steps=int(steps),
            seed=int(seed),
            alpha=float(alpha),
            beta=float(beta),
            **extra,
            **config,
        )
        self.causal = False
        self.sigma_min, self.sigma_max, self.t_eps = float(sigma_min), float(sigma_max), float(t_eps)
        self.steps, self.seed, self.alpha, self.beta = int(steps), int(seed), float(alpha), float(beta)
        self.levels = int(levels)
        self.predictor = pred_model
        if pred_model is not None:
            pred_model.eval()
            for p in pred_model.parameters():
                p.requires_grad_(False)
        self.net = VelocityUNet(2 + 2 * (2 if pred_model is not None else 1), channels, levels)

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {"n_fft": 128, "hop": 64, "channels": 8, "levels": 2, "steps": 2}

    @property
    def lookahead(self) -> int:
        return UNBOUNDED

    def train(self, mode: bool = True) -> FlowSE:
        super().train(mode)
        if self.predictor is not None:
            self.predictor.eval()  # frozen: no dropout or norm statistics updates
        return self

    # ------------------------------------------------------------------ representation
    def to_flow(self, spec: torch.Tensor) -> torch.Tensor:
        mag = spec.abs()
        return spec * (self.beta * mag.clamp_min(1e-12).pow(self.alpha - 1.0))

    def from_flow(self, z: torch.Tensor) -> torch.Tensor:
        mag = z.abs() / self.beta
        return z / self.beta * mag.clamp_min(1e-12).pow(1.0 / self.alpha - 1.0)

    def velocity(self, x: torch.Tensor, cond: list[torch.Tensor], t: torch.Tensor) -> torch.Tensor:
        """``v(x_t, conditions, t)`` for complex ``(B, K, F)`` spectrograms."""
        b, k, f = x.shape
        m = 2 ** (self.levels - 1)
        pk, pf = (-k) % m, (-f) % m
        chans = [c for s in (x, *cond) for c in (s.real, s.imag)]
        h = F.pad(torch.stack(chans, dim=1), (0, pf, 0, pk))
        v = self.net(h, t)[:, :, :k, :f]
        return torch.complex(v[:, 0], v[:, 1])

    # ------------------------------------------------------------------ forward
    def forward(self, noisy: torch.Tensor, target: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        length = noisy.shape[-1]
        g = 1.0 / noisy.abs().amax(-1, keepdim=True).clamp_min(1e-5)  # peak normalisation, undone at the end
        spec = self.stft(noisy * g)
        y = self.to_flow(spec)
        cond, start = [y], y
        if self.predictor is not None:
            with torch.no_grad():
                pred = self.predictor(noisy)["enhanced"]
            start = self.to_flow(self.stft(pred * g))
            cond = [y, start]
        out: dict[str, torch.Tensor] = {}
        if target is not None:
            x1 = self.to_flow(self.stft(target * g))
            b = y.shape[0]
            t = self.t_eps + (1.0 - self.t_eps) * torch.rand(b, device=y.device)
            z = torch.randn_like(y)
            tt = t[:, None, None]
            sigma = (1 - tt) * self.sigma_min + tt * self.sigma_max
            xt = (1 - tt) * x1 + tt * start + sigma * z
            v = self.velocity(xt, cond, t)
            est = xt - tt * v
            out["velocity"] = torch.view_as_real(v)
            out["target_velocity"] = torch.view_as_real(start - x1 + (self.sigma_max - self.sigma_min) * z)
        else:
            est = self.sample(start, cond, self.steps)
        out_spec = self.post_spec(spec, self.from_flow(est))
        wave = torch_istft(out_spec, length, self.n_fft, self.hop_size, syn_window=self.syn_window) / g
        return {**out, "enhanced": wave, "spec": spec / g[..., None], "enhanced_spec": out_spec / g[..., None]}

    def sample(self, start: torch.Tensor, cond: list[torch.Tensor], steps: int) -> torch.Tensor:
        """Euler integration of the learned flow from ``t = 1`` (``start + σ_max z``) to ``t = 0``."""
        gen = torch.Generator(device=start.device).manual_seed(self.seed)
        noise = torch.randn(start.shape, generator=gen, dtype=start.dtype, device=start.device)
        x = start + self.sigma_max * noise
        ts = torch.linspace(1.0, self.t_eps, steps).tolist()
        for i, t in enumerate(ts):
            dt = t - ts[i + 1] if i + 1 < steps else t
            x = x - dt * self.velocity(x, cond, torch.full((x.shape[0],), t, device=x.device))
        return x
