"""Side-by-side comparison of systems on a clean/noisy set: scores, speed, bootstrap intervals."""

from hush.compare.bootstrap import Interval, paired_bootstrap
from hush.compare.runner import COMPARE_METRICS, NOISY, SystemRun, load_conditions, run_compare
from hush.compare.tables import (
    condition_tables,
    differences,
    differences_table,
    from_json,
    means_table,
    to_json,
)

__all__ = [
    "COMPARE_METRICS",
    "NOISY",
    "Interval",
    "SystemRun",
    "condition_tables",
    "differences",
    "differences_table",
    "from_json",
    "load_conditions",
    "means_table",
    "paired_bootstrap",
    "run_compare",
    "to_json",
]
