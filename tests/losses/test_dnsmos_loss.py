"""The ``dnsmos`` loss: the DNSMOS P.835 network in torch equals the ONNX one, and descending it improves DNSMOS."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hush.losses import LossSpecError, build_loss, create_loss
from hush.metrics.dnsmos import dnsmos
from tests.helpers.signals import mix_at_snr, speech_like

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("speechmos")

from hush.losses.quality import P835Net, raw_to_mos  # noqa: E402

SR = 16000


def _noisy(seconds: float, snr: float, seed: int = 0) -> np.ndarray:
    x = speech_like(seconds=seconds, seed=seed)
    return mix_at_snr(x, np.random.default_rng(seed + 1).standard_normal(len(x)), snr)


def test_torch_network_equals_the_onnx_model():
    x = _noisy(9.01, 5.0)  # exactly one DNSMOS window
    with torch.no_grad():
        mos = raw_to_mos(P835Net()(torch.from_numpy(x)[None]))[0].numpy()
    ref = dnsmos(x, SR)
    np.testing.assert_allclose(mos, [ref["dnsmos_sig"], ref["dnsmos_bak"], ref["dnsmos_ovrl"]], atol=1e-3)


def test_loss_ranks_clean_above_noisy_and_subsamples_rows():
    loss = create_loss("dnsmos", weights={"bak": 1.0}, max_rows=None)
    clean = torch.from_numpy(speech_like(seconds=3.0, seed=3))[None]
    noisy = torch.from_numpy(_noisy(3.0, 0.0, seed=3))[None]
    with torch.no_grad():
        lc = loss({"enhanced": clean}, {})
        ln = loss({"enhanced": noisy}, {})
    assert float(lc) < float(ln) - 0.5  # 5 - BAK: background noise costs over half a MOS point

    one = create_loss("dnsmos", weights={"bak": 1.0}, max_rows=1)
    with torch.no_grad():
        assert float(one({"enhanced": noisy.repeat(3, 1)}, {})) == pytest.approx(float(ln), abs=1e-4)


@pytest.mark.slow
def test_descending_the_loss_raises_the_onnx_dnsmos():
    """MetricGAN's premise on a fixed critic: a per-bin gain optimised against the torch network alone raises
    the score that onnxruntime gives the result."""
    torch.manual_seed(0)
    noisy = torch.from_numpy(_noisy(2.0, 5.0, seed=5))
    window = torch.hann_window(512)
    spec = torch.stft(noisy, 512, 128, window=window, return_complex=True)
    logit = torch.full(spec.shape, 2.0, requires_grad=True)
    loss = build_loss({"dnsmos": {"weights": {"ovrl": 1.0}, "max_rows": None}})
    opt = torch.optim.Adam([logit], lr=0.1)

    def enhance() -> torch.Tensor:
        return torch.istft(spec * torch.sigmoid(logit), 512, 128, window=window, length=noisy.shape[-1])

    for _ in range(25):
        opt.zero_grad()
        loss({"enhanced": enhance()[None]}, {}).backward()
        opt.step()
    with torch.no_grad():
        out = enhance().numpy()
    before, after = dnsmos(noisy.numpy(), SR), dnsmos(out, SR)
    assert after["dnsmos_ovrl"] > before["dnsmos_ovrl"] + 0.2


def test_bad_options_are_rejected():
    with pytest.raises(LossSpecError):
        create_loss("dnsmos", weights={"mos": 1.0})
    with pytest.raises(LossSpecError):
        create_loss("dnsmos", sample_rate=8000)
    with pytest.raises(ValueError, match="at least 320"):
        create_loss("dnsmos")({"enhanced": torch.zeros(1, 100)}, {})
