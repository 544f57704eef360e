"""Shared machinery for models that estimate a gain on a causal STFT.

Subclasses implement ``estimate(spec, state) -> (gain, state)`` over a run of frames, where ``spec`` is the
complex ``(B, K, F)`` spectrum and ``gain`` is a real ``(B, K, F)`` mask or a complex ``(B, K, F)`` ratio mask.
The same method serves the offline pass (all frames, ``state=None``) and ``step`` (one frame, carried state), so
streaming equals offline by construction as long as ``estimate`` is causal along frames.

Lookahead frames. A subclass with ``lookahead_frames = L > 0`` returns from ``enhance_spec`` the enhanced frames
``L`` behind its input (state holds the ``L`` pending spectra) and the input frames they belong to as
``extra["input_spec"]``. ``forward`` pads ``L`` hops of zeros at the end and drops the first ``L`` output frames, so
the offline output stays aligned with the input; ``step`` simply lags ``L`` more hops (``stream_delay``), and
``lookahead`` grows by ``L * hop`` samples. Streaming still equals offline exactly.

Suppression control (:mod:`hush.methods.control`): ``atten_lim_db`` and ``mix`` (off by default) are applied by
:meth:`STFTModel.post_spec` after ``enhance_spec`` in both ``forward`` and ``step``, so they add no latency and
streaming still equals offline.
"""

from __future__ import annotations

from typing import Any

import torch

from hush.dsp.stft import sqrt_hann, synthesis_window, torch_istft, torch_stft
from hush.models.base import SEModel


class STFTModel(SEModel):
    """Analysis (sqrt-Hann, causal framing) → ``estimate`` → masking → suppression control → WOLA synthesis."""

    atten_lim_db: float | None = None  # most suppression per bin in dB (None: no limit); set on inference copies
    mix: float = 1.0  # dry/wet: mix * enhanced + (1 - mix) * noisy
    lookahead_frames: int = 0  # frames of lookahead past the analysis window (see the module docstring)

    def __init__(self, n_fft: int = 512, hop: int = 256, **config: Any):
        super().__init__(n_fft=n_fft, hop=hop, **config)
        self.n_fft, self.hop_size = n_fft, hop
        self.n_bins = n_fft // 2 + 1
        self.register_buffer("window", torch.tensor(sqrt_hann(n_fft), dtype=torch.float32), persistent=False)
        self.register_buffer(
            "syn_window", torch.tensor(synthesis_window(sqrt_hann(n_fft), hop), dtype=torch.float32), persistent=False
        )

    @property
    def lookahead(self) -> int:
        return self.n_fft - 1 + self.lookahead_frames * self.hop_size

    @property
    def stream_delay(self) -> int:
        return self.n_fft - self.hop_size + self.lookahead_frames * self.hop_size

    @property
    def min_length(self) -> int:
        return self.n_fft

    def estimate(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        raise NotImplementedError

    def enhance_spec(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor], Any]:
        """Enhanced spectrum of a run of frames, extra outputs, and the next state.

        The default multiplies by the gain from :meth:`estimate`; models that filter across frames (deep filtering)
        override this instead.
        """
        gain, state = self.estimate(spec, state)
        return spec * gain, {"gain": gain}, state

    def init_estimator_state(self, batch: int) -> Any:
        return None

    def offline_state(self, noisy: torch.Tensor, spec: torch.Tensor) -> Any:
        """The estimator state of a whole-input pass (``None``: from scratch); a model conditioned on the time
        signal (a tagger's embedding) computes its condition here."""
        return None

    def post_spec(self, spec: torch.Tensor, out_spec: torch.Tensor) -> torch.Tensor:
        """Apply ``atten_lim_db`` (at most ``(1 - g) |spec|`` removed per bin, ``g = 10^(-atten_lim_db/20)``, and
        no bin louder than ``spec``: :func:`hush.methods.control.limit_spectrum`) then ``mix``
        (``mix * out + (1 - mix) * spec``); the identity when both are off."""
        if self.atten_lim_db is not None:
            floor = 10.0 ** (-float(self.atten_lim_db) / 20.0)
            mag_in = spec.abs()
            removed = spec - out_spec
            most, mag_r = (1.0 - floor) * mag_in, removed.abs()
            one = torch.ones_like(mag_in)
            out_spec = spec - removed * torch.where(mag_r > most, most / mag_r.clamp_min(1e-20), one)
            mag_out = out_spec.abs()
            out_spec = out_spec * torch.where(mag_out > mag_in, mag_in / mag_out.clamp_min(1e-20), one)
        if self.mix != 1.0:
            out_spec = self.mix * out_spec + (1.0 - self.mix) * spec
        return out_spec

    def stft(self, x: torch.Tensor) -> torch.Tensor:
        return torch_stft(x, self.n_fft, self.hop_size, self.window)

    def forward(self, noisy: torch.Tensor) -> dict[str, torch.Tensor]:
        t = noisy.shape[-1]
        la = self.lookahead_frames
        if la:  # L more frames, so that the delayed output covers every input frame
            noisy = torch.nn.functional.pad(noisy, (0, la * self.hop_size))
        spec = self.stft(noisy)  # (B, K, F)
        out_spec, extra, _ = self.enhance_spec(spec, self.offline_state(noisy, spec))
        if la:
            out_spec, spec = out_spec[:, la:], spec[:, :-la]
            extra = {
                k: v[:, la:] if torch.is_tensor(v) and v.ndim >= 2 and v.shape[1] == out_spec.shape[1] + la else v
                for k, v in extra.items()
                if k != "input_spec"
            }
        out_spec = self.post_spec(spec, out_spec)
        y = torch_istft(out_spec, t, self.n_fft, self.hop_size, syn_window=self.syn_window)
        return {"enhanced": y, "spec": spec, "enhanced_spec": out_spec, **extra}

    # ------------------------------------------------------------------ streaming
    def init_state(self, batch: int = 1) -> dict[str, Any]:
        n, h = self.n_fft, self.hop_size
        return {
            "in": torch.zeros(batch, n - h),
            "ola": torch.zeros(batch, n - h),
            "net": self.init_estimator_state(batch),
        }

    def step(self, hop: torch.Tensor, state: dict[str, Any]) -> tuple[torch.Tensor, dict[str, Any]]:
        """Consume ``(B, n * hop_size)`` samples (``n >= 1`` whole hops) as ``n`` frames in one ``enhance_spec``
        call, with the framing, model and overlap-add state carried; return ``(B, n * hop_size)`` samples."""
        h, n_fft = self.hop_size, self.n_fft
        n = hop.shape[-1] // h
        if n < 1 or hop.shape[-1] != n * h:
            raise ValueError(f"step takes whole hops of {h} samples, got {hop.shape[-1]}")
        buf = torch.cat([state["in"], hop], dim=-1)  # (B, n_fft - h + n * h)
        frames = buf.unfold(-1, n_fft, h)  # (B, n, n_fft)
        spec = torch.fft.rfft(frames * self.window, dim=-1)  # (B, n, F)
        out_spec, extra, net = self.enhance_spec(spec, state["net"])
        out_spec = self.post_spec(extra.get("input_spec", spec), out_spec)
        y = torch.fft.irfft(out_spec, n=n_fft, dim=-1) * self.syn_window  # (B, n, n_fft)
        total = (n - 1) * h + n_fft
        acc = torch.nn.functional.fold(
            y.transpose(1, 2), output_size=(1, total), kernel_size=(1, n_fft), stride=(1, h)
        ).reshape(y.shape[0], total)
        acc = torch.cat([acc[:, : n_fft - h] + state["ola"], acc[:, n_fft - h :]], dim=-1)
        return acc[:, : n * h], {"in": buf[:, n * h :], "ola": acc[:, n * h :], "net": net}


class FeatureSTFTModel(STFTModel):
    """STFTModel whose ``_run`` also returns intermediate features, exposed through ``enhance_spec`` / ``forward``."""

    def _run(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any, dict[str, torch.Tensor]]:
        raise NotImplementedError

    def estimate(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        gain, state, _ = self._run(spec, state)
        return gain, state

    def enhance_spec(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor], Any]:
        gain, state, feats = self._run(spec, state)
        return spec * gain, {"gain": gain, **feats}, state
