"""``dnsmos``: a non-intrusive quality loss, the DNSMOS P.835 network (Reddy et al. 2022) run in torch.

MetricGAN (Fu et al. 2019) trains an enhancer against a learned, differentiable stand-in for a quality metric.
DNSMOS P.835 already is a differentiable network, so its published weights (read from the ``speechmos`` wheel's
ONNX file) serve as a fixed critic: :class:`P835Net` rebuilds its graph in torch — 20 ms frames with a 10 ms hop,
a learned 161-bin STFT (the two 1x1 convolutions of the ONNX graph), log10 power, seven 3x3 convolutions with
three 2x2 max-pools, global max-pooling and three dense layers giving raw SIG / BAK / OVRL — and the loss is
``sum_k w_k (5 - MOS_k)`` with the published polynomial mapping of the non-personalised model.

Caveats that the training recipes must respect:

* the network is a fixed critic, so an enhancer trained on it alone can learn to please it rather than listeners;
  use it as a small term beside reconstruction losses, and judge the result with metrics it does not feed
  (PESQ, ESTOI, SI-SDR). DNSMOS scores of a model trained with this loss are no longer independent evidence.
* The original scores 9.01 s windows; the network is fully convolutional with a global max-pool, so it accepts
  any length of at least 320 samples, and a short clip gives the score of that clip tiled (as speechmos does).
* Only ``max_rows`` randomly chosen rows of a batch are scored (the critic costs about 3.5 GMAC per 3 s clip).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch import Tensor, nn

from hush.errors import MissingExtraError
from hush.losses.base import Loss, LossSpecError, register
from hush.metrics.dnsmos import DNSMOS_RATE, POLYFIT, model_dir

_FRAME, _HOP = 320, 160
_SCORES = ("sig", "bak", "ovrl")


@lru_cache(maxsize=2)
def _onnx_weights(personalized: bool) -> dict[str, np.ndarray]:
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise MissingExtraError("the dnsmos loss", "onnx") from None
    sub = "pdnsmos_models" if personalized else "dnsmos_models"
    path = model_dir() / sub / "sig_bak_ovr.onnx"
    if not path.is_file():
        raise MissingExtraError("the dnsmos loss", "metrics")
    model = onnx.load(str(path))
    return {t.name: numpy_helper.to_array(t).copy() for t in model.graph.initializer}


class P835Net(nn.Module):
    """The DNSMOS P.835 network in torch: ``(N, T)`` 16 kHz audio -> ``(N, 3)`` raw SIG, BAK, OVRL."""

    def __init__(self, personalized: bool = False):
        super().__init__()
        w = _onnx_weights(personalized)
        # (161, 320, 1) kernels whose rows are windowed cosines / sines: a learned-looking but fixed DFT.
        self.register_buffer("stft_re", torch.from_numpy(w["time2freq/stft-real/kernel:0"][..., 0]).float())
        self.register_buffer("stft_im", torch.from_numpy(w["time2freq/stft-imag/kernel:0"][..., 0]).float())
        convs = []
        for i in range(7):
            suffix = "" if i == 0 else f"_{i}"
            k = torch.from_numpy(w[f"conv2d{suffix}/kernel:0"]).float()
            conv = nn.Conv2d(k.shape[1], k.shape[0], 3, padding=1)
            conv.weight.data.copy_(k)
            conv.bias.data.copy_(torch.from_numpy(w[f"conv2d{suffix}/bias:0"]).float())
            convs.append(conv)
        self.convs = nn.ModuleList(convs)
        dense = []
        for name in ("dense", "dense_1", "dense_3"):
            k = torch.from_numpy(w[f"mos_estimator_logpow/{name}/MatMul/ReadVariableOp/resource:0"]).float()
            b = torch.from_numpy(w[f"mos_estimator_logpow/{name}/BiasAdd/ReadVariableOp/resource:0"]).float()
            lin = nn.Linear(k.shape[0], k.shape[1])
            lin.weight.data.copy_(k.T)
            lin.bias.data.copy_(b)
            dense.append(lin)
        self.dense = nn.ModuleList(dense)
        self.requires_grad_(False)

    def features(self, x: Tensor) -> Tensor:
        """(N, T) -> (N, 1, frames, 161) log10 power spectrogram."""
        frames = x.unfold(-1, _FRAME, _HOP)  # (N, K, 320)
        re = frames @ self.stft_re.T
        im = frames @ self.stft_im.T
        return torch.log10((re.square() + im.square()).clamp_min(1e-12)).unsqueeze(1)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] < _FRAME:
            raise ValueError(f"DNSMOS needs at least {_FRAME} samples, got {x.shape[-1]}")
        h = self.features(x)
        for i, conv in enumerate(self.convs):
            h = torch.relu(conv(h))
            if i in (3, 4, 5):
                h = nn.functional.max_pool2d(h, 2)
        h = h.amax(dim=(2, 3))
        h = torch.relu(self.dense[0](h))
        h = torch.relu(self.dense[1](h))
        return self.dense[2](h)


def raw_to_mos(raw: Tensor, personalized: bool = False) -> Tensor:
    """Published polynomial mapping of raw ``(…, 3)`` outputs to SIG / BAK / OVRL MOS."""
    cols = []
    for j, name in enumerate(_SCORES):
        coeffs = POLYFIT[personalized][name]
        v = torch.zeros_like(raw[..., j])
        for c in coeffs:  # Horner, highest power first like np.polyval
            v = v * raw[..., j] + c
        cols.append(v)
    return torch.stack(cols, -1)


@register("dnsmos")
class DNSMOSLoss(Loss):
    """``sum_k w_k (5 - MOS_k)`` of DNSMOS P.835 on the estimate (no reference needed); see the module notes.

    ``weights`` maps ``sig`` / ``bak`` / ``ovrl`` to their weights (default OVRL only); ``max_rows`` rows of a
    batch are scored, chosen at random (all if ``None``); ``sample_rate`` must be 16 kHz.
    """

    def __init__(
        self,
        weights: dict[str, float] | None = None,
        max_rows: int | None = 4,
        sample_rate: int = DNSMOS_RATE,
        personalized: bool = False,
        **kw,
    ):
        super().__init__(**kw)
        if int(sample_rate) != DNSMOS_RATE:
            raise LossSpecError(f"the dnsmos loss needs {DNSMOS_RATE} Hz audio, got sample_rate={sample_rate}")
        weights = {"ovrl": 1.0} if weights is None else dict(weights)
        unknown = set(weights) - set(_SCORES)
        if unknown or not weights:
            raise LossSpecError(f"dnsmos weights must name some of {_SCORES}, got {sorted(weights)}")
        self.register_buffer("w", torch.tensor([float(weights.get(k, 0.0)) for k in _SCORES]), persistent=False)
        self.max_rows = None if max_rows is None else int(max_rows)
        self.personalized = bool(personalized)
        self.net = P835Net(personalized)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, weights={self.w.tolist()}, max_rows={self.max_rows}"

    def forward(self, out: dict[str, Tensor], batch: dict[str, Tensor]) -> Tensor:
        est = self._fetch(self.est_key, out, batch, "estimate").float()
        est = est[None] if est.ndim == 1 else est
        mask = self.mask_rows(batch, est)
        est = est.reshape(-1, est.shape[-1])
        if mask is not None:
            est = est * mask
        if self.max_rows is not None and est.shape[0] > self.max_rows:
            est = est[torch.randperm(est.shape[0], device=est.device)[: self.max_rows]]
        peak = est.detach().abs().amax(-1, keepdim=True)
        est = est / peak.clamp_min(1.0)  # the metric divides clips that exceed full scale by their peak
        mos = raw_to_mos(self.net(est), self.personalized)
        return ((5.0 - mos) * self.w.to(mos.dtype)).sum(-1).mean()
