"""MANNER family: ``manner`` (non-causal, Park et al. 2022) and ``rt-manner`` (its causal streaming variant).

A time-domain U-Net: an input convolution, ``depth`` encoder levels (strided down-convolution, residual conformer
block, multi-view attention block), the mirrored decoder (conformer, attention, up-convolution, additive skip), a
mask gate applied to the input-convolution features and an output convolution back to the waveform.

Every layer here works on ``(B, C, T)`` tensors and takes and returns its own streaming state: causal layers
prepend their past context (zeros offline, the carried buffer when streaming), so running the causal network block
by block on ``stride ** depth`` samples at a time equals running it on the whole signal. Non-causal layers pad
symmetrically and keep no state.

Besides ``"enhanced"`` the forward dict exposes, for feature and attention distillation (e.g. MV-AT):
``"enc0"`` … ``"enc{depth-1}"`` (encoder level outputs, ``(B, C_i, T_i)``), ``"bottleneck"`` / ``"features"``
(the deepest encoder output), ``"mask"`` (the latent mask), and per multi-view attention block the three views
``"att_channel_enc{i}"``, ``"att_global_enc{i}"``, ``"att_local_enc{i}"`` (and ``…_dec{i}`` for the decoder blocks),
with ``"att_channel"``, ``"att_global"``, ``"att_local"`` aliasing the deepest encoder block.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from hush.methods.base import UNBOUNDED
from hush.models.base import SEModel, register

VIEWS = ("channel", "global", "local")


def _with_past(x: torch.Tensor, buf: torch.Tensor | None, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Prepend ``n`` past frames to ``x`` (B, C, T) — zeros when ``buf`` is None — and return the next buffer."""
    if n == 0:
        return x, None
    if buf is None:
        buf = x.new_zeros(*x.shape[:-1], n)
    xx = torch.cat([buf, x], dim=-1)
    return xx, xx[..., xx.shape[-1] - n :]


class _Conv(nn.Module):
    """1-D convolution over time; causal ones carry ``dilation * (k - 1) + 1 - stride`` past input frames."""

    def __init__(
        self,
        cin: int,
        cout: int,
        kernel: int,
        stride: int = 1,
        dilation: int = 1,
        groups: int = 1,
        causal: bool = False,
    ):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, kernel, stride, dilation=dilation, groups=groups)
        self.context = dilation * (kernel - 1) + 1 - stride
        if self.context < 0:
            raise ValueError("kernel must be at least the stride")
        self.causal = causal

    def forward(self, x: torch.Tensor, st: Any = None) -> tuple[torch.Tensor, Any]:
        if self.causal:
            x, st = _with_past(x, st, self.context)
            return self.conv(x), st
        left = self.context // 2
        return self.conv(F.pad(x, (left, self.context - left))), None


class _Up(nn.Module):
    """Upsampling by ``stride``: a transposed convolution (non-causal) or, causal, a sub-pixel convolution.

    The causal form is a causal convolution over ``ceil(kernel / stride)`` input frames producing ``stride``
    output samples per frame — the same function class as a transposed convolution of width ``kernel`` whose output
    is aligned so that samples of frame ``j`` depend on frames ``<= j`` only.
    """

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, causal: bool):
        super().__init__()
        self.causal, self.stride, self.cout, self.kernel = causal, stride, cout, kernel
        if causal:
            self.conv = _Conv(cin, cout * stride, math.ceil(kernel / stride), causal=True)
        else:
            self.tconv = nn.ConvTranspose1d(cin, cout, kernel, stride)

    def forward(self, x: torch.Tensor, st: Any = None) -> tuple[torch.Tensor, Any]:
        b, _, t = x.shape
        if not self.causal:
            y = self.tconv(x)
            crop = (self.kernel - self.stride) // 2
            return y[..., crop : crop + t * self.stride], None
        y, st = self.conv(x, st)
        return y.view(b, self.cout, self.stride, t).transpose(2, 3).reshape(b, self.cout, t * self.stride), st


class _ResConformer(nn.Module):
    """Residual conformer convolution block: pointwise + GLU, depthwise conv, BN, SiLU, pointwise, BN, residual."""

    def __init__(self, c: int, kernel: int, causal: bool):
        super().__init__()
        self.pw1 = nn.Conv1d(c, 2 * c, 1)
        self.dw = _Conv(c, c, kernel, groups=c, causal=causal)
        self.bn1 = nn.BatchNorm1d(c)
        self.pw2 = nn.Conv1d(c, c, 1)
        self.bn2 = nn.BatchNorm1d(c)

    def forward(self, x: torch.Tensor, st: Any = None) -> tuple[torch.Tensor, Any]:
        h, st = self.dw(F.glu(self.pw1(x), dim=1), st)
        h = self.bn2(self.pw2(F.silu(self.bn1(h))))
        return F.relu(x + h), st


class _ChannelAttention(nn.Module):
    """Channel view: a shared MLP on average- and max-pooled features, sigmoid gate per channel.

    Non-causal: pooled over the whole sequence, map ``(B, C)``. Causal: pooled over the last ``window`` frames
    (bounded state), map ``(B, C, T)``.
    """

    def __init__(self, c: int, causal: bool, window: int):
        super().__init__()
        hidden = max(c // 2, 1)
        self.fc = nn.Sequential(nn.Conv1d(c, hidden, 1), nn.ReLU(), nn.Conv1d(hidden, c, 1))
        self.causal, self.window = causal, window

    def forward(self, x: torch.Tensor, st: Any = None) -> tuple[torch.Tensor, torch.Tensor, Any]:
        if self.causal:
            xx, st = _with_past(x, st, self.window - 1)
            avg, mx = F.avg_pool1d(xx, self.window, 1), F.max_pool1d(xx, self.window, 1)
        else:
            avg, mx = x.mean(-1, keepdim=True), x.amax(-1, keepdim=True)
        gate = torch.sigmoid(self.fc(avg) + self.fc(mx))
        return x * gate, (gate if self.causal else gate[..., 0]), st


class _MHSA(nn.Module):
    """Plain multi-head self-attention on ``(N, L, C)``; returns the output and the head-averaged weights."""

    def __init__(self, c: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(c, 3 * c)
        self.out = nn.Linear(c, c)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n, length, c = x.shape
        q, k, v = self.qkv(x).view(n, length, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(c // self.heads), dim=-1)
        y = (w @ v).transpose(1, 2).reshape(n, length, c)
        return self.out(y), w.mean(1)


class _DualPathAttention(nn.Module):
    """Non-causal global view: the sequence is cut into chunks of ``segment`` frames (``segment=0``: about the
    square root of the length); self-attention within chunks, then across chunks (dual-path), each with a residual
    and layer norm. The map is the inter-chunk attention ``(B, n_chunks, n_chunks)`` averaged over positions."""

    def __init__(self, c: int, heads: int, segment: int):
        super().__init__()
        self.segment = segment
        self.intra, self.inter = _MHSA(c, heads), _MHSA(c, heads)
        self.norm1, self.norm2 = nn.LayerNorm(c), nn.LayerNorm(c)

    def forward(self, x: torch.Tensor, st: Any = None) -> tuple[torch.Tensor, torch.Tensor, Any]:
        b, c, t = x.shape
        seg = min(self.segment, t) if self.segment > 0 else max(1, math.ceil(math.sqrt(t)))
        n = math.ceil(t / seg)
        h = F.pad(x, (0, n * seg - t)).view(b, c, n, seg)
        h = h.permute(0, 2, 3, 1).reshape(b * n, seg, c)  # intra-chunk
        h = self.norm1(h + self.intra(h)[0])
        h = h.view(b, n, seg, c).transpose(1, 2).reshape(b * seg, n, c)  # inter-chunk
        y, w = self.inter(h)
        h = self.norm2(h + y)
        h = h.view(b, seg, n, c).permute(0, 3, 2, 1).reshape(b, c, n * seg)[..., :t]
        return h, w.view(b, seg, n, n).mean(1), None


class _WindowAttention(nn.Module):
    """Causal global view: each frame attends to itself and the previous ``window - 1`` frames (bounded KV state).

    Long runs are computed block-wise (blocks of ``window`` queries against ``2 * window`` keys, band-masked), short
    runs (streaming) directly over unfolded windows; both give the same function. Map: ``(B, T, window)``, the
    head-averaged weights over the past window (oldest first).
    """

    def __init__(self, c: int, heads: int, window: int):
        super().__init__()
        self.heads, self.window = heads, window
        self.q = nn.Linear(c, c)
        self.kv = nn.Linear(c, 2 * c)
        self.out = nn.Linear(c, c)
        self.norm = nn.LayerNorm(c)

    def forward(self, x: torch.Tensor, st: Any = None) -> tuple[torch.Tensor, torch.Tensor, Any]:
        b, c, t = x.shape
        w, nh, d = self.window, self.heads, c // self.heads
        xx, st = _with_past(x, st, w - 1)
        xt = x.transpose(1, 2)
        q = self.q(xt).view(b, t, nh, d).transpose(1, 2) / math.sqrt(d)  # (B, h, T, d)
        k, v = self.kv(xx.transpose(1, 2)).view(b, t + w - 1, 2, nh, d).permute(2, 0, 3, 1, 4)  # (B, h, T+w-1, d)
        if t <= w:
            kw, vw = k.unfold(2, w, 1), v.unfold(2, w, 1)  # (B, h, T, d, w)
            att = torch.softmax(torch.einsum("bhtd,bhtdw->bhtw", q, kw), dim=-1)
            y = torch.einsum("bhtw,bhtdw->bhtd", att, vw)
        else:
            n = math.ceil(t / w)
            qb = F.pad(q, (0, 0, 0, n * w - t)).view(b, nh, n, w, d)
            extra = (n + 1) * w - (t + w - 1)
            kb = F.pad(k, (0, 0, 0, extra)).unfold(2, 2 * w, w)  # (B, h, n, d, 2w)
            vb = F.pad(v, (0, 0, 0, extra)).unfold(2, 2 * w, w)
            i = torch.arange(w, device=x.device)[:, None]
            j = torch.arange(2 * w, device=x.device)[None]
            band = (j >= i) & (j < i + w)  # query i of a block sees keys i .. i + w - 1 of its 2w-key span
            s = torch.einsum("bhnid,bhndj->bhnij", qb, kb).masked_fill(~band, float("-inf"))
            a = torch.softmax(s, dim=-1)
            y = torch.einsum("bhnij,bhndj->bhnid", a, vb).reshape(b, nh, n * w, d)[:, :, :t]
            idx = (i + torch.arange(w, device=x.device)[None]).expand(b, nh, n, w, w)
            att = a.gather(-1, idx).reshape(b, nh, n * w, w)[:, :, :t]
        y = self.out(y.transpose(1, 2).reshape(b, t, c))
        return self.norm(xt + y).transpose(1, 2), att.mean(1), st


class _LocalAttention(nn.Module):
    """Local view: depthwise convolution, then a gate over time from a convolution of the channel-wise average
    and maximum (spatial attention); map ``(B, T)``."""

    def __init__(self, c: int, kernel: int, causal: bool):
        super().__init__()
        self.dw = _Conv(c, c, kernel, groups=c, causal=causal)
        self.gate = _Conv(2, 1, kernel, causal=causal)

    def forward(self, x: torch.Tensor, st: Any = None) -> tuple[torch.Tensor, torch.Tensor, Any]:
        st = st or {}
        h, s_dw = self.dw(x, st.get("dw"))
        g, s_gate = self.gate(torch.cat([h.mean(1, keepdim=True), h.amax(1, keepdim=True)], dim=1), st.get("gate"))
        g = torch.sigmoid(g)
        return h * g, g[:, 0], {"dw": s_dw, "gate": s_gate}


class _MultiViewAttention(nn.Module):
    """Multi-view attention block: a pointwise projection into three branches (channel / global / local views),
    concatenation, pointwise merge with batch norm, residual."""

    def __init__(self, c: int, heads: int, causal: bool, window: int, segment: int, local_kernel: int):
        super().__init__()
        cb = heads * max(1, round(c / (3 * heads)))
        self.proj = nn.Conv1d(c, 3 * cb, 1)
        self.channel = _ChannelAttention(cb, causal, window)
        self.glob = _WindowAttention(cb, heads, window) if causal else _DualPathAttention(cb, heads, segment)
        self.local = _LocalAttention(cb, local_kernel, causal)
        self.merge = nn.Sequential(nn.Conv1d(3 * cb, c, 1), nn.BatchNorm1d(c))

    def forward(self, x: torch.Tensor, st: Any = None) -> tuple[torch.Tensor, dict[str, torch.Tensor], Any]:
        st = st or {}
        xc, xg, xl = self.proj(x).chunk(3, dim=1)
        yc, ac, sc = self.channel(xc, st.get("channel"))
        yg, ag, sg = self.glob(xg, st.get("global"))
        yl, al, sl = self.local(xl, st.get("local"))
        y = x + self.merge(torch.cat([yc, yg, yl], dim=1))
        return y, {"channel": ac, "global": ag, "local": al}, {"channel": sc, "global": sg, "local": sl}


class _MannerNet(nn.Module):
    def __init__(
        self,
        causal: bool,
        chans: list[int],
        kernel: int,
        stride: int,
        in_kernel: int,
        conformer_kernel: int,
        local_kernel: int,
        heads: int,
        ma_levels: list[int],
        window: int,
        segment: int,
    ):
        super().__init__()
        self.depth = len(chans) - 1
        self.inp = _Conv(1, chans[0], in_kernel, causal=causal)
        self.in_bn = nn.BatchNorm1d(chans[0])
        self.down = nn.ModuleList(
            [_Conv(chans[i], chans[i + 1], kernel, stride, causal=causal) for i in range(self.depth)]
        )
        self.down_bn = nn.ModuleList([nn.BatchNorm1d(chans[i + 1]) for i in range(self.depth)])
        self.enc_conf = nn.ModuleList(
            [_ResConformer(chans[i + 1], conformer_kernel, causal) for i in range(self.depth)]
        )
        self.dec_conf = nn.ModuleList(
            [_ResConformer(chans[i + 1], conformer_kernel, causal) for i in range(self.depth)]
        )

        def ma(c):
            return _MultiViewAttention(c, heads, causal, window, segment, local_kernel)

        self.enc_ma = nn.ModuleDict({str(i): ma(chans[i + 1]) for i in range(self.depth) if i + 1 in ma_levels})
        self.dec_ma = nn.ModuleDict({str(i): ma(chans[i + 1]) for i in range(self.depth) if i + 1 in ma_levels})
        self.up = nn.ModuleList([_Up(chans[i + 1], chans[i], kernel, stride, causal) for i in range(self.depth)])
        self.up_bn = nn.ModuleList([nn.BatchNorm1d(chans[i]) for i in range(self.depth)])
        c0 = chans[0]
        self.gate_out, self.gate_sig, self.gate_mask = nn.Conv1d(c0, c0, 1), nn.Conv1d(c0, c0, 1), nn.Conv1d(c0, c0, 1)
        self.out = _Conv(c0, 1, in_kernel, causal=causal)

    def forward(self, x: torch.Tensor, state: dict | None) -> tuple[torch.Tensor, dict[str, torch.Tensor], dict]:
        """``x`` (B, 1, T) with T a multiple of ``stride ** depth``; ``state`` None offline."""
        old = state or {}
        new: dict[str, Any] = {}
        extras: dict[str, torch.Tensor] = {}

        def run(name, module, h):
            y, *rest = module(h, old.get(name))
            new[name] = rest[-1]
            return (y, rest[0]) if len(rest) == 2 else y

        h0 = F.relu(self.in_bn(run("inp", self.inp, x)))
        h, skips = h0, []
        for i in range(self.depth):
            skips.append(h)
            h = F.relu(self.down_bn[i](run(f"down{i}", self.down[i], h)))
            h = run(f"enc_conf{i}", self.enc_conf[i], h)
            if str(i) in self.enc_ma:
                h, maps = run(f"enc_ma{i}", self.enc_ma[str(i)], h)
                for view in VIEWS:
                    extras[f"att_{view}_enc{i}"] = extras[f"att_{view}"] = maps[view]
            extras[f"enc{i}"] = h
        extras["bottleneck"] = extras["features"] = h
        for i in reversed(range(self.depth)):
            h = run(f"dec_conf{i}", self.dec_conf[i], h)
            if str(i) in self.dec_ma:
                h, maps = run(f"dec_ma{i}", self.dec_ma[str(i)], h)
                for view in VIEWS:
                    extras[f"att_{view}_dec{i}"] = maps[view]
            h = F.relu(self.up_bn[i](run(f"up{i}", self.up[i], h))) + skips[i]
        mask = F.relu(self.gate_mask(torch.tanh(self.gate_out(h)) * torch.sigmoid(self.gate_sig(h))))
        extras["mask"] = mask
        y = run("out", self.out, h0 * mask)
        return y, extras, new


class _MannerBase(SEModel):
    def __init__(
        self,
        causal: bool = False,
        channels: int = 60,
        depth: int = 4,
        growth: float = 2.0,
        max_channels: int = 0,
        kernel: int = 8,
        stride: int = 4,
        in_kernel: int = 3,
        conformer_kernel: int = 5,
        local_kernel: int = 5,
        heads: int = 4,
        ma_levels: list[int] | None = None,
        window: int = 32,
        segment: int = 0,
        chunk_seconds: float = 0.0,
        overlap_seconds: float = 0.25,
        **config: Any,
    ):
        ma_levels = list(range(1, depth + 1)) if ma_levels is None else [int(v) for v in ma_levels]
        super().__init__(
            causal=causal,
            channels=channels,
            depth=depth,
            growth=growth,
            max_channels=max_channels,
            kernel=kernel,
            stride=stride,
            in_kernel=in_kernel,
            conformer_kernel=conformer_kernel,
            local_kernel=local_kernel,
            heads=heads,
            ma_levels=ma_levels,
            window=window,
            segment=segment,
            chunk_seconds=chunk_seconds,
            overlap_seconds=overlap_seconds,
            **config,
        )
        self.causal = bool(causal)
        chans = [channels]
        for i in range(depth):
            c = int(round(channels * growth ** (i + 1)))
            chans.append(min(c, max_channels) if max_channels > 0 else c)
        self.block = stride**depth  # the network consumes whole blocks of stride ** depth samples
        self.hop_size = self.block if self.causal else 0
        self.net = _MannerNet(
            self.causal,
            chans,
            kernel,
            stride,
            in_kernel,
            conformer_kernel,
            local_kernel,
            heads,
            ma_levels,
            window,
            segment,
        )
        self.chunk = math.ceil(chunk_seconds * self.sample_rate / self.block) * self.block if chunk_seconds > 0 else 0
        self.overlap = min(int(round(overlap_seconds * self.sample_rate)), self.chunk // 2)

    # ------------------------------------------------------------------ properties
    @property
    def lookahead(self) -> int:
        if self.causal:  # output sample t is emitted at the end of its block of stride ** depth samples
            return self.block - 1
        return self.chunk - 1 if self.chunk else UNBOUNDED  # non-causal: the whole chunk (or the whole input)

    @property
    def stream_delay(self) -> int:
        return 0  # step() returns the block it was fed, already aligned with the offline output

    # ------------------------------------------------------------------ computation
    def _run(self, noisy: torch.Tensor) -> dict[str, torch.Tensor]:
        t = noisy.shape[-1]
        x = F.pad(noisy, (0, (-t) % self.block))[:, None]
        y, extras, _ = self.net(x, None)
        return {"enhanced": y[:, 0, :t], **extras}

    def forward(self, noisy: torch.Tensor) -> dict[str, torch.Tensor]:
        if self.causal or not self.chunk or noisy.shape[-1] <= self.chunk:
            return self._run(noisy)
        return self._chunked(noisy)

    def _chunked(self, noisy: torch.Tensor, group: int = 8) -> dict[str, torch.Tensor]:
        """Overlapping chunks of ``chunk`` samples, cross-faded with linear ramps over ``overlap`` samples;
        intermediate entries are those of the chunks, stacked along the batch axis (item-major)."""
        b, t = noisy.shape
        size, ov = self.chunk, self.overlap
        hop = size - ov
        n = math.ceil(max(t - ov, 1) / hop)
        x = F.pad(noisy, (0, (n - 1) * hop + size - t)).unfold(-1, size, hop).reshape(b * n, size)
        outs = [self._run(x[i : i + group]) for i in range(0, b * n, group)]
        res = {k: torch.cat([o[k] for o in outs]) for k in outs[0]}
        pos = torch.arange(size, device=noisy.device, dtype=noisy.dtype)
        ramp = torch.clamp(torch.minimum(pos + 1, size - pos) / (ov + 1), max=1.0)
        y = res["enhanced"].view(b, n, size) * ramp
        total = noisy.new_zeros(b, (n - 1) * hop + size)
        weight = noisy.new_zeros((n - 1) * hop + size)
        for i in range(n):
            total[:, i * hop : i * hop + size] += y[:, i]
            weight[i * hop : i * hop + size] += ramp
        res["enhanced"] = (total / weight)[:, :t]
        return res

    # ------------------------------------------------------------------ streaming
    def init_state(self, batch: int = 1) -> dict:
        if not self.causal:
            raise NotImplementedError(f"{self.arch} is not a streaming model (causal=False)")
        return {}  # every layer starts from zero context, exactly like the offline left padding

    def step(self, hop: torch.Tensor, state: dict) -> tuple[torch.Tensor, dict]:
        y, _, state = self.net(hop[:, None], state or None)
        return y[:, 0], state


@register("manner")
class Manner(_MannerBase):
    """MANNER (Park, Kang, Shin, Kim & Han, 2022, "MANNER: Multi-view Attention Network for Noise Erasure", ICASSP).

    The paper's model is a time-domain U-Net: an input convolution, encoder levels made of a strided
    down-convolution (kernel 8, stride 4, channels doubling), a residual conformer block and a multi-view attention
    (MA) block, a mirrored decoder with up-convolutions and skip connections, and a gated mask multiplied with the
    input-convolution features before the output convolution. The MA block projects its input into three branches:
    channel attention (a shared MLP on time-averaged and time-maxed features, sigmoid per channel), global attention
    (self-attention on the sequence cut into chunks, intra- and inter-chunk, dual-path style) and local attention
    (depthwise convolution followed by a sigmoid gate over time computed from channel-pooled features); the branches
    are concatenated, merged by a pointwise convolution and added to the input. This implementation follows that
    structure with these simplifications: one conformer convolution module (pointwise+GLU, depthwise, BN, SiLU,
    pointwise, BN) per residual conformer block, MA blocks on the levels listed in ``ma_levels``, an automatic chunk
    size (about the square root of the sequence length, or ``segment``) in the global view, and optional processing
    of inputs longer than ``chunk_seconds`` in overlapping, linearly cross-faded chunks. Non-causal: the lookahead is
    the chunk length (unbounded, reported as ``UNBOUNDED`` samples, when ``chunk_seconds`` is 0); no streaming.
    """

    def __init__(
        self,
        causal: bool = False,
        channels: int = 60,
        depth: int = 4,
        growth: float = 2.0,
        max_channels: int = 0,
        chunk_seconds: float = 4.0,
        overlap_seconds: float = 0.25,
        **config: Any,
    ):
        super().__init__(
            causal=causal,
            channels=channels,
            depth=depth,
            growth=growth,
            max_channels=max_channels,
            chunk_seconds=chunk_seconds,
            overlap_seconds=overlap_seconds,
            **config,
        )

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {
            "channels": 8,
            "depth": 2,
            "heads": 1,
            "conformer_kernel": 3,
            "local_kernel": 3,
            "chunk_seconds": 0.5,
            "overlap_seconds": 0.05,
        }


@register("rt-manner")
class RTManner(_MannerBase):
    """RT-MANNER: a causal, streaming variant of MANNER (Park et al., 2022, "MANNER: Multi-view Attention Network
    for Noise Erasure", ICASSP) in the style of real-time time-domain U-Nets (RT-SENet-like block processing).

    Same U-Net, residual conformer and multi-view attention structure as ``manner`` with every layer causal along
    its own time axis: convolutions are left-padded, up-sampling is a causal sub-pixel convolution (samples of a
    frame depend on that frame and earlier ones), the channel view pools over the last ``window`` frames instead of
    the whole sequence, the global view is multi-head self-attention restricted to the current and previous
    ``window - 1`` frames at its level (bounded key/value state), and the local view uses causal convolutions. The
    network consumes blocks of ``stride ** depth`` samples (256 = 16 ms at 16 kHz by default): ``lookahead`` is
    ``block - 1`` samples (the algorithmic latency is one block), ``step`` takes one block and returns the same
    block of output, equal to the offline output (``stream_delay`` 0). Channels are capped (``max_channels``) to
    keep it small; batch norm is used as in MANNER (a per-channel affine map at inference).
    """

    def __init__(
        self,
        causal: bool = True,
        channels: int = 32,
        depth: int = 4,
        growth: float = 2.0,
        max_channels: int = 256,
        chunk_seconds: float = 0.0,
        **config: Any,
    ):
        super().__init__(
            causal=causal,
            channels=channels,
            depth=depth,
            growth=growth,
            max_channels=max_channels,
            chunk_seconds=chunk_seconds,
            **config,
        )

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {"channels": 8, "depth": 2, "heads": 1, "window": 8, "conformer_kernel": 3, "local_kernel": 3}
