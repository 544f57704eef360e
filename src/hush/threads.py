"""Process-wide runtime settings (thread counts)."""

from __future__ import annotations

import os
import sys


def set_threads(n: int) -> None:
    """Pin intra-op threads for numpy's BLAS (via env, effective in new processes), torch and onnxruntime users."""
    n = max(int(n), 1)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(n)
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(n)

