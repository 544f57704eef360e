"""Delay calibration of the peer adapters: a speech-like probe and a cross-correlation lag estimate.

``python -m hush.peers._calib`` prints, for every available peer, the lag of the raw (uncompensated) output
and the residual lag of the adapter's output against its input; the tables in the peer modules' docstrings
come from it.
"""

from __future__ import annotations

import numpy as np


def speech_like(sr: int, seconds: float = 2.0, seed: int = 0, noise: float = 0.003, f0: float = 140.0) -> np.ndarray:
    """A voiced-speech stand-in: a harmonic complex with a gliding f0 (``f0`` +- ~55 Hz), slowly varying
    spectral tilt, a 3 Hz syllabic on/off envelope (half of every 1/3 s silent) and light white noise.

    Harmonics stop below ``min(7 kHz, sr/2 - 200 Hz)``; the peak amplitude is 0.3 before the noise.
    """
    rng = np.random.default_rng(seed)
    n = int(round(sr * seconds))
    t = np.arange(n) / sr
    f = f0 + 40 * np.sin(2 * np.pi * 0.7 * t) + 15 * np.sin(2 * np.pi * 2.3 * t + 1.0)
    phase = 2 * np.pi * np.cumsum(f) / sr
    top = min(7000.0, sr / 2 - 200.0)
    x = np.zeros(n)
    for k in range(1, 40):
        amp = (1.0 + 0.5 * np.sin(2 * np.pi * 0.18 * k * t + k)) / k
        x += amp * np.sin(k * phase) * (k * f < top)
    x *= np.clip(np.sin(2 * np.pi * 3.0 * t), 0.0, None) ** 0.7
    x *= 0.3 / np.max(np.abs(x))
    x += noise * rng.standard_normal(n)
    return x.astype(np.float32)


def speech_mask(sr: int, seconds: float = 2.0) -> np.ndarray:
    """Boolean mask of the samples where :func:`speech_like`'s envelope is on (same ``sr``/``seconds``)."""
    n = int(round(sr * seconds))
    return np.sin(2 * np.pi * 3.0 * np.arange(n) / sr) > 0


def xcorr_lag(y: np.ndarray, x: np.ndarray, max_lag: int = 4000) -> tuple[int, float]:
    """Lag of ``y`` behind ``x`` in samples (positive: ``y`` is late): the integer peak of the
    cross-correlation within ``+-max_lag`` and its parabolic (fractional) refinement."""
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    n = len(x) + len(y)
    nfft = 1 << (n - 1).bit_length()
    c = np.fft.irfft(np.fft.rfft(y, nfft) * np.conj(np.fft.rfft(x, nfft)), nfft)
    max_lag = min(max_lag, nfft // 2 - 1)
    c = np.concatenate([c[-max_lag:], c[: max_lag + 1]])
    i = int(np.argmax(c))
    frac = 0.0
    if 0 < i < len(c) - 1:
        a, b, d = c[i - 1], c[i], c[i + 1]
        den = a - 2 * b + d
        frac = 0.5 * (a - d) / den if den != 0 else 0.0
    return i - max_lag, i - max_lag + frac


def si_sdr(est: np.ndarray, ref: np.ndarray) -> float:
    """Scale-invariant SDR in dB."""
    est = np.asarray(est, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    target = np.dot(est, ref) / (np.dot(ref, ref) + 1e-12) * ref
    noise = est - target
    return float(10 * np.log10((np.dot(target, target) + 1e-12) / (np.dot(noise, noise) + 1e-12)))


def measure(enhancer, sr: int | None = None, **probe) -> dict:
    """Lags on the probe: ``raw`` (peer output before compensation, where the adapter exposes ``_run``),
    ``residual`` (adapter output vs input) and ``residual_ref`` (vs the peer's ``alignment_reference``)."""
    sr = enhancer.sample_rate or sr or 16000
    x = speech_like(sr, **probe)
    res: dict = {"sr": sr, "delay": getattr(enhancer, "delay", 0)}
    run = getattr(enhancer, "_run", None)
    if run is not None:
        res["raw"] = xcorr_lag(run(x), x)
    y = enhancer.enhance(x, sr)
    res["residual"] = xcorr_lag(y, x)
    ref = getattr(enhancer, "alignment_reference", None)
    if ref is not None:  # the signal the peer really aligns with (RNNoise: its own DC-blocked input)
        res["residual_ref"] = xcorr_lag(y, ref(x))
    return res


def main() -> None:  # pragma: no cover - manual calibration
    from hush.methods import resolve
    from hush.peers import PEERS, available

    ok = available()
    for name in PEERS:
        if ok[name] is not True:
            print(f"{name:15s} unavailable: {ok[name]}")
            continue
        enh = resolve(name)
        rates = [enh.sample_rate] if enh.sample_rate else [16000, 48000]
        for sr in rates:
            for f0 in (110.0, 140.0, 200.0, 300.0):
                r = measure(enh, sr, f0=f0)
                raw = f"raw {r['raw'][0]:5d} ({r['raw'][1]:9.3f})" if "raw" in r else "raw     -"
                print(
                    f"{name:15s} {sr:6d} Hz f0 {f0:5.0f}  delay {r['delay']:5d}  {raw}  "
                    f"residual {r['residual'][0]:3d} ({r['residual'][1]:+.4f})"
                    + (
                        f"  vs reference {r['residual_ref'][0]:3d} ({r['residual_ref'][1]:+.4f})"
                        if "residual_ref" in r
                        else ""
                    )
                )


if __name__ == "__main__":  # pragma: no cover
    main()
