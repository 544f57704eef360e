"""Spatial DSP: diffuse-field coherence, covariances and the distortionless MVDR response."""

import numpy as np
from scipy.signal import csd, welch

from hush.dsp.spatial import (
    RecursiveCovariance,
    diffuse_coherence,
    direction_vector,
    impose_coherence,
    plane_wave_steering,
    spatial_covariance,
)
from hush.multichannel.geometry import linear
from hush.multichannel.weights import mvdr_steering, souden_mwf

SR = 16000


def test_diffuse_noise_has_the_theoretical_coherence():
    g = linear(3, 0.08)  # pairs at 8 and 16 cm
    n_fft, hop = 512, 256
    freqs = np.fft.rfftfreq(n_fft, 1 / SR)
    white = np.random.default_rng(0).standard_normal((3, 30 * SR))
    x = impose_coherence(white, diffuse_coherence(g.positions, freqs), n_fft, hop)
    f, pxx = welch(x, SR, nperseg=512)
    band = (f > 100) & (f < 7000)
    for i, j in [(0, 1), (0, 2)]:
        _, pxy = csd(x[i], x[j], SR, nperseg=512)
        measured = np.real(pxy / np.sqrt(pxx[i] * pxx[j]))
        d = np.linalg.norm(g.positions[i] - g.positions[j])
        theory = np.sinc(2 * f * d / 343.0)
        err = np.abs(measured - theory)[band]
        assert err.mean() < 0.03 and err.max() < 0.12, (d, err.mean(), err.max())
        # far from an independent pair's zero where the field is coherent (low frequencies)
        assert measured[(f > 100) & (f < 400)].min() > 0.75


def test_recursive_covariance_with_unit_forgetting_is_the_offline_estimate():
    rng = np.random.default_rng(1)
    spec = rng.standard_normal((3, 50, 9)) + 1j * rng.standard_normal((3, 50, 9))
    w = rng.uniform(size=(50, 9))
    rec = RecursiveCovariance(9, 3, forgetting=1.0)
    for k in range(50):
        rec.update(spec[:, k], w[k])
    np.testing.assert_allclose(rec.value, spatial_covariance(spec, w), rtol=1e-12, atol=1e-12)


def _random_psd(rng, f, c):
    a = rng.standard_normal((f, c, c)) + 1j * rng.standard_normal((f, c, c))
    return a @ np.swapaxes(a.conj(), -1, -2) + 0.1 * np.eye(c)


def test_mvdr_is_distortionless_towards_its_steering_vector():
    rng = np.random.default_rng(2)
    g = linear(4, 0.05)
    freqs = np.fft.rfftfreq(512, 1 / SR)
    d = plane_wave_steering(g.positions, direction_vector(35.0), freqs)  # synthetic plane wave, unit at mic 0
    phi_n = _random_psd(rng, len(freqs), 4)
    w = mvdr_steering(d, phi_n, load=0.0)
    np.testing.assert_allclose(np.einsum("fc,fc->f", w.conj(), d), 1.0, atol=1e-6)
    # Souden's form sees the same plane wave only through a rank-one speech covariance, and must agree
    phi_s = 3.0 * np.einsum("fc,fd->fcd", d, d.conj())
    ws = souden_mwf(phi_s, phi_n, ref=0, mu=0.0, load=0.0)
    np.testing.assert_allclose(np.einsum("fc,fc->f", ws.conj(), d), 1.0, atol=1e-6)
    # the noise it leaves is the least any distortionless filter can leave: less than delay-and-sum's
    out_mvdr = np.real(np.einsum("fc,fcd,fd->f", w.conj(), phi_n, w))
    das = d / 4
    out_das = np.real(np.einsum("fc,fcd,fd->f", das.conj(), phi_n, das))
    assert np.all(out_mvdr <= out_das * (1 + 1e-9))
