"""A service app under FastAPI's test client, with fast classical methods first and the bundled model."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from tests.helpers.signals import mix_at_snr, speech_like

pytest.importorskip("fastapi", reason="hush[serve] not installed")
pytest.importorskip("httpx", reason="httpx not installed (hush[serve-test])")


def wav_bytes(x: np.ndarray, sr: int = 16000, fmt: str = "WAV", subtype: str = "PCM_16") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, x, sr, format=fmt, subtype=subtype)
    return buf.getvalue()


def noisy_signal(seconds: float = 2.0, sr: int = 16000, seed: int = 0) -> np.ndarray:
    clean = speech_like(sr=sr, seconds=seconds, seed=seed)
    return mix_at_snr(clean, np.random.default_rng(seed + 1).standard_normal(len(clean)), 5.0)


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from hush.service import ServiceConfig, create_app

    app = create_app(ServiceConfig(methods=("wiener", "mmse-lsa", "default"), max_upload_mb=1, max_seconds=20))
    with TestClient(app) as c:
        assert app.state.hush.catalog.wait(60)
        yield c
