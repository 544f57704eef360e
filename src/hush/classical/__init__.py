"""Classical single-channel enhancers (registered in :mod:`hush.methods` as kind ``"classical"``).

* ``spectral-subtraction`` -- Boll (1979) with Berouti et al. (1979) over-subtraction and spectral floor;
* ``wiener`` -- Wiener gain with the decision-directed a-priori SNR (Scalart & Vieira 1996);
* ``mmse-stsa`` -- Ephraim & Malah (1984) short-time spectral amplitude estimator;
* ``mmse-lsa`` -- Ephraim & Malah (1985) log-spectral amplitude estimator;
* ``wpe`` -- weighted prediction error dereverberation (nara-wpe), offline or online.

The denoisers take ``noise_tracker="spp"`` (Gerkmann & Hendriks 2012, default) or ``"minimum-statistics"``
(Martin 2001); they are frame-recursive and causal, work at any rate, and stream. ``wpe`` streams with
``online=true``.
"""

from hush.classical.enhancers import (
    ClassicalEnhancer,
    FrameProcessor,
    MMSELSAEnhancer,
    MMSESTSAEnhancer,
    SpectralSubtractionEnhancer,
    WienerEnhancer,
)
from hush.classical.noise_tracking import MinimumStatistics, NoiseTracker, SPPNoiseTracker, make_tracker
from hush.classical.wpe import WPEEnhancer

__all__ = [
    "ClassicalEnhancer",
    "FrameProcessor",
    "MMSELSAEnhancer",
    "MMSESTSAEnhancer",
    "MinimumStatistics",
    "NoiseTracker",
    "SPPNoiseTracker",
    "SpectralSubtractionEnhancer",
    "WPEEnhancer",
    "WienerEnhancer",
    "make_tracker",
]
