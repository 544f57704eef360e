"""Signal processing: causal STFT (numpy and torch), streaming framing, filterbanks."""

from hush.dsp.filterbanks import erb_band_matrix, erb_filterbank, mel_filterbank
from hush.dsp.stft import (
    StreamingISTFT,
    StreamingSTFT,
    frame,
    hann,
    istft,
    n_frames,
    overlap_add,
    sqrt_hann,
    stft,
    synthesis_window,
    torch_istft,
    torch_stft,
)

__all__ = [
    "StreamingISTFT",
    "StreamingSTFT",
    "erb_band_matrix",
    "erb_filterbank",
    "frame",
    "hann",
    "istft",
    "mel_filterbank",
    "n_frames",
    "overlap_add",
    "sqrt_hann",
    "stft",
    "synthesis_window",
    "torch_istft",
    "torch_stft",
]
