"""``delay-and-sum``: steer a plane-wave beam towards the talker's direction of arrival (DOA) and average.

The geometry comes from ``--array`` / ``--array-file``. The DOA (azimuth in degrees, in the array's x-y plane,
from +x towards +y) is given with ``doa=AZIMUTH`` or estimated with ``doa=srp`` (SRP-PHAT, the default) or
``doa=music`` through pyroomacoustics' DOA module, over 300-3500 Hz. Offline, one DOA is estimated from the whole
signal. ``online=true`` estimates it from the last ``window_s`` seconds every ``every_s`` seconds (the reference
channel passes through until the first estimate) and streams; with a given DOA every frame uses it at once.
"""

from __future__ import annotations

import numpy as np

from hush.dsp.spatial import SOUND_SPEED, direction_vector, plane_wave_steering
from hush.dsp.stft import frame_setup, istft, stft
from hush.errors import MethodError, MissingExtraError
from hush.methods.multichannel import MultiChannelEnhancer, MultiStreamProcessor
from hush.multichannel.framing import FrameStream, Immediate, run_stream
from hush.multichannel.weights import apply_weights, delay_and_sum

DOA_ALGORITHMS = {"srp": "SRP", "music": "MUSIC"}
FREQ_RANGE = (300.0, 3500.0)


def estimate_doa(spec: np.ndarray, positions: np.ndarray, sr: int, n_fft: int, algorithm: str = "srp") -> float:
    """Azimuth in degrees of the strongest source in ``spec`` ``(C, K, F)`` (pyroomacoustics SRP-PHAT or MUSIC)."""
    try:
        import pyroomacoustics as pra
    except ModuleNotFoundError:
        raise MissingExtraError("DOA estimation", "multichannel") from None
    doa = pra.doa.algorithms[DOA_ALGORITHMS[algorithm]](
        np.asarray(positions, np.float64)[:, :2].T, sr, n_fft, c=SOUND_SPEED, num_src=1
    )
    doa.locate_sources(np.transpose(spec, (0, 2, 1)), freq_range=list(FREQ_RANGE))
    return float(np.rad2deg(doa.azimuth_recon[0]))


class DelayAndSum(MultiChannelEnhancer):
    """Delay-and-sum beamformer towards a given or estimated DOA; see the module docstring."""

    name = "delay-and-sum"
    description = "delay-and-sum beamformer (DOA given or by SRP-PHAT / MUSIC), reference channel out"
    needs_geometry = True
    sample_rate = None

    def __init__(
        self, doa: str | float = "srp", ref: int = 0, online: bool = False, window_s: float = 1.0, every_s: float = 0.25
    ):
        if isinstance(doa, str) and doa not in DOA_ALGORITHMS:
            raise MethodError(f"{self.name}: doa must be an azimuth in degrees, srp or music, got {doa!r}")
        self.doa, self.ref, self.online = doa, int(ref), bool(online)
        self.window_s, self.every_s = float(window_s), float(every_s)
        self.causal = self.online or not isinstance(doa, str)
        self.last_doa: float | None = float(doa) if not isinstance(doa, str) else None

    def lookahead(self, sr: int) -> int:
        return frame_setup(sr)[0] - 1

    def min_length(self, sr: int) -> int:
        return frame_setup(sr)[0]

    def _weights(self, azimuth: float, sr: int, n_fft: int) -> np.ndarray:
        freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
        d = plane_wave_steering(self.geometry.positions, direction_vector(azimuth), freqs, self.ref)
        return delay_and_sum(d)

    def enhance_multi(self, x: np.ndarray, sr: int) -> np.ndarray:
        x = np.asarray(x, np.float64)
        self.check_channels(x.shape[0])
        if self.online:
            return run_stream(self.stream_multi(sr), x)
        n_fft, hop = frame_setup(sr)
        spec = stft(x, n_fft, hop)
        az = estimate_doa(spec, self.geometry.positions, sr, n_fft, self.doa) if isinstance(self.doa, str) else self.doa
        self.last_doa = float(az)
        return istft(apply_weights(self._weights(az, sr, n_fft), spec), x.shape[1], n_fft, hop)[None].astype(np.float32)

    def stream_multi(self, sr: int) -> MultiStreamProcessor:
        if not self.causal:
            raise NotImplementedError(f"{self.name} with an estimated DOA streams only with online=true")
        n_fft, hop = frame_setup(sr)
        window = max(int(round(self.window_s * sr / hop)), 4)
        every = max(int(round(self.every_s * sr / hop)), 1)
        fixed = None if isinstance(self.doa, str) else self._weights(float(self.doa), sr, n_fft)
        state: dict = {}

        def reset() -> None:
            state.update(frames=[], w=fixed, k=0)

        def op(frame: np.ndarray, _: np.ndarray) -> np.ndarray:
            if fixed is None:
                state["frames"] = (state["frames"] + [frame])[-window:]
                state["k"] += 1
                if state["k"] % every == 0 and len(state["frames"]) >= min(window, 4 * every):
                    spec = np.stack(state["frames"], axis=1)
                    az = estimate_doa(spec, self.geometry.positions, sr, n_fft, self.doa)
                    self.last_doa = az
                    state["w"] = self._weights(az, sr, n_fft)
            w = state["w"]
            return (frame[self.ref] if w is None else np.einsum("fc,cf->f", w.conj(), frame))[None]

        reset()
        src = Immediate(lambda f: np.zeros(0), reset)
        geometry_channels = self.geometry.channels if self.geometry is not None else 2
        return FrameStream(geometry_channels, n_fft, hop, src, op, 1)


__all__ = ["DelayAndSum", "estimate_doa"]
