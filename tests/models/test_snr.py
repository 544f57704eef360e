"""The frame-wise SNR target and predictor: the target's formula, brief training beats a constant, files, tracks."""

import numpy as np
import pytest
import torch

from hush.data.mixing.synthetic import colored_noise, harmonic_speech
from hush.errors import MethodError
from hush.models import snr as snr_mod
from hush.models.snr import SNRPredictor, load_predictor, save_predictor, segsnr_target, snr_track
from hush.training.snr_predictor import SNRTrainConfig, score_predictor, train_predictor

SR = 16000


def test_segsnr_target_equals_the_formula():
    rng = np.random.default_rng(0)
    s, r = rng.standard_normal(3000), 0.3 * rng.standard_normal(3000)
    got = segsnr_target(torch.tensor(s)[None], torch.tensor(r)[None], 512, 128)[0].numpy()
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(512) / 512)
    for j in (0, 7, 16):
        frame = slice(j * 128, j * 128 + 512)
        want = 10 * np.log10(np.sum((w * s[frame]) ** 2) / np.sum((w * r[frame]) ** 2))
        assert got[j] == pytest.approx(want, abs=1e-6)
    # a scaled copy as the residual: the same SNR in every frame; silent speech is the floor
    same = segsnr_target(torch.tensor(s)[None], torch.tensor(s / 10)[None], 512, 128)
    assert torch.allclose(same, torch.full_like(same, 20.0), atol=1e-4)
    silent = segsnr_target(torch.zeros(1, 3000), torch.tensor(r)[None], 512, 128)
    assert torch.all(silent == snr_mod.MIN_DB)


def _pools(seed: int):
    rng = np.random.default_rng(seed)
    speech = [harmonic_speech(rng, 3 * SR, SR) for _ in range(12)]
    noise = [colored_noise(rng, 3 * SR) for _ in range(12)]
    return speech, noise


def test_briefly_trained_predictor_beats_a_constant():
    torch.set_num_threads(1)
    speech, noise = _pools(1)
    model = SNRPredictor(frame_len=512, hop=128, hidden=24, layers=1)
    cfg = SNRTrainConfig(steps=120, batch_size=8, seconds=(1.0, 1.5), lr=5e-3, seed=0)
    train_predictor(speech, noise, cfg, model)
    held_speech, held_noise = _pools(2)  # other generated voices and noises
    s = score_predictor(model, held_speech, held_noise, items=48, seconds=1.5)
    assert s["mae_db"] < 0.7 * s["constant_mae_db"], s
    assert s["corr"] > 0.6, s


def test_predictor_file_round_trip_and_errors(tmp_path):
    model = SNRPredictor(frame_len=256, hop=64, hidden=8, layers=1, bidirectional=False)
    path = save_predictor(model, tmp_path / "snr.pt", metrics={"mae_db": 1.0})
    back = load_predictor(path)
    x = torch.randn(2, 4000) * 0.1
    assert back.config == model.config and back.metrics == {"mae_db": 1.0}
    assert torch.allclose(back.predict(x), model.half().float().predict(x), atol=1e-4)
    (tmp_path / "bad.pt").write_bytes(b"not a file")
    with pytest.raises(MethodError, match="bad.pt: not an SNR predictor file"):
        load_predictor(tmp_path / "bad.pt")
    with pytest.raises(FileNotFoundError, match="missing.pt: SNR predictor file not found"):
        load_predictor(tmp_path / "missing.pt")


def test_long_inputs_in_pieces_keep_every_frame_in_place(monkeypatch):
    model = SNRPredictor(frame_len=256, hop=64, hidden=8, layers=1, bidirectional=False).eval()
    x = harmonic_speech(np.random.default_rng(4), 9000, SR) + 0.05 * np.random.default_rng(5).standard_normal(9000)
    x = x.astype(np.float32)
    whole = snr_track(x, SR, model)
    monkeypatch.setattr(snr_mod, "CHUNK_S", 0.1)  # pieces of 1600 samples = 25 frames, overlapping by 192 samples
    pieces = snr_track(x, SR, model)
    assert len(whole.db) == len(pieces.db) == model.n_frames(9000)
    reference = model.spectral_power(torch.tensor(x)[None]).mean((-1, -2))
    np.testing.assert_allclose(pieces.db[:25], whole.db[:25], atol=1e-5)  # the first piece: the same frames
    # the third piece (samples 3200..) is predicted afresh, measured against the whole input's level
    third = model.predict(torch.tensor(x[3200 : 3200 + 1600 + 192])[None], reference)[0].numpy()
    np.testing.assert_allclose(pieces.db[50:75], third, atol=1e-5)
    assert whole.hop_s == 64 / SR and whole.mean_db == pytest.approx(float(np.mean(whole.db)))
