"""Audio I/O (soundfile), resampling (soxr) and the input policy."""

from hush.audio.checks import SignalStats, validate_array
from hush.audio.io import AUDIO_EXTENSIONS, AudioInfo, atomic_path, iter_blocks, peak_gain, probe, read, write
from hush.audio.resample import StreamResampler, resample

__all__ = [
    "AUDIO_EXTENSIONS",
    "AudioInfo",
    "SignalStats",
    "StreamResampler",
    "atomic_path",
    "iter_blocks",
    "peak_gain",
    "probe",
    "read",
    "resample",
    "validate_array",
    "write",
]
