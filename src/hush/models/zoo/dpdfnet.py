"""``dpdfnet``: DeepFilterNet2 with dual-path recurrent blocks (DPDFNet, 2025), as hush's ``erbdf`` with its dual-path
trunk (``trunk: dual_path``, see :mod:`hush.models.zoo.erbdf`): ERB-band gains plus low-band deep filtering, driven by
dual-path blocks that alternate a bidirectional GRU across frequency positions within each frame and a causal GRU
along time for each position. Causal with the same latency as ``erbdf`` (one 20 ms window, plus ``lookahead_frames``
hops); ``step()`` equals the offline output.

Against the paper: hush's ``erbdf`` front end (ERB log powers and the compressed low band as features, a linear
layer per position instead of DeepFilterNet2's convolutional encoders) and one shared trunk for both heads.
"""

from __future__ import annotations

from typing import Any

from hush.models.base import register
from hush.models.zoo.erbdf import ERBDeepFilter


@register("dpdfnet")
class DPDFNet(ERBDeepFilter):
    """``erbdf`` with ``trunk="dual_path"`` by default."""

    def __init__(self, trunk: str = "dual_path", **config: Any):
        super().__init__(trunk=trunk, **config)

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {**ERBDeepFilter.tiny_config(), "dp_channels": 8, "dp_blocks": 1, "dp_df_group": 4}
