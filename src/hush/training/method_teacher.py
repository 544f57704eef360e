"""A frozen distillation teacher made of any registered enhancement method (a peer system or a classical method).

``distill.teacher: method:deepfilternet3`` distils the output of a method that is not a torch model file, e.g. a
peer run through its own runtime (ONNX, a C library). The teacher only gives output targets (``distill.output``),
never layers, so feature and attention terms need a model-file teacher. Each batch row is enhanced on its own
(resampled to the method's rate and back, delay-compensated as in ``hush enhance``), rows in parallel threads:
the peers' native runtimes release the GIL.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from torch import Tensor, nn

PREFIX = "method:"


class MethodTeacher(nn.Module):
    """``forward(noisy (B, T)) -> {"enhanced": (B, T)}`` with the method ``name`` at ``sample_rate``."""

    def __init__(self, name: str, sample_rate: int, workers: int = 2):
        super().__init__()
        from hush.methods.registry import resolve

        self.name = name
        self.enhancer = resolve(name)
        self.sample_rate = int(sample_rate)
        self.arch = "method"
        self.config = {"method": name, "sample_rate": self.sample_rate}
        work = self.enhancer.sample_rate or self.sample_rate
        self.min_length = int(np.ceil(self.enhancer.min_length(work) * self.sample_rate / work))
        self.workers = max(1, int(workers))

    def _row(self, x: np.ndarray) -> np.ndarray:
        from hush.inference.arrays import enhance_array

        return enhance_array(x, self.sample_rate, self.enhancer)

    @torch.no_grad()
    def forward(self, noisy: Tensor) -> dict[str, Tensor]:
        x = noisy.detach().cpu().float().numpy()
        # once around all rows: the warnings filter is process-wide state, not safe to change from the row threads
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # silent training segments are expected
            if self.workers == 1 or len(x) == 1:
                rows = [self._row(r) for r in x]
            else:
                with ThreadPoolExecutor(min(self.workers, len(x))) as pool:
                    rows = list(pool.map(self._row, x))
        return {"enhanced": torch.from_numpy(np.stack(rows)).to(noisy.device, noisy.dtype)}


def load_teacher(spec: str, sample_rate: int) -> nn.Module:
    """``method:<name>`` gives a :class:`MethodTeacher`; anything else is a model file (``hush.models.load``)."""
    if spec.startswith(PREFIX):
        return MethodTeacher(spec[len(PREFIX) :], sample_rate)
    from hush.models.model_file import load

    return load(spec)
