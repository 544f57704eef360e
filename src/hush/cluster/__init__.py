"""Batch enhancement and evaluation at cluster scale, on Ray (``hush[cluster]``).

Ray is imported only when a run starts, so this package loads without it.
"""

from hush.cluster.enhance import MANIFEST_NAME, enhance_on_cluster
from hush.cluster.evaluate import score_pairs_on_cluster
from hush.cluster.many import enhance_many
from hush.cluster.run_manifest import RunManifest
from hush.cluster.sources import iter_inputs
from hush.cluster.summary import Failure, Summary

__all__ = [
    "MANIFEST_NAME",
    "Failure",
    "RunManifest",
    "Summary",
    "enhance_many",
    "enhance_on_cluster",
    "iter_inputs",
    "score_pairs_on_cluster",
]
