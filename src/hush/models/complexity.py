"""Model complexity: parameters and multiply-accumulates per second of audio (torch FLOP counter + STFT)."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from hush.models.base import SEModel


def _rnn_macs(module: nn.RNNBase, steps: int, batch: int) -> int:
    gates = {"LSTM": 4, "GRU": 3}.get(module.mode, 1)
    dirs = 2 if module.bidirectional else 1
    total, inp = 0, module.input_size
    for _ in range(module.num_layers):
        total += dirs * gates * module.hidden_size * (inp + module.hidden_size)
        inp = module.hidden_size * dirs
    return total * steps * batch


def macs_per_second(model: SEModel, seconds: float = 1.0) -> int:
    """MACs to enhance ``seconds`` of audio, divided by ``seconds``; STFT/iSTFT cost included for STFT models."""
    sr = model.sample_rate
    x = torch.randn(1, int(sr * seconds)) * 0.05
    seen: dict[str, tuple[nn.RNNBase, int, int]] = {}
    hooks = []
    for name, mod in model.named_modules():
        if isinstance(mod, nn.RNNBase):

            def hook(m, inp, out, name=name):
                d = inp[0]
                steps, batch = (d.shape[1], d.shape[0]) if m.batch_first else (d.shape[0], d.shape[1])
                prev = seen.get(name, (m, 0, 0))
                seen[name] = (m, prev[1] + steps * batch, 1)

            hooks.append(mod.register_forward_hook(hook))
    counter = FlopCounterMode(display=False)
    was = model.training
    model.eval()
    try:
        with torch.no_grad(), counter:
            model(x)
    finally:
        model.train(was)
        for h in hooks:
            h.remove()
    macs = counter.get_total_flops() // 2
    # GRUs decompose into matmuls the counter sees; fused kernels (LSTM on CPU) are invisible to it: add those.
    counted = {k.split(".", 1)[-1]: sum(v.values()) for k, v in counter.get_flop_counts().items()}
    for name, (mod, steps_batch, _) in seen.items():
        if counted.get(name, 0) == 0:
            macs += _rnn_macs(mod, steps_batch, 1)
    n_fft = getattr(model, "n_fft", 0)
    if n_fft:  # rfft + irfft per frame (~ N/2 log2 N complex butterflies, 2 real MACs each) + windowing
        frames = math.ceil(x.shape[-1] / model.hop_size)
        macs += int(2 * frames * (n_fft * math.log2(n_fft) + 2 * n_fft))
    return int(macs / seconds)


def sampling_cost(model: SEModel) -> tuple[int, int]:
    """For a generative model whose cost grows with its sampling ``steps``: MACs per second of audio for each step
    (the velocity or score network) and for the fixed part (STFT, any predictor), from runs with 1 and 2 steps."""
    steps = model.steps
    try:
        model.steps = 1
        one = macs_per_second(model)
        model.steps = 2
        per_step = macs_per_second(model) - one
    finally:
        model.steps = steps
    return per_step, one - per_step


def describe(model: SEModel) -> dict:
    """The row of ``hush list --models``; generative models add ``steps``, ``macs_per_step`` and ``macs_fixed``."""
    row = {
        "arch": model.arch,
        "parameters": model.num_parameters(),
        "macs_per_second": macs_per_second(model),
        "causal": bool(model.causal),
        "lookahead_ms": round(model.latency_ms, 2),
        "streaming": bool(model.supports_streaming),
        "sample_rate": model.sample_rate,
    }
    if getattr(model, "generative", False):
        per_step, fixed = sampling_cost(model)
        row.update(steps=int(model.steps), macs_per_step=per_step, macs_fixed=fixed)
    return row
