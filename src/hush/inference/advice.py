"""Advice about a method on a given input: band-limited (telephone) speech for methods not made for it."""

from __future__ import annotations

from hush.audio.bandwidth import BandwidthMeter
from hush.methods.base import Enhancer

BAND_LIMITED_METHOD = "mmse-lsa"  # measured to help on telephone speech where the bundled models hurt it
BAND_LIMITED_WARNING = (
    "input is band-limited (telephone speech, nothing above about 4 kHz); {method} is not trained for it and may "
    f"make it worse: use -m {BAND_LIMITED_METHOD} for such input"
)


def band_limited_warning(enhancer: Enhancer, meter: BandwidthMeter) -> str | None:
    """The one-line warning when ``meter`` found band-limited input and ``enhancer`` does not declare that it
    handles it (``Enhancer.handles_band_limited``, from a model file's ``handles_band_limited`` metadata)."""
    if enhancer.handles_band_limited or not meter.band_limited():
        return None
    return BAND_LIMITED_WARNING.format(method=enhancer.name)
