"""Fixtures shared by every test module (helpers live in :mod:`tests.helpers`)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.helpers.signals import mix_at_snr, speech_like


@pytest.fixture
def speech():
    return speech_like()


@pytest.fixture
def noisy(speech):
    rng = np.random.RandomState(1)
    return mix_at_snr(speech, rng.randn(len(speech)), 5.0)


# One intra-op thread: faster for the tiny models of the suite and fair on a shared 2-core machine.
torch.set_num_threads(1)
