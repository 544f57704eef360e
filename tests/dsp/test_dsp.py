import numpy as np
import pytest
import torch

from hush.dsp import (
    StreamingISTFT,
    StreamingSTFT,
    erb_band_matrix,
    erb_filterbank,
    hann,
    istft,
    mel_filterbank,
    sqrt_hann,
    stft,
    torch_istft,
    torch_stft,
)

CONFIGS = [(512, 256, None), (512, 128, None), (320, 160, None), (400, 100, hann(400)), (64, 32, None)]


@pytest.mark.parametrize("n_fft,hop,window", CONFIGS)
@pytest.mark.parametrize("length", [1, 63, 1000, 4097])
def test_perfect_reconstruction(n_fft, hop, window, length):
    x = np.random.RandomState(length).randn(2, length)
    spec = stft(x, n_fft, hop, window)
    assert spec.shape[-1] == n_fft // 2 + 1
    np.testing.assert_allclose(istft(spec, length, n_fft, hop, window), x, atol=1e-12)


@pytest.mark.parametrize("n_fft,hop,window", CONFIGS)
def test_torch_matches_numpy(n_fft, hop, window):
    x = np.random.RandomState(0).randn(3, 2000)
    spec = stft(x, n_fft, hop, window)
    tspec = torch_stft(torch.tensor(x), n_fft, hop, window)
    np.testing.assert_allclose(tspec.numpy(), spec, atol=1e-10)
    y = torch_istft(tspec, 2000, n_fft, hop, window).numpy()
    np.testing.assert_allclose(y, x, atol=1e-12)


def test_torch_path_is_differentiable():
    x = torch.randn(1, 1600, requires_grad=True)
    y = torch_istft(torch_stft(x, 256, 128) * 0.5, 1600, 256, 128)
    y.pow(2).sum().backward()
    assert torch.allclose(x.grad, 0.5 * 2 * 0.5 * x.detach(), atol=1e-5)


def test_causal_frames_end_at_the_newest_sample():
    # frame k must not contain samples after (k+1)*hop - 1
    n_fft, hop = 512, 256
    x = np.zeros(4096)
    x[1000] = 1.0
    spec = stft(x, n_fft, hop)
    energy = np.abs(spec).sum(axis=1)
    first = np.argmax(energy > 0)
    assert (first + 1) * hop > 1000 >= first * hop  # first frame that sees the impulse is the one ending after it


@pytest.mark.parametrize("n_fft,hop", [(512, 256), (320, 80)])
@pytest.mark.parametrize("chunk", [1, 37, 160, 1000])
def test_streaming_equals_offline(n_fft, hop, chunk):
    x = np.random.RandomState(chunk).randn(3001)
    offline = stft(x, n_fft, hop)
    ana, syn = StreamingSTFT(n_fft, hop), StreamingISTFT(n_fft, hop)
    frames, out = [], []
    for i in range(0, len(x), chunk):
        f = ana.push(x[i : i + chunk])
        frames.append(f)
        out.append(syn.push(f) if len(f) else np.zeros(0))
    f = ana.flush()
    frames.append(f)
    out.append(syn.push(f))
    np.testing.assert_allclose(np.concatenate(frames), offline, atol=1e-12)
    y = np.concatenate(out)[syn.delay :][: len(x)]
    np.testing.assert_allclose(y, x, atol=1e-12)


def test_non_cola_window_is_refused():
    with pytest.raises(ValueError):
        istft(stft(np.zeros(100), 512, 200), 100, 512, 200)


def test_sqrt_hann_is_power_complementary():
    w = sqrt_hann(512)
    np.testing.assert_allclose(w[:256] ** 2 + w[256:] ** 2, 1.0, atol=1e-12)


@pytest.mark.parametrize("fb", [mel_filterbank, erb_filterbank])
def test_filterbanks(fb):
    m = fb(32, 512, 16000)
    assert m.shape == (32, 257)
    assert (m >= 0).all() and (m.max(axis=1) > 0).all()
    centres = np.argmax(m, axis=1)
    assert (np.diff(centres) >= 0).all()  # ordered from low to high
    # low bands are narrower than high bands on both perceptual scales
    widths = (m > 0).sum(axis=1)
    assert widths[:4].mean() < widths[-4:].mean()
    np.testing.assert_allclose(fb(32, 512, 16000, normalize=True).sum(axis=1), 1.0)


def test_erb_band_matrix_partitions_bins():
    m = erb_band_matrix(32, 320, 16000)
    np.testing.assert_array_equal(m.sum(axis=0), 1.0)
    assert (m.sum(axis=1) >= 2).all()
    assert m.shape[1] == 161
