"""The re-implemented tagger against the reference outputs of the upstream code (the shared tagger folder's
sanity.json): log-mel, logits, probabilities and embedding of four generated 10 s signals."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from hush.tagging import DEFAULT_WEIGHTS, load_tagger
from hush.tagging.features import LogMel

SHARED = Path(__file__).resolve().parents[3] / "shared" / "models" / "audioset-tagger"  # ../shared beside the checkout
pytestmark = pytest.mark.skipif(not (SHARED / "sanity.json").exists(), reason="shared tagger folder absent")


def _signal(name: str) -> np.ndarray:
    n = np.arange(320000)
    if name == "silence":
        return np.zeros(320000, np.float32)
    if name == "sine_1khz":
        return (0.1 * np.sin(2 * np.pi * 1000 * n / 32000)).astype(np.float32)
    if name == "white_noise":
        return np.random.default_rng(0).normal(0.0, 0.05, 320000).astype(np.float32)
    t = n / 32000
    s = np.zeros(320000)
    for k in range(1, 11):
        s += np.sin(2 * np.pi * 220 * k * t) / k
    return (0.1 * 0.5 * (1 + np.sin(2 * np.pi * 4 * t)) * s).astype(np.float32)


def _reference() -> dict:
    return json.loads((SHARED / "sanity.json").read_text())["inputs"]


def test_shipped_weights_are_the_shared_file():
    shipped = hashlib.sha256(DEFAULT_WEIGHTS.read_bytes()).hexdigest()
    assert shipped == json.loads((SHARED / "sanity.json").read_text())["weights_sha256"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["silence", "sine_1khz", "white_noise", "harmonic_220hz_am4hz"])
def test_matches_upstream(name):
    ref = _reference()[name]
    x = torch.from_numpy(_signal(name))[None]
    tagger = load_tagger()
    with torch.no_grad():
        mel = LogMel()(x)
        logits, emb = tagger(x)
    assert list(mel.shape) == ref["mel_shape"]
    np.testing.assert_allclose(mel[0, :5, 0].numpy(), ref["logmel_frame0_bins0to4_normalized"], atol=1e-4)
    np.testing.assert_allclose((mel[0, :5, 0] * 5 - 4.5).numpy(), ref["logmel_frame0_bins0to4_raw_log"], atol=5e-4)
    assert abs(float(mel.mean()) - ref["logmel_normalized_mean"]) < 1e-4
    assert abs(float(mel.std(correction=0)) - ref["logmel_normalized_std"]) < 1e-4
    probs = torch.sigmoid(logits[0])
    top = torch.argsort(probs, descending=True)[:5].tolist()
    assert top == [t["index"] for t in ref["top5"]]
    np.testing.assert_allclose(probs[top].numpy(), [t["prob"] for t in ref["top5"]], atol=1e-4)
    np.testing.assert_allclose(logits[0, top].numpy(), [t["logit"] for t in ref["top5"]], atol=1e-4)
    assert abs(float(logits.mean()) - ref["logits_mean"]) < 1e-4
    assert abs(float(logits.std(correction=0)) - ref["logits_std"]) < 1e-4
    assert emb.shape[-1] == ref["embedding_size"]
    np.testing.assert_allclose(emb[0, :5].numpy(), ref["embedding_first5"], atol=1e-4)
    assert abs(float(emb.mean()) - ref["embedding_mean"]) < 1e-4
    assert abs(float(emb.std(correction=0)) - ref["embedding_std"]) < 1e-4
