"""The bundled SNR predictor as shipped: small, with its card, and tracking the true per-frame SNR of the demo clip
(real speech in real game noise; its speaker may be in the training data, so this checks behaviour)."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

import hush
from hush.models.snr import load_predictor, segsnr_target
from hush.pretrained import snr_predictor_path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
pytestmark = pytest.mark.skipif(not snr_predictor_path().exists(), reason="SNR predictor not shipped")


def test_file_is_small_with_a_card():
    path = snr_predictor_path()
    assert path.stat().st_size < 1_000_000 and path.with_suffix(".md").exists()
    p = load_predictor(path)
    assert (p.frame_len, p.hop, p.sample_rate) == (1024, 256, 16000)
    assert p.metrics["urbansound8k"]["mae_db"] < p.metrics["urbansound8k"]["constant_mae_db"]


def test_tracks_the_demo_clips_true_frame_snr():
    clean, sr = sf.read(EXAMPLES / "clean" / "demo.flac", dtype="float32")
    noisy, _ = sf.read(EXAMPLES / "noisy" / "demo.flac", dtype="float32")
    assert sr == 16000
    track = hush.snr(noisy, sr)
    t = lambda a: torch.tensor(a, dtype=torch.float64)[None]  # noqa: E731
    truth = segsnr_target(t(clean), t(noisy - clean), 1024, 256)[0].numpy()
    assert len(track.db) == len(truth)
    assert np.corrcoef(track.db, truth)[0, 1] > 0.6
    assert hush.snr(clean, sr).mean_db > track.mean_db + 10  # the clean reference reads much cleaner
