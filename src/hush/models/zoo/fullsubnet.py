"""``fullsubnet`` and ``fast-fullsubnet``: full-band and sub-band fusion with a compressed complex ideal ratio mask.

FullSubNet (Hao, Su, Horaud & Li 2021, "FullSubNet: A full-band and sub-band fusion model for real-time
single-channel speech enhancement"): a full-band LSTM maps the normalised noisy magnitude spectrum of each frame to a
full-band output (ReLU); a sub-band LSTM, with weights shared over frequencies, then sees every frequency ``f`` as
its noisy magnitudes at ``f ± sb_neighbors`` (reflect-padded at the band edges) plus the full-band output at
``f ± fb_neighbors``, normalised again, and predicts the real and imaginary parts of a compressed cIRM. The mask is
decompressed (``M = -1/C · log((K - M_c) / (K + M_c))``, ``K = 10``, ``C = 0.1``, ``M_c`` clipped to ``±9.9``) and
multiplied with the noisy spectrum. ``lookahead_frames`` (2, as in the paper) lets the mask of frame ``k`` be
computed from inputs up to frame ``k + 2``.

Normalisation (the reference code's ``norm_type``): ``cumulative`` divides every frame by the mean magnitude of all
frames so far (per sub-band unit for the sub-band input), which is causal and streams; ``offline`` divides by the
mean of the whole utterance, which the released FullSubNet trains with, and makes the model non-causal.

Fast FullSubNet (Chen, Hao et al. 2022, "Fast FullSubNet: Accelerate full-band and sub-band fusion model for
single-channel speech enhancement"): the sub-band model works on ``n_mels`` mel bands instead of every STFT bin: a
linear-to-mel encoder (two LSTMs, ReLU output per band), the sub-band model over each mel band with its ``±5``
neighbours plus the encoder output, run at ``1/shrink`` of the frame rate (each sub-band step sees the mean of the
last ``shrink`` frames and its output holds for the next ``shrink`` frames, so it stays causal), and a mel-to-linear
decoder (two LSTMs and a linear layer) that outputs the compressed cIRM of every bin.

hush trains both on its waveform losses; the reference code's cIRM MSE and its "drop band" speed-up (training on
every other frequency) are not used, since hush's losses see the whole enhanced signal.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from hush.dsp.filterbanks import mel_filterbank
from hush.methods.base import UNBOUNDED
from hush.models.base import register
from hush.models.stft_mask import STFTModel

EPS = 1e-5


def unfold_neighbours(x: torch.Tensor, n: int) -> torch.Tensor:
    """``(B, K, F)`` -> ``(B, K, F, 2n + 1)``: every frequency with its ``n`` neighbours on each side (reflect
    padding at the edges, as in the reference code; zeros where the band is too narrow to reflect)."""
    if n == 0:
        return x[..., None]
    b, k, f = x.shape
    flat = x.reshape(b * k, 1, f)
    flat = F.pad(flat, (n, n), mode="reflect") if n < f else F.pad(flat, (n, n))
    return flat.unfold(-1, 2 * n + 1, 1).reshape(b, k, f, 2 * n + 1)


def laplace_norm(x: torch.Tensor, state: Any, kind: str) -> tuple[torch.Tensor, Any]:
    """``(N, K, D)`` divided by its mean magnitude: over all frames so far (``cumulative``: state = running sum and
    frame count per row) or over the whole input (``offline``)."""
    if kind == "offline":
        return x / (x.mean(dim=(1, 2), keepdim=True) + EPS), None
    n, k, d = x.shape
    total, count = (x.new_zeros(n), 0) if state is None else state
    cum = total[:, None] + torch.cumsum(x.sum(-1), dim=1)  # (N, K)
    frames = count + torch.arange(1, k + 1, device=x.device, dtype=x.dtype)
    mean = cum / (frames * d)
    return x / (mean[..., None] + EPS), (cum[:, -1], count + k)


def decompress_cirm(m: torch.Tensor, k: float, c: float, limit: float) -> torch.Tensor:
    """Inverse of the cIRM compression ``K (1 - e^{-C M}) / (1 + e^{-C M})`` with ``M_c`` clipped to ``±limit``."""
    m = m.clamp(-limit, limit)
    return -torch.log((k - m) / (k + m)) / c


class _Sequence(nn.Module):
    """Stacked LSTM/GRU plus an optional linear output layer and activation (the reference ``SequenceModel``)."""

    def __init__(self, inp: int, hidden: int, out: int, layers: int, rnn: str, act: str | None):
        super().__init__()
        cls = {"lstm": nn.LSTM, "gru": nn.GRU}[rnn]
        self.rnn = cls(inp, hidden, num_layers=layers, batch_first=True)
        self.proj = nn.Linear(hidden, out) if out else None
        self.act = {None: None, "relu": nn.ReLU()}[act]

    def forward(self, x: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        y, state = self.rnn(x, state)
        if self.proj is not None:
            y = self.proj(y)
        return (self.act(y) if self.act is not None else y), state


class _FullSubBase(STFTModel):
    """The shared part: cIRM decompression, lookahead frames and the queue of pending spectra."""

    def _setup(self, lookahead_frames: int, norm: str, rnn: str, cirm_k: float, cirm_c: float, cirm_limit: float):
        if norm not in ("cumulative", "offline"):
            raise ValueError(f"norm must be 'cumulative' or 'offline', not {norm!r}")
        if rnn not in ("lstm", "gru"):
            raise ValueError(f"rnn must be 'lstm' or 'gru', not {rnn!r}")
        if lookahead_frames < 0:
            raise ValueError(f"lookahead_frames must be >= 0, got {lookahead_frames}")
        self.lookahead_frames = int(lookahead_frames)
        self.norm, self.rnn = norm, rnn
        self.causal = norm == "cumulative"
        self.cirm = (float(cirm_k), float(cirm_c), float(cirm_limit))

    @property
    def lookahead(self) -> int:
        return super().lookahead if self.causal else UNBOUNDED

    def mask(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        """Compressed cIRM ``(B, K, F, 2)`` of a run of frames and the next network state."""
        raise NotImplementedError

    def enhance_spec(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor], Any]:
        net, pending = (None, None) if state is None else state
        cm, net = self.mask(spec, net)
        la = self.lookahead_frames
        if la:  # the mask computed at frame k applies to frame k - L
            b, k, f = spec.shape
            if pending is None:
                pending = spec.new_zeros(b, la, f)
            queue = torch.cat([pending, spec], dim=1)
            spec, pending = queue[:, :k], queue[:, k:]
        m = decompress_cirm(cm, *self.cirm)
        out = spec * torch.complex(m[..., 0], m[..., 1])
        extra = {"cirm_compressed": cm}
        if la:
            extra["input_spec"] = spec
        return out, extra, (net, pending)


@register("fullsubnet")
class FullSubNet(_FullSubBase):
    """Full-band LSTM + frequency-shared sub-band LSTM over each bin and its neighbours; compressed cIRM output."""

    def __init__(
        self,
        n_fft: int = 512,
        hop: int = 256,
        fb_hidden: int = 512,
        sb_hidden: int = 384,
        layers: int = 2,
        sb_neighbors: int = 15,
        fb_neighbors: int = 0,
        lookahead_frames: int = 2,
        norm: str = "cumulative",
        rnn: str = "lstm",
        cirm_k: float = 10.0,
        cirm_c: float = 0.1,
        cirm_limit: float = 9.9,
        **config: Any,
    ):
        super().__init__(
            n_fft=n_fft,
            hop=hop,
            fb_hidden=fb_hidden,
            sb_hidden=sb_hidden,
            layers=layers,
            sb_neighbors=sb_neighbors,
            fb_neighbors=fb_neighbors,
            lookahead_frames=lookahead_frames,
            norm=norm,
            rnn=rnn,
            cirm_k=cirm_k,
            cirm_c=cirm_c,
            cirm_limit=cirm_limit,
            **config,
        )
        self._setup(lookahead_frames, norm, rnn, cirm_k, cirm_c, cirm_limit)
        self.sb_neighbors, self.fb_neighbors = int(sb_neighbors), int(fb_neighbors)
        f = self.n_bins
        self.fb = _Sequence(f, fb_hidden, f, layers, rnn, "relu")
        self.sb = _Sequence(2 * (self.sb_neighbors + self.fb_neighbors + 1), sb_hidden, 2, layers, rnn, None)

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {"n_fft": 128, "hop": 64, "fb_hidden": 16, "sb_hidden": 8, "layers": 1, "sb_neighbors": 3}

    def mask(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        b, k, f = spec.shape
        fb_s, sb_s, n1, n2 = (None,) * 4 if state is None else state
        mag = spec.abs()
        fb_in, n1 = laplace_norm(mag, n1, self.norm)
        fb_out, fb_s = self.fb(fb_in, fb_s)  # (B, K, F)
        sb_in = torch.cat([unfold_neighbours(mag, self.sb_neighbors), unfold_neighbours(fb_out, self.fb_neighbors)], -1)
        sb_in = sb_in.permute(0, 2, 1, 3).reshape(b * f, k, -1)  # one sequence per (item, frequency)
        sb_in, n2 = laplace_norm(sb_in, n2, self.norm)
        cm, sb_s = self.sb(sb_in, sb_s)  # (B * F, K, 2)
        return cm.view(b, f, k, 2).transpose(1, 2), (fb_s, sb_s, n1, n2)


def _shrink(x: torch.Tensor, t0: int, carry: Any, s: int) -> tuple[torch.Tensor, torch.Tensor, Any]:
    """Time down-sampling of Fast FullSubNet over a run of frames ``(N, K, D)`` starting at absolute frame ``t0``.

    A sub-band step completes at every frame ``t`` with ``t % s == 0`` and sees the mean of frames ``t - s + 1 .. t``
    (frame 0 alone for the first). Returns the completed steps ``(N, J, D)``, for every frame of the run the index
    of the last step completed at or before it (-1: one from an earlier run) and the partial ``(sum, count)``.
    """
    k = x.shape[1]
    psum, pcount = (x.new_zeros(x.shape[0], x.shape[2]), 0) if carry is None else carry
    cs = torch.cumsum(x, dim=1)
    done = [i for i in range(k) if (t0 + i) % s == 0]
    sums, counts, prev = [], [], None
    for i in done:
        if prev is None:
            sums.append(psum + cs[:, i])
            counts.append(pcount + i + 1)
        else:
            sums.append(cs[:, i] - cs[:, prev])
            counts.append(i - prev)
        prev = i
    if prev is None:
        carry = (psum + cs[:, -1], pcount + k)
    else:
        carry = (cs[:, -1] - cs[:, prev], k - 1 - prev)
    steps = (
        torch.stack([a / c for a, c in zip(sums, counts, strict=True)], dim=1)
        if done
        else x.new_zeros(x.shape[0], 0, x.shape[2])
    )
    index = torch.tensor([sum(1 for d in done if d <= i) - 1 for i in range(k)], device=x.device)
    return steps, index, carry


@register("fast-fullsubnet")
class FastFullSubNet(_FullSubBase):
    """Fast FullSubNet: the sub-band model over mel bands at a reduced frame rate, a mel-to-linear LSTM decoder."""

    def __init__(
        self,
        n_fft: int = 512,
        hop: int = 256,
        n_mels: int = 64,
        enc_hidden: int = 384,
        enc_hidden2: int = 257,
        sb_hidden: int = 384,
        sb_layers: int = 2,
        dec_hidden: int = 512,
        sb_neighbors: int = 5,
        fb_neighbors: int = 0,
        shrink: int = 2,
        lookahead_frames: int = 2,
        norm: str = "cumulative",
        rnn: str = "lstm",
        cirm_k: float = 10.0,
        cirm_c: float = 0.1,
        cirm_limit: float = 9.9,
        **config: Any,
    ):
        super().__init__(
            n_fft=n_fft,
            hop=hop,
            n_mels=n_mels,
            enc_hidden=enc_hidden,
            enc_hidden2=enc_hidden2,
            sb_hidden=sb_hidden,
            sb_layers=sb_layers,
            dec_hidden=dec_hidden,
            sb_neighbors=sb_neighbors,
            fb_neighbors=fb_neighbors,
            shrink=shrink,
            lookahead_frames=lookahead_frames,
            norm=norm,
            rnn=rnn,
            cirm_k=cirm_k,
            cirm_c=cirm_c,
            cirm_limit=cirm_limit,
            **config,
        )
        self._setup(lookahead_frames, norm, rnn, cirm_k, cirm_c, cirm_limit)
        if shrink < 1:
            raise ValueError(f"shrink must be >= 1, got {shrink}")
        mel = torch.tensor(mel_filterbank(n_mels, n_fft, self.sample_rate), dtype=torch.float32)
        self.register_buffer("mel", mel, persistent=False)  # (M, F)
        self.n_mels, self.shrink = n_mels, int(shrink)
        self.sb_neighbors, self.fb_neighbors = int(sb_neighbors), int(fb_neighbors)
        self.enc1 = _Sequence(n_mels, enc_hidden, 0, 1, rnn, None)
        self.enc2 = _Sequence(enc_hidden, enc_hidden2, n_mels, 1, rnn, "relu")
        self.sb = _Sequence(2 * (self.sb_neighbors + self.fb_neighbors + 1), sb_hidden, 1, sb_layers, rnn, "relu")
        self.dec1 = _Sequence(2 * n_mels, dec_hidden, 0, 1, rnn, None)
        self.dec2 = _Sequence(dec_hidden, dec_hidden, 2 * self.n_bins, 1, rnn, None)

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {
            "n_fft": 128,
            "hop": 64,
            "n_mels": 12,
            "enc_hidden": 16,
            "enc_hidden2": 16,
            "sb_hidden": 8,
            "sb_layers": 1,
            "dec_hidden": 16,
            "sb_neighbors": 2,
        }

    def mask(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        b, k, f = spec.shape
        m = self.n_mels
        if state is None:
            state = {"t": 0, "n1": None, "n2": None, "e1": None, "e2": None, "sb": None, "d1": None, "d2": None}
            state.update(carry=None, held=spec.real.new_zeros(b * m, 1, 1))
        st = dict(state)
        mel = spec.abs() @ self.mel.T  # (B, K, M)
        enc_in, st["n1"] = laplace_norm(mel, st["n1"], self.norm)
        h, st["e1"] = self.enc1(enc_in, st["e1"])
        enc_out, st["e2"] = self.enc2(h, st["e2"])  # (B, K, M)
        sb_in = torch.cat(
            [unfold_neighbours(mel, self.sb_neighbors), unfold_neighbours(enc_out, self.fb_neighbors)], -1
        )
        sb_in = sb_in.permute(0, 2, 1, 3).reshape(b * m, k, -1)
        if self.norm == "offline":  # the reference normalises the down-sampled sequence as a whole
            steps, index, _ = _shrink(sb_in, 0, None, self.shrink)
            steps, _ = laplace_norm(steps, None, "offline")
            sb_out, _ = self.sb(steps, None)
            held = sb_out[:, :1]
        else:
            steps, index, st["carry"] = _shrink(sb_in, st["t"], st["carry"], self.shrink)
            steps, st["n2"] = laplace_norm(steps, st["n2"], self.norm) if steps.shape[1] else (steps, st["n2"])
            if steps.shape[1]:
                sb_out, st["sb"] = self.sb(steps, st["sb"])
            else:
                sb_out = steps.new_zeros(b * m, 0, 1)
            held = st["held"]
        table = torch.cat([held, sb_out], dim=1)  # index -1 -> the step held from an earlier run
        sb_frames = table[:, index + 1]  # (B * M, K, 1)
        if sb_out.shape[1]:
            st["held"] = sb_out[:, -1:]
        st["t"] = st["t"] + k
        sb_frames = sb_frames.view(b, m, k).transpose(1, 2)  # (B, K, M)
        h, st["d1"] = self.dec1(torch.cat([enc_out, sb_frames], dim=-1), st["d1"])
        cm, st["d2"] = self.dec2(h, st["d2"])
        return cm.view(b, k, 2, f).transpose(2, 3), st
