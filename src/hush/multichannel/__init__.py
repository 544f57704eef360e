"""Multi-channel enhancement: beamformers (``delay-and-sum``, ``mvdr``, ``mwf``), their mask sources, linked-channel
enhancement and array geometries (registered in :mod:`hush.methods` as kind ``"array"``).

Beamformers take ``(C, T)`` and return the reference channel; cascade one with a single-channel post-filter as
``mvdr+default`` (:mod:`hush.methods.cascade`).
"""

from hush.methods.registry import register
from hush.multichannel.beamformers import MVDR, MWF, MaskBeamformer
from hush.multichannel.das import DelayAndSum, estimate_doa
from hush.multichannel.geometry import ArrayGeometry, parse_array, read_array_file
from hush.multichannel.linked import LinkedChannels, link_channels
from hush.multichannel.masks import MaskSource, MethodMask, OracleMask, SPPMask, make_mask

register("mvdr", "array", MVDR.description)(MVDR)
register("mwf", "array", MWF.description)(MWF)
register("delay-and-sum", "array", DelayAndSum.description)(DelayAndSum)

__all__ = [
    "MVDR",
    "MWF",
    "ArrayGeometry",
    "DelayAndSum",
    "LinkedChannels",
    "MaskBeamformer",
    "MaskSource",
    "MethodMask",
    "OracleMask",
    "SPPMask",
    "estimate_doa",
    "link_channels",
    "make_mask",
    "parse_array",
    "read_array_file",
]
