"""The exported computation: a streaming STFT model's ``enhance_spec`` on one frame, with its state flattened.

Complex arithmetic is traced in real pairs (:mod:`hush.onnx_backend.complex_pair`) through the model's own
``enhance_spec``, so the graph is the model, not a re-implementation.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from hush.errors import MethodError
from hush.models.stft_mask import STFTModel
from hush.onnx_backend.complex_pair import CPair, complex_as_pairs, to_pair
from hush.onnx_backend.state import flatten, leaf_names, state_spec, unflatten


class ExportError(MethodError):
    """A model that cannot be exported, or an export that failed its numerical check."""


def probe_frames(model: STFTModel, n: int, seed: int = 0, gaps: bool = False) -> torch.Tensor:
    """``(1, n, F)`` spectra of a deterministic test signal (noise + harmonics, speech-like level and spread).

    ``gaps=True`` adds what real calls and edited recordings contain and a model may be fragile to: stretches of
    exact digital silence (a muted microphone) and of near-silence at -90 dBFS, once every 100 frames.
    """
    rng = np.random.RandomState(seed)
    hop = model.hop_size
    t = np.arange((n + 1) * hop + model.n_fft) / model.sample_rate
    x = 0.03 * rng.randn(len(t)) + sum(0.05 / k * np.sin(2 * np.pi * 150 * k * t + k) for k in range(1, 12))
    x *= 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2  # level changes so gains move
    if gaps:
        for k, start in enumerate(range(60 * hop, len(x), 100 * hop)):
            stop = start + 30 * hop
            x[start:stop] = 0.0 if k % 2 == 0 else 10 ** (-90 / 20) * rng.randn(len(x[start:stop]))
    spec = model.stft(torch.tensor(x, dtype=torch.float32)[None])
    return spec[:, :n]


def state_layout(model: STFTModel) -> tuple[dict, list[str], list[torch.Tensor]]:
    """(structure, leaf names, initial flattened state) of ``model``'s ``enhance_spec`` state.

    The structure comes from one frame run from ``init_estimator_state``; it must stay the same on the next frame.
    The initial state is ``init_estimator_state`` flattened, or zeros when that is ``None`` (the models create
    zero states on ``None``; the export check confirms the equivalence).
    """
    frames = probe_frames(model, 2)
    init = model.init_estimator_state(1)
    with torch.no_grad():
        _, _, s1 = model.enhance_spec(frames[:, :1], init)
        _, _, s2 = model.enhance_spec(frames[:, 1:2], s1)
    try:
        spec = state_spec(s1)
    except TypeError as e:
        raise ExportError(f"{model.arch}: cannot export its streaming state ({e})") from None
    if state_spec(s2) != spec:
        raise ExportError(f"{model.arch}: its streaming state changes structure between frames; cannot export")
    leaves = flatten(s1, spec)
    for a, b in zip(leaves, flatten(s2, spec), strict=True):
        if a.shape != b.shape:
            raise ExportError(f"{model.arch}: its streaming state changes shape between frames; cannot export")
    if init is None:
        init_leaves = [torch.zeros_like(x) for x in leaves]
    else:
        if state_spec(init) != spec:
            raise ExportError(f"{model.arch}: init_estimator_state does not match the state structure")
        init_leaves = [x.detach().clone() for x in flatten(init, spec)]
    return spec, leaf_names(spec), init_leaves


class FrameGraph(nn.Module):
    """The exported computation: one frame (real/imag parts) and the flat state in, enhanced frame and state out."""

    def __init__(self, model: STFTModel, spec: dict):
        super().__init__()
        self.model = model
        self.spec = spec

    def forward(self, spec_re: torch.Tensor, spec_im: torch.Tensor, *state: torch.Tensor):
        with complex_as_pairs():
            st = unflatten(self.spec, list(state), pairs=True)
            out, _, new = self.model.enhance_spec(CPair(spec_re, spec_im), st)
            out = to_pair(out)
            flat = flatten(new, self.spec)
        return (out.re, out.im, *flat)
