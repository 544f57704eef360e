"""The losses of the DNS-era zoo systems: anti-wrapping phase, time-frequency consistency and flow matching."""

from __future__ import annotations

import math

import pytest
import torch

from hush.dsp.stft import torch_istft, torch_stft
from hush.losses import build_loss, create_loss
from hush.losses.phase import anti_wrap, phase_terms
from tests.helpers.signals import speech_like


def test_anti_wrap_is_the_distance_on_the_circle():
    x = torch.linspace(-math.pi + 1e-3, math.pi - 1e-3, 101, dtype=torch.float64)
    for k in (-3, -1, 1, 5):
        torch.testing.assert_close(anti_wrap(x + 2 * math.pi * k), x.abs())
    assert anti_wrap(torch.tensor(math.pi * 1.5)).item() == pytest.approx(math.pi * 0.5)


def test_phase_terms_ignore_2pi_shifts_and_see_real_errors():
    g = torch.Generator().manual_seed(0)
    ref = (torch.rand(2, 20, 33, generator=g, dtype=torch.float64) * 2 - 1) * math.pi
    est = ref + 0.1 * torch.randn(ref.shape, generator=g, dtype=torch.float64)
    base = phase_terms(est, ref)
    shifted = est + 2 * math.pi * torch.randint(-3, 4, est.shape, generator=g).double()  # per-bin wraps
    for a, b in zip(phase_terms(shifted, ref), base, strict=True):
        torch.testing.assert_close(a, b)
    assert all(t.item() < 1e-12 for t in phase_terms(ref + 2 * math.pi, ref))
    assert (shifted - ref).abs().mean() > 1.0  # a plain |difference| would count the wraps
    worse = phase_terms(ref + 0.5 * torch.randn(ref.shape, generator=g, dtype=torch.float64), ref)
    assert all(w > b for w, b in zip(worse, base, strict=True))


def test_phase_loss_on_waveforms_sees_a_delay_but_not_a_gain():
    x = torch.from_numpy(speech_like(seconds=0.5, seed=0))[None].double()  # float32 FFT noise randomises quiet bins
    loss = create_loss("phase", n_fft=256, hop=64)
    batch = {"clean": x}
    assert loss({"enhanced": 3.0 * x}, batch).item() < 1e-5  # a gain leaves every phase as it is
    late = torch.roll(x, 5, dims=-1)
    assert loss({"enhanced": late}, batch).item() > 0.3


def _consistency(spec, length, n_fft=128, hop=32, c=0.3):
    loss = create_loss("tf-consistency", n_fft=n_fft, hop=hop, c=c)
    return loss({"enhanced_spec": spec, "enhanced": torch.zeros(spec.shape[0], length)}, {})


@pytest.mark.parametrize("c", [1.0, 0.3])
def test_consistency_is_zero_for_an_stft_and_positive_when_perturbed(c):
    g = torch.Generator().manual_seed(0)
    x = 0.1 * torch.randn(2, 4000, generator=g, dtype=torch.float64)
    spec = torch_stft(x, 128, 32)
    assert _consistency(spec, 4000, c=c).item() < 1e-20
    noisy = spec + 0.05 * torch.randn(spec.shape, generator=g, dtype=torch.complex128)
    d = _consistency(noisy, 4000, c=c).item()
    assert d > 1e-4
    projected = torch_stft(torch_istft(noisy, 4000, 128, 32), 128, 32)  # the consistent spectrum it is heard as
    assert _consistency(projected, 4000, c=c).item() < 1e-20
    scrambled = torch.polar(spec.abs(), 2 * math.pi * torch.rand(spec.shape, generator=g, dtype=torch.float64))
    assert _consistency(scrambled, 4000, c=c).item() > d  # random phases are far from any STFT


def test_consistency_refuses_a_mismatched_stft():
    spec = torch_stft(torch.zeros(1, 1000), 128, 32)
    with pytest.raises(ValueError, match="do not match n_fft=256"):
        _consistency(spec, 1000, n_fft=256, hop=64)


def test_flow_matching_is_minimised_by_the_true_velocity():
    """Over the path's noise, the expected loss of a fixed prediction is smallest at the mean velocity Y - X."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(4, 30, 9, generator=g), torch.randn(4, 30, 9, generator=g)
    sigma = 0.5
    z = torch.randn(256, 4, 30, 9, generator=g)
    u = (y - x) + sigma * z  # conditional velocities of many draws of the path
    loss = create_loss("flow-matching")

    def expected(v):
        return loss({"velocity": v.expand_as(u), "target_velocity": u}, {}).item()

    best = expected(y - x)
    assert best == pytest.approx(sigma**2, rel=0.05)  # what is left is the noise's variance
    for delta in (0.05, 0.2, -0.1):
        assert expected(y - x + delta) == pytest.approx(best + delta**2, rel=0.05, abs=1e-3)
    assert loss({"velocity": u, "target_velocity": u}, {}).item() == 0.0
    cu = torch.complex(u[..., :4], u[..., 4:8])
    assert loss({"velocity": cu + 0.1, "target_velocity": cu}, {}).item() == pytest.approx(0.005, rel=1e-4)


def test_zoo_losses_combine_with_the_waveform_losses():
    loss = build_loss({"flow-matching": 1.0, "phase": {"weight": 0.3, "n_fft": 128, "hop": 32}})
    x = torch.from_numpy(speech_like(seconds=0.25, seed=1))[None].float()
    out = {"enhanced": x, "velocity": torch.ones(1, 5, 3), "target_velocity": torch.zeros(1, 5, 3)}
    total = loss(out, {"clean": x})
    assert total.item() == pytest.approx(1.0, abs=1e-5) and set(loss.last) == {"flow-matching", "phase"}
