"""Reptile's outer update: θ + ε (θ' − θ), with θ' the inner PSE steps' result."""

import numpy as np
import torch

from hush.data.mixing.pse import premixtures, synthetic_noise_bank
from hush.data.mixing.synthetic import harmonic_speech
from hush.training.meta_init import ReptileConfig, reptile
from hush.training.personalize import initial_model

SR = 16000
TINY = "gru:hidden=8,n_fft=256,hop=128"


def _tasks():
    rng = np.random.default_rng(0)
    noise = synthetic_noise_bank(count=4, seconds=2.0)
    return [premixtures([0.1 * harmonic_speech(rng, 3 * SR, SR) for _ in range(3)], noise, rng) for _ in range(2)]


def _run(outer_lr: float) -> dict[str, torch.Tensor]:
    model, _, _ = initial_model(TINY, seed=1)
    cfg = ReptileConfig(outer_steps=1, inner_steps=3, outer_lr=outer_lr, batch_size=2)
    reptile(model, _tasks(), synthetic_noise_bank(count=3, seconds=2.0, seed=9), cfg, frame_len=256, hop=64)
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_reptile_step_interpolates_towards_the_inner_result():
    start, _, _ = initial_model(TINY, seed=1)
    theta = start.state_dict()
    none, full, half = _run(0.0), _run(1.0), _run(0.5)
    assert all(torch.equal(none[k], theta[k]) for k in theta)
    assert any(not torch.equal(full[k], theta[k]) for k in theta)  # the inner steps moved the weights
    for k in theta:
        torch.testing.assert_close(half[k], theta[k] + 0.5 * (full[k] - theta[k]), rtol=0, atol=1e-6)
