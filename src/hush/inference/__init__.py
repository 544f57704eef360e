"""Inference: arrays, files and batches through any registered method."""

from hush.inference.arrays import enhance_array, fit_length
from hush.inference.batch import Job, enhance_jobs, expand_inputs, plan_jobs
from hush.inference.chunked import ChunkedOffline, make_stream
from hush.inference.files import FileResult, enhance_file

__all__ = [
    "ChunkedOffline",
    "FileResult",
    "Job",
    "enhance_array",
    "enhance_file",
    "enhance_jobs",
    "expand_inputs",
    "fit_length",
    "make_stream",
    "plan_jobs",
]
