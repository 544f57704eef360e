"""A malicious pickle for the checkpoint-loading tests."""

from __future__ import annotations

from pathlib import Path

import torch


class RunsCode:
    """Creates a marker file when unpickled by a loader that executes code (what ``weights_only=False`` allows)."""

    def __init__(self, marker: str | Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def save_malicious(path: Path, marker: Path, wrap: bool = True) -> Path:
    """A ``.pt`` whose unpickling would create ``marker``; ``wrap`` puts it inside a model-file-like dict."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = RunsCode(marker)
    torch.save({"format": "hush-model", "version": 1, "model": payload} if wrap else payload, path)
    return path
