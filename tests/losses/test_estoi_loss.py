"""The differentiable ESTOI loss: agreement with pystoi, edge cases, and that minimising it raises pystoi's ESTOI."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pystoi import stoi

from hush.losses import ESTOILoss, build_loss
from tests.helpers.signals import mix_at_snr, speech_like


def _estoi(loss: ESTOILoss, est: np.ndarray, ref: np.ndarray) -> float:
    return 1.0 - loss.compute(torch.tensor(est[None]), torch.tensor(ref[None]), None).item()


def _babble(n: int, seed: int) -> np.ndarray:
    return sum(speech_like(seconds=n / 16000, seed=seed + k) for k in range(4)).astype(np.float32)


def test_tracks_pystoi_across_snrs():
    loss = ESTOILoss()
    ours, ref_scores = [], []
    for seed in range(3):
        clean = speech_like(seconds=3.0, seed=seed)
        rng = np.random.RandomState(10 + seed)
        for snr in (-5, 0, 5, 10, 20):
            for noise in (rng.randn(len(clean)).astype(np.float32), _babble(len(clean), 20 + seed)):
                noisy = mix_at_snr(clean, noise, snr)
                ours.append(_estoi(loss, noisy, clean))
                ref_scores.append(stoi(clean, noisy, 16000, extended=True))
    ours, ref_scores = np.array(ours), np.array(ref_scores)
    assert np.corrcoef(ours, ref_scores)[0, 1] > 0.97
    assert np.abs(ours - ref_scores).mean() < 0.05


def test_identity_gain_invariance_and_finite_gradients():
    loss = ESTOILoss()
    clean = torch.tensor(speech_like(seconds=2.0))[None]
    assert loss.compute(clean, clean, None).item() == pytest.approx(0.0, abs=1e-4)
    assert loss.compute(0.1 * clean, clean, None).item() == pytest.approx(0.0, abs=1e-4)  # scale invariant
    for est in (torch.zeros_like(clean), torch.randn_like(clean) * 1e-3):
        est = est.clone().requires_grad_(True)
        value = loss.compute(est, clean, None)
        value.backward()
        assert torch.isfinite(value) and torch.isfinite(est.grad).all()


def test_short_or_silent_rows_are_left_out_and_padding_ignored():
    loss = build_loss({"estoi": 1.0})
    clean = torch.tensor(speech_like(seconds=2.0))
    noisy = clean + 0.01 * torch.randn_like(clean)  # about 15 dB SNR
    short = {"enhanced": noisy[None, :3000]}
    assert loss(short, {"clean": clean[None, :3000]}).item() == 0.0  # 0.19 s: fewer than 30 active frames
    base = loss({"enhanced": noisy[None]}, {"clean": clean[None]}).item()
    pad = 8000
    est = torch.cat([noisy, torch.randn(pad)])[None]  # garbage in the padding
    ref = torch.cat([clean, torch.zeros(pad)])[None]
    mask = torch.cat([torch.ones_like(clean), torch.zeros(pad)])[None]
    assert loss({"enhanced": est}, {"clean": ref, "mask": mask}).item() == pytest.approx(base, abs=2e-3)
    assert 0.05 < base < 0.6


def test_minimising_it_raises_pystoi_estoi():
    """Gradient descent on a free time-frequency gain, with 1 - ESTOI as the only objective."""
    torch.manual_seed(0)
    clean = speech_like(seconds=2.0, seed=3)
    noisy = mix_at_snr(clean, _babble(len(clean), 40), -3.0)
    loss = ESTOILoss()
    n_fft, hop = 512, 128
    window = torch.hann_window(n_fft)
    spec = torch.stft(torch.tensor(noisy), n_fft, hop, window=window, return_complex=True)
    logit = torch.zeros(spec.shape, requires_grad=True)
    opt = torch.optim.Adam([logit], lr=0.1)
    ref = torch.tensor(clean)[None]
    for _ in range(60):
        est = torch.istft(spec * torch.sigmoid(logit), n_fft, hop, window=window, length=len(noisy))
        value = loss.compute(est[None], ref, None)
        opt.zero_grad()
        value.backward()
        opt.step()
    with torch.no_grad():
        est = torch.istft(spec * torch.sigmoid(logit), n_fft, hop, window=window, length=len(noisy)).numpy()
    before = stoi(clean, noisy, 16000, extended=True)
    after = stoi(clean, est, 16000, extended=True)
    assert after > before + 0.1, (before, after)
