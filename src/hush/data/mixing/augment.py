"""Waveform augmentations for training data.

Each augmentation is a small class registered under a name with ``@register("name")``; it is built
from a config dict by :func:`build_augmentations` and called as ``aug(x, rng, sr)`` on a 1-D float array,
returning a new array of the same length. All randomness comes from the ``rng`` argument, so the result is
a deterministic function of the generator's state.

Config dicts name the augmentation and its probability; every other key is a constructor option::

    [{"name": "gain", "p": 0.5, "min_db": -6, "max_db": 6},
     {"name": "band-limit", "p": 0.2, "mode": "resample", "rates": [8000]}]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import soxr
from scipy.signal import butter, sosfilt

from hush.errors import HushError
from hush.registry import Registry


def _name_class(name: str, cls: type) -> None:
    cls.name = name


AUGMENTATIONS: Registry[type[Augmentation]] = Registry("augmentation", HushError, on_register=_name_class)
register = AUGMENTATIONS.register  # class decorator: @register("gain"); sets ``cls.name``
get = AUGMENTATIONS.get
names = AUGMENTATIONS.names


def _range(value, what: str) -> tuple[float, float]:
    lo, hi = (value, value) if np.isscalar(value) else tuple(value)
    if lo > hi:
        raise HushError(f"{what}: range ({lo}, {hi}) has its low end above its high end")
    return float(lo), float(hi)


class Augmentation:
    """Base class. Subclasses implement :meth:`__call__`; ``p`` is the probability of applying it."""

    name = "?"

    def __init__(self, p: float = 1.0):
        if not 0.0 <= p <= 1.0:
            raise HushError(f"augmentation {self.name}: probability p={p} is not in [0, 1]")
        self.p = float(p)

    def __call__(self, x: np.ndarray, rng: np.random.Generator, sr: int) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({opts})"


@register("gain")
class Gain(Augmentation):
    """Multiply by a gain drawn uniformly in dB from ``[min_db, max_db]``."""

    def __init__(self, min_db: float = -6.0, max_db: float = 6.0, p: float = 1.0):
        super().__init__(p)
        self.min_db, self.max_db = _range((min_db, max_db), "gain")

    def __call__(self, x, rng, sr):
        g = 10.0 ** (rng.uniform(self.min_db, self.max_db) / 20.0)
        return (x * g).astype(x.dtype, copy=False)


@register("time-shift")
class TimeShift(Augmentation):
    """Shift by a random whole number of samples within ±``max_ms``.

    ``mode="circular"`` rolls the signal; ``mode="zero"`` shifts it and fills the vacated samples with zeros.
    """

    def __init__(self, max_ms: float = 500.0, mode: str = "circular", p: float = 1.0):
        super().__init__(p)
        if mode not in ("circular", "zero"):
            raise HushError(f"time-shift: mode must be 'circular' or 'zero', not {mode!r}")
        self.max_ms, self.mode = float(max_ms), mode

    def __call__(self, x, rng, sr):
        m = int(round(self.max_ms * sr / 1000.0))
        k = int(rng.integers(-m, m + 1)) if m > 0 else 0
        if self.mode == "circular":
            return np.roll(x, k)
        y = np.zeros_like(x)
        if k >= 0:
            y[k:] = x[: len(x) - k]
        else:
            y[:k] = x[-k:]
        return y


@register("amp-mod")
class AmpMod(Augmentation):
    """Slow amplitude modulation ``1 - depth·(1 - cos(2π·rate·t + φ))/2``: an envelope between 1-depth and 1.

    ``rate_hz`` and ``depth`` are ranges; each call draws a rate, a depth and a phase.
    """

    def __init__(self, rate_hz: Sequence[float] = (0.1, 2.0), depth: Sequence[float] = (0.2, 0.8), p: float = 1.0):
        super().__init__(p)
        self.rate_hz = _range(rate_hz, "amp-mod rate_hz")
        self.depth = _range(depth, "amp-mod depth")
        if not (0.0 <= self.depth[0] and self.depth[1] <= 1.0):
            raise HushError("amp-mod: depth must lie in [0, 1]")

    def envelope(self, n: int, rng: np.random.Generator, sr: int) -> np.ndarray:
        rate = rng.uniform(*self.rate_hz)
        depth = rng.uniform(*self.depth)
        phase = rng.uniform(0.0, 2.0 * np.pi)
        t = np.arange(n) / sr
        return 1.0 - depth * 0.5 * (1.0 - np.cos(2.0 * np.pi * rate * t + phase))

    def __call__(self, x, rng, sr):
        return (x * self.envelope(len(x), rng, sr)).astype(x.dtype, copy=False)


@register("band-limit")
class BandLimit(Augmentation):
    """Random band limitation, by one of these modes (``"random"`` picks one per call):

    * ``lowpass``: Butterworth low-pass (``order``) at a cutoff drawn from ``cutoff_hz``;
    * ``bandpass``: Butterworth band-pass from ``low_hz`` to a cutoff drawn from ``cutoff_hz``;
    * ``resample``: down to a rate drawn from ``rates`` and back up with soxr (telephone-like narrowband).
    """

    MODES = ("lowpass", "bandpass", "resample")

    def __init__(
        self,
        mode: str = "random",
        cutoff_hz: Sequence[float] = (2000.0, 6000.0),
        low_hz: Sequence[float] = (80.0, 400.0),
        rates: Sequence[int] = (8000, 11025),
        order: int = 8,
        p: float = 1.0,
    ):
        super().__init__(p)
        if mode not in (*self.MODES, "random"):
            raise HushError(f"band-limit: mode must be one of {(*self.MODES, 'random')}, not {mode!r}")
        self.mode = mode
        self.cutoff_hz = _range(cutoff_hz, "band-limit cutoff_hz")
        self.low_hz = _range(low_hz, "band-limit low_hz")
        self.rates = tuple(int(r) for r in ([rates] if np.isscalar(rates) else rates))
        self.order = int(order)

    def __call__(self, x, rng, sr):
        mode = self.MODES[int(rng.integers(len(self.MODES)))] if self.mode == "random" else self.mode
        nyq = sr / 2.0
        if mode == "resample":
            rates = [r for r in self.rates if r < sr]
            if not rates:
                return x.copy()
            low = int(rates[int(rng.integers(len(rates)))])
            y = soxr.resample(soxr.resample(np.asarray(x, np.float32), sr, low), low, sr)
            y = y[: len(x)] if len(y) >= len(x) else np.pad(y, (0, len(x) - len(y)))
            return y.astype(x.dtype, copy=False)
        fc = min(rng.uniform(*self.cutoff_hz), 0.95 * nyq)
        if mode == "lowpass":
            sos = butter(self.order, fc, btype="lowpass", fs=sr, output="sos")
        else:
            lo = min(rng.uniform(*self.low_hz), 0.5 * fc)
            sos = butter(self.order // 2 or 1, [lo, fc], btype="bandpass", fs=sr, output="sos")
        return sosfilt(sos, x).astype(x.dtype, copy=False)


@register("clip")
class Clip(Augmentation):
    """Hard clipping at a level drawn from ``level``: a fraction of the signal's peak (``relative=True``, the
    default) or an absolute amplitude."""

    def __init__(self, level: Sequence[float] = (0.2, 0.8), relative: bool = True, p: float = 1.0):
        super().__init__(p)
        self.level = _range(level, "clip level")
        if self.level[0] <= 0:
            raise HushError("clip: level must be positive")
        self.relative = bool(relative)

    def __call__(self, x, rng, sr):
        c = rng.uniform(*self.level)
        if self.relative:
            c *= float(np.max(np.abs(x))) if len(x) else 0.0
        return np.clip(x, -c, c)


def biquad(kind: str, f0: float, gain_db: float, q: float, sr: int) -> np.ndarray:
    """Second-order section ``[b0, b1, b2, 1, a1, a2]`` of an RBJ Audio-EQ-Cookbook filter.

    ``kind``: ``peaking`` (bell of ``gain_db`` at ``f0``), ``lowshelf`` or ``highshelf`` (shelf of ``gain_db``
    below / above ``f0``; ``q`` is the shelf's Q).
    """
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * np.pi * f0 / sr
    cw, alpha = np.cos(w0), np.sin(w0) / (2.0 * q)
    if kind == "peaking":
        b = [1 + alpha * a, -2 * cw, 1 - alpha * a]
        den = [1 + alpha / a, -2 * cw, 1 - alpha / a]
    elif kind in ("lowshelf", "highshelf"):
        sa = 2.0 * np.sqrt(a) * alpha
        sign = 1.0 if kind == "lowshelf" else -1.0
        b = [
            a * ((a + 1) - sign * (a - 1) * cw + sa),
            sign * 2 * a * ((a - 1) - sign * (a + 1) * cw),
            a * ((a + 1) - sign * (a - 1) * cw - sa),
        ]
        den = [
            (a + 1) + sign * (a - 1) * cw + sa,
            -sign * 2 * ((a - 1) + sign * (a + 1) * cw),
            (a + 1) + sign * (a - 1) * cw - sa,
        ]
    else:
        raise HushError(f"biquad: kind must be peaking, lowshelf or highshelf, not {kind!r}")
    return np.array([*b, *den], np.float64) / den[0]


@register("eq")
class RandomEQ(Augmentation):
    """Random equalisation: 1 to ``max_filters`` cookbook biquads (peaking, low or high shelf), each with a centre
    frequency drawn log-uniformly from ``freq_hz``, a gain from ``gain_db`` and a Q from ``q``; the result has the
    input's RMS. Colours a noise (or a voice) the way another microphone, room or source would, so a model sees
    more spectral shapes than its files have (DeepFilterNet's training uses random biquads the same way)."""

    KINDS = ("peaking", "lowshelf", "highshelf")

    def __init__(
        self,
        max_filters: int = 3,
        freq_hz: Sequence[float] = (40.0, 7000.0),
        gain_db: Sequence[float] = (-15.0, 15.0),
        q: Sequence[float] = (0.5, 1.5),
        p: float = 1.0,
    ):
        super().__init__(p)
        if int(max_filters) < 1:
            raise HushError(f"eq: max_filters must be at least 1, got {max_filters}")
        self.max_filters = int(max_filters)
        self.freq_hz = _range(freq_hz, "eq freq_hz")
        self.gain_db = _range(gain_db, "eq gain_db")
        self.q = _range(q, "eq q")
        if self.freq_hz[0] <= 0 or self.q[0] <= 0:
            raise HushError("eq: freq_hz and q must be positive")

    def __call__(self, x, rng, sr):
        k = int(rng.integers(1, self.max_filters + 1))
        lo, hi = np.log(self.freq_hz[0]), np.log(min(self.freq_hz[1], 0.45 * sr))
        sos = np.stack(
            [
                biquad(
                    self.KINDS[int(rng.integers(len(self.KINDS)))],
                    float(np.exp(rng.uniform(lo, hi))),
                    rng.uniform(*self.gain_db),
                    rng.uniform(*self.q),
                    sr,
                )
                for _ in range(k)
            ]
        )
        y = sosfilt(sos, np.asarray(x, np.float64))
        e_in, e_out = float(np.mean(np.square(x, dtype=np.float64))), float(np.mean(y**2))
        if e_out > 0.0:
            y *= np.sqrt(e_in / e_out)
        return y.astype(x.dtype, copy=False)


@register("speed")
class Speed(Augmentation):
    """Play faster or slower by a factor drawn log-uniformly from ``factor`` (pitch and tempo change together;
    soxr resampling). The output keeps the input's length: cut when slower, looped when faster."""

    def __init__(self, factor: Sequence[float] = (0.8, 1.25), p: float = 1.0):
        super().__init__(p)
        self.factor = _range(factor, "speed factor")
        if self.factor[0] <= 0:
            raise HushError("speed: factor must be positive")

    def __call__(self, x, rng, sr):
        f = float(np.exp(rng.uniform(np.log(self.factor[0]), np.log(self.factor[1]))))
        if len(x) == 0 or abs(f - 1.0) < 1e-6:
            return x.copy()
        y = soxr.resample(np.asarray(x, np.float32), sr * f, sr)  # f x faster: 1/f as many samples
        if len(y) == 0:
            return np.zeros_like(x)
        return np.resize(y, len(x)).astype(x.dtype, copy=False)


@register("codec")
class Codec(Augmentation):
    """A lossy coding pass through libsndfile: encode to a codec drawn from ``codecs`` in memory and decode back.

    Telephone codecs run at 8 kHz (the signal is resampled down and back up with soxr, so it is band-limited to
    4 kHz too): ``ulaw`` and ``alaw`` (G.711, 64 kbit/s), ``g721`` (ADPCM, 32 kbit/s), ``gsm`` (GSM 06.10 full
    rate, 13 kbit/s). Wideband codecs run at the signal's rate with a compression level drawn from ``level``
    (0: best quality, 1: lowest bitrate): ``opus`` (about 130 down to 9 kbit/s at 16 kHz) and ``mp3``. None of
    them delays the signal (checked in the tests); the output keeps the input's length.
    """

    TELEPHONE = {"ulaw": "ULAW", "alaw": "ALAW", "g721": "G721_32", "gsm": "GSM610"}
    WIDEBAND = {"opus": ("OGG", "OPUS"), "mp3": ("MP3", "MPEG_LAYER_III")}

    def __init__(
        self,
        codecs: Sequence[str] = ("ulaw", "gsm", "opus", "mp3"),
        level: Sequence[float] = (0.5, 0.9),
        p: float = 1.0,
    ):
        super().__init__(p)
        known = (*self.TELEPHONE, *self.WIDEBAND)
        bad = [c for c in codecs if c not in known]
        if bad or not codecs:
            raise HushError(f"codec: codecs must be some of {', '.join(known)}, not {list(codecs)}")
        self.codecs = tuple(codecs)
        self.level = _range(level, "codec level")
        if not (0.0 <= self.level[0] and self.level[1] <= 0.95):
            raise HushError("codec: level must lie in [0, 0.95] (libsndfile refuses higher MP3 levels)")

    def __call__(self, x, rng, sr):
        import io

        import soundfile as sf

        name = self.codecs[int(rng.integers(len(self.codecs)))]
        level = rng.uniform(*self.level)
        if len(x) == 0:
            return x.copy()
        y = np.clip(np.asarray(x, np.float32), -1.0, 1.0)
        rate = sr
        if name in self.TELEPHONE:
            rate = 8000
            y = soxr.resample(y, sr, rate) if sr != rate else y
            fmt, sub, kw = "WAV", self.TELEPHONE[name], {}
        else:
            (fmt, sub), kw = self.WIDEBAND[name], {"compression_level": float(level)}
        buf = io.BytesIO()
        sf.write(buf, np.clip(y, -1.0, 1.0), rate, format=fmt, subtype=sub, **kw)
        buf.seek(0)
        y, _ = sf.read(buf, dtype="float32")
        if rate != sr:
            y = soxr.resample(y, rate, sr)
        y = y[: len(x)] if len(y) >= len(x) else np.pad(y, (0, len(x) - len(y)))
        return y.astype(x.dtype, copy=False)


@register("zero-gaps")
class ZeroGaps(Augmentation):
    """Digital silence inside the signal: ``n_gaps`` (a range) spans of exact zeros, each ``gap_ms`` long (a
    range), at random places (DeepFilterNet's RandZeroingTD). Muted microphones, VoIP silence suppression and edits
    look like this; a model that never saw it may settle in any state there."""

    def __init__(self, n_gaps: Sequence[int] = (1, 3), gap_ms: Sequence[float] = (50.0, 600.0), p: float = 1.0):
        super().__init__(p)
        self.n_gaps = tuple(int(v) for v in _range(n_gaps, "zero-gaps n_gaps"))
        self.gap_ms = _range(gap_ms, "zero-gaps gap_ms")
        if self.n_gaps[0] < 0 or self.gap_ms[0] < 0:
            raise HushError("zero-gaps: n_gaps and gap_ms must not be negative")

    def __call__(self, x, rng, sr):
        y = np.array(x, copy=True)
        for _ in range(int(rng.integers(self.n_gaps[0], self.n_gaps[1] + 1))):
            m = min(int(round(rng.uniform(*self.gap_ms) * sr / 1000.0)), len(y))
            start = int(rng.integers(0, len(y) - m + 1))
            y[start : start + m] = 0.0
        return y


@register("edge-silence")
class EdgeSilence(Augmentation):
    """Digital silence at the start, the end or both (drawn with equal odds), up to ``max_fraction`` of the
    length each: a recording that starts before the talker or a stream that ends in silence."""

    def __init__(self, max_fraction: float = 0.3, p: float = 1.0):
        super().__init__(p)
        if not 0.0 <= max_fraction < 1.0:
            raise HushError(f"edge-silence: max_fraction must lie in [0, 1), not {max_fraction}")
        self.max_fraction = float(max_fraction)

    def __call__(self, x, rng, sr):
        y = np.array(x, copy=True)
        where = int(rng.integers(3))  # 0: start, 1: end, 2: both
        head = int(rng.uniform(0, self.max_fraction) * len(y)) if where in (0, 2) else 0
        tail = int(rng.uniform(0, self.max_fraction) * len(y)) if where in (1, 2) else 0
        y[:head] = 0.0
        if tail:
            y[len(y) - tail :] = 0.0
        return y


@register("noise-floor")
class NoiseFloor(Augmentation):
    """Add white noise at an absolute RMS drawn from ``level_db`` (dBFS): the near-silence of a quiet analogue
    input or dither, far below anything audible."""

    def __init__(self, level_db: Sequence[float] = (-110.0, -80.0), p: float = 1.0):
        super().__init__(p)
        self.level_db = _range(level_db, "noise-floor level_db")

    def __call__(self, x, rng, sr):
        rms = 10.0 ** (rng.uniform(*self.level_db) / 20.0)
        return (x + rms * rng.standard_normal(len(x))).astype(x.dtype, copy=False)


class Compose:
    """Applies each augmentation with its probability, in order.

    One uniform number is drawn per augmentation whether or not it is applied, so the draws of later
    augmentations do not shift when a probability changes from 0 to 1.
    """

    def __init__(self, augs: Sequence[Augmentation] = ()):
        self.augs = list(augs)

    def __len__(self) -> int:
        return len(self.augs)

    def __bool__(self) -> bool:
        return bool(self.augs)

    def __call__(self, x: np.ndarray, rng: np.random.Generator, sr: int) -> np.ndarray:
        for aug in self.augs:
            if rng.random() < aug.p:
                x = aug(x, rng, sr)
        return x

    def __repr__(self) -> str:
        return f"Compose({self.augs!r})"


def build_augmentation(spec: dict) -> Augmentation:
    spec = dict(spec)
    name = spec.pop("name", None) or spec.pop("type", None)
    cls = get(name)
    try:
        return cls(**spec)
    except TypeError as e:
        raise HushError(f"augmentation {name!r}: bad options {sorted(spec)} ({e})") from None


def build_augmentations(specs: Sequence[dict] | None) -> Compose:
    """A :class:`Compose` from a list of config dicts (``{"name": ..., "p": ..., **options}``)."""
    return Compose([build_augmentation(s) for s in (specs or [])])
