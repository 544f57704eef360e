"""Building blocks shared by the architectures of :mod:`hush.models.zoo`: streaming convolutions, causal
normalisation, input features and output masks. A block used by one architecture only stays in that file."""

from hush.models.blocks.conv import StateCursor, TimeConv, UNetTimeConv, fit_bins
from hush.models.blocks.features import bounded_complex_mask, log_power, spec_features, stack_context
from hush.models.blocks.norm import FeatureNorm, FrameNorm, make_norm

__all__ = [
    "FeatureNorm",
    "FrameNorm",
    "StateCursor",
    "TimeConv",
    "UNetTimeConv",
    "bounded_complex_mask",
    "fit_bins",
    "log_power",
    "make_norm",
    "spec_features",
    "stack_context",
]
