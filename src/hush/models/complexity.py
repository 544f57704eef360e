"""Model complexity: parameters and multiply-accumulates per second of audio (torch FLOP counter + STFT)."""

from __future__ import annotations

import math

import torch
from torch.utils.flop_counter import FlopCounterMode

from hush.models.base import SEModel


def macs_per_second(model: SEModel, seconds: float = 1.0) -> int:
    """MACs to enhance ``seconds`` of audio, divided by ``seconds``; STFT/iSTFT cost included for STFT models."""
    sr = model.sample_rate
    x = torch.randn(1, int(sr * seconds)) * 0.05
    counter = FlopCounterMode(display=False)
    was = model.training
    model.eval()
    try:
        with torch.no_grad(), counter:
            model(x)
    finally:
        model.train(was)
    macs = counter.get_total_flops() // 2  # on CPU, recurrent layers decompose into counted matmuls
    n_fft = getattr(model, "n_fft", 0)
    if n_fft:  # rfft + irfft per frame (~ N/2 log2 N complex butterflies, 2 real MACs each) + windowing
        frames = math.ceil(x.shape[-1] / model.hop_size)
        macs += int(2 * frames * (n_fft * math.log2(n_fft) + 2 * n_fft))
    return int(macs / seconds)


def describe(model: SEModel) -> dict:
    """The row of ``hush list --models``."""
    return {"arch": model.arch, "parameters": model.num_parameters(), "macs_per_second": macs_per_second(model),
            "causal": bool(model.causal), "lookahead_ms": round(model.latency_ms, 2),
            "streaming": bool(model.supports_streaming), "sample_rate": model.sample_rate}
