"""The bundled models do not depend on details below audibility: on audio with stretches of exact digital silence (a
muted microphone, VoIP silence suppression, an edited podcast), PyTorch offline, PyTorch streaming and the onnx
backend agree, and noise 100 dB down does not change the output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hush
from hush.inference.backend import with_backend
from hush.inference.streamer import Streamer
from hush.methods import names, resolve
from tests.helpers.signals import pink, speech_like

PRETRAINED = Path(hush.__file__).parent / "pretrained"
pytestmark = pytest.mark.skipif(not (PRETRAINED / "default.pt").exists(), reason="bundled weights not shipped")
SR = 16000
BUNDLED = [n for n in ("default", "hq", "tiny") if n in names()]


def snr_db(ref: np.ndarray, est: np.ndarray) -> float:
    ref, est = np.asarray(ref, np.float64), np.asarray(est, np.float64)
    return float(10 * np.log10(np.sum(ref**2) / max(np.sum((ref - est) ** 2), 1e-30)))


@pytest.fixture(scope="module")
def gapped() -> np.ndarray:
    """12.5 s (1250 frames of 10 ms) of noisy speech-like audio with five gaps of exact zeros, 0.2 to 0.6 s long."""
    parts = []
    for i in range(5):
        s = speech_like(SR, 2.0, seed=i)
        parts += [s + 0.02 * pink(len(s), i).astype(np.float32), np.zeros(int((0.2 + 0.1 * i) * SR), np.float32)]
    x = np.concatenate(parts).astype(np.float32)
    assert len(x) // 160 >= 1000 and np.sum(x == 0) > 0.1 * len(x)
    return x


def stream(method, x: np.ndarray, chunk: int, backend: str = "torch") -> np.ndarray:
    st = Streamer(method, SR, backend=backend)
    out = [st.process(x[i : i + chunk]) for i in range(0, len(x), chunk)] + [st.flush()]
    y = np.concatenate(out)
    return y[st.delay : st.delay + len(x)]


@pytest.mark.parametrize("name", BUNDLED)
def test_inaudible_noise_does_not_change_the_output(name, gapped):
    enh = resolve(name)
    dither = 10 ** (-100 / 20) * np.random.default_rng(0).standard_normal(len(gapped)).astype(np.float32)
    a, b = hush.enhance(gapped, SR, method=enh), hush.enhance(gapped + dither, SR, method=enh)
    assert snr_db(a, b) >= 50.0


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in BUNDLED if resolve(n).causal])
def test_offline_streaming_and_onnx_agree_across_silence(name, gapped, tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    monkeypatch.setenv("HUSH_CACHE_DIR", str(tmp_path))
    enh = resolve(name)
    offline = hush.enhance(gapped, SR, method=enh)
    streamed = stream(name, gapped, 160)
    onnx = hush.enhance(gapped, SR, method=with_backend(enh, "onnx"))
    assert snr_db(offline, streamed) >= 60.0
    assert snr_db(offline, onnx) >= 60.0
    assert snr_db(streamed, onnx) >= 60.0
