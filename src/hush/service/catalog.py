"""The methods a service instance offers: loaded once, warmed up, described for ``GET /v1/methods``.

Readiness (``GET /readyz``) means every served method is loaded and has enhanced one second of noise, which also
measures its real-time factor on this machine.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import numpy as np

import hush
from hush.errors import HushError
from hush.methods import Enhancer, entries, parse_spec

log = logging.getLogger("hush.service")

WARMUP_RATE = 16000


@dataclass
class MethodInfo:
    name: str
    enhancer: Enhancer
    kind: str = ""
    description: str = ""
    rtf: float | None = None  # processing time / audio time of the warm-up second, one thread

    def describe(self) -> dict:
        enh = self.enhancer
        work_sr = enh.sample_rate or WARMUP_RATE
        lookahead = enh.lookahead(work_sr)
        params = _parameters(enh)
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "sample_rate": enh.sample_rate,
            "causal": bool(enh.causal),
            "streaming": bool(enh.causal),
            "latency_ms": round(1000.0 * lookahead / work_sr, 3) if enh.causal else None,
            "parameters": params,
            "size_mb": round(params * 4 / 1e6, 3) if params else 0.0,
            "rtf": None if self.rtf is None else round(self.rtf, 4),
        }


def _parameters(enh: Enhancer) -> int:
    """Learned parameters of a neural method (0 for classical ones)."""
    model = getattr(enh, "model", None)
    params = getattr(model, "parameters", None)
    return int(sum(p.numel() for p in params())) if callable(params) else 0


@dataclass
class Catalog:
    """Served methods by name; :meth:`load` fills it (on a background thread at start-up)."""

    specs: tuple[str, ...]
    warmup: bool = True
    methods: dict[str, MethodInfo] = field(default_factory=dict)
    error: str | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    @property
    def default(self) -> str:
        return self.specs[0]

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self.error is None

    def wait(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout) and self.error is None

    def load(self) -> None:
        kinds = {e.name: e for e in entries()}
        try:
            for spec in self.specs:
                t0 = time.perf_counter()
                enh = hush.load_method(spec)
                base = kinds.get(parse_spec(spec)[0])
                info = MethodInfo(spec, enh, base.kind if base else "file", base.description if base else spec)
                if self.warmup:
                    noise = np.random.default_rng(0).standard_normal(WARMUP_RATE).astype(np.float32) * 0.05
                    t1 = time.perf_counter()
                    hush.enhance(noise, WARMUP_RATE, enh)
                    info.rtf = time.perf_counter() - t1
                self.methods[spec] = info
                log.info("loaded %s in %.2f s", spec, time.perf_counter() - t0)
        except HushError as e:
            self.error = str(e)
            log.error("cannot load the served methods: %s", e)
        except Exception as e:  # a broken model file must not leave the service half-up and silent
            self.error = f"{type(e).__name__}: {e}"
            log.error("cannot load the served methods: %s", self.error)
        finally:
            self._ready.set()

    def get(self, name: str) -> MethodInfo | None:
        return self.methods.get(name)
