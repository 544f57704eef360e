"""``mcmask``: a small causal multi-channel speech-mask estimator with inter-channel phase features.

Per frame (32 ms square-root-Hann frames, 16 ms hop, 16 kHz, 257 bins) the features are the log power of the
reference channel and the cosine and sine of the inter-channel phase differences between the reference and its
neighbour (channel 1) and between the reference and the last channel (the same pair on a two-microphone array), so
one network serves any array size. A linear layer, a one-layer GRU and a sigmoid output give the ideal-ratio-mask
estimate of the reference channel. Everything is causal along frames, so the stream equals the offline mask.

The bundled weights (``pretrained/mcmask.pt``) were trained on simulated arrays (``recipes/multichannel``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from hush.dsp.stft import stft
from hush.errors import MethodError
from hush.multichannel.framing import FrameSource, Immediate
from hush.multichannel.mask_source import MaskSource

SAMPLE_RATE, N_FFT, HOP = 16000, 512, 256
WEIGHTS = Path(__file__).resolve().parent.parent / "pretrained" / "mcmask.pt"


def features(spec: torch.Tensor) -> torch.Tensor:
    """``(B, C, K, F)`` complex -> ``(B, K, 5 F)`` features (see the module docstring)."""
    ref = spec[:, 0]
    logp = torch.log10(ref.abs() ** 2 + 1e-10)
    feats = [logp]
    for other in (spec[:, 1], spec[:, -1]):
        cross = other * ref.conj()
        ipd = cross / (cross.abs() + 1e-10)
        feats += [ipd.real, ipd.imag]
    return torch.cat(feats, dim=-1)


class MaskNet(nn.Module):
    def __init__(self, n_bins: int = N_FFT // 2 + 1, hidden: int = 192):
        super().__init__()
        self.norm = nn.LayerNorm(5 * n_bins)
        self.inp = nn.Linear(5 * n_bins, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_bins)

    def forward(self, spec: torch.Tensor, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(self.inp(self.norm(features(spec))))
        h, state = self.gru(h, state)
        return torch.sigmoid(self.out(h)), state


class NetMask(MaskSource):
    """The trained estimator as a mask source (16 kHz)."""

    name = "mcmask"
    frame_ms = 1000.0 * N_FFT / SAMPLE_RATE
    sample_rate = SAMPLE_RATE

    def __init__(self, net: MaskNet):
        self.net = net.eval()

    def _check(self, sr: int, n_fft: int, hop: int) -> None:
        if (sr, n_fft, hop) != (SAMPLE_RATE, N_FFT, HOP):
            raise MethodError(f"mcmask works on {N_FFT}-point frames with a {HOP} hop at {SAMPLE_RATE} Hz")

    @torch.no_grad()
    def offline(self, x, sr, n_fft, hop):
        self._check(sr, n_fft, hop)
        spec = torch.from_numpy(stft(np.asarray(x, np.float64), n_fft, hop)).to(torch.complex64)
        return self.net(spec[None])[0][0].double().numpy()

    def stream(self, channels, sr, n_fft, hop) -> FrameSource:
        self._check(sr, n_fft, hop)
        state: dict = {}

        @torch.no_grad()
        def fn(frame: np.ndarray) -> np.ndarray:
            spec = torch.from_numpy(frame).to(torch.complex64)[None, :, None]
            m, state["h"] = self.net(spec, state.get("h"))
            return m[0, 0].double().numpy()

        return Immediate(fn, state.clear)


def load_mask_net(path: str | Path = WEIGHTS) -> NetMask:
    p = Path(path)
    if not p.is_file():
        raise MethodError(f"{p}: the mcmask weights are missing (train them with recipes/multichannel/run.sh)")
    ckpt = torch.load(p, map_location="cpu", weights_only=True)
    net = MaskNet(hidden=int(ckpt["hidden"]))
    net.load_state_dict(ckpt["state"])
    return NetMask(net)


def irm(noisy: torch.Tensor, clean: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(spec (B, C, K, F), ideal ratio mask (B, K, F))`` of a batch of arrays and reference targets."""
    from hush.dsp.stft import torch_stft

    spec = torch_stft(noisy, N_FFT, HOP)
    s = torch_stft(clean, N_FFT, HOP)
    n = spec[:, 0] - s
    ps, pn = s.abs() ** 2, n.abs() ** 2
    return spec.to(torch.complex64), (ps / (ps + pn + 1e-10)).float()


__all__ = ["MaskNet", "NetMask", "features", "irm", "load_mask_net"]
