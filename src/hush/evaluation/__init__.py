"""Evaluation of enhanced folders against clean references."""

from hush.evaluation.pairing import Pair, pair_folders
from hush.evaluation.report import format_per_file, format_table, summarize, write_csv, write_json
from hush.evaluation.scoring import Scored, score_pair, score_pairs

__all__ = [
    "Pair",
    "Scored",
    "format_per_file",
    "format_table",
    "pair_folders",
    "score_pair",
    "score_pairs",
    "summarize",
    "write_csv",
    "write_json",
]
