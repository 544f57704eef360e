"""hush: speech enhancement toolkit.

>>> import hush
>>> clean = hush.enhance(noisy, 16000)                  # bundled default method
>>> clean = hush.enhance(noisy, 44100, method="wiener")  # any rate, any channel count
"""

from hush.api import (
    enhance,
    enhance_file,
    enhance_many,
    evaluate,
    load_method,
    load_model,
    personalize,
    snr,
    tag,
)
from hush.errors import AudioError, HushError, MethodError
from hush.inference import Streamer
from hush.version import __version__

__all__ = [
    "AudioError",
    "HushError",
    "MethodError",
    "Streamer",
    "__version__",
    "enhance",
    "enhance_file",
    "enhance_many",
    "evaluate",
    "load_method",
    "load_model",
    "personalize",
    "snr",
    "tag",
]
