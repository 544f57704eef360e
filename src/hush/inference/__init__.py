"""Inference: one per-channel pipeline over any method, for arrays, files, batches and streams."""

from hush.inference.arrays import enhance_array
from hush.inference.backend import BACKENDS, with_backend
from hush.inference.batch import Job, enhance_jobs, expand_inputs, plan_jobs
from hush.inference.chunked import ChunkedOffline, WholeSignal, make_stream
from hush.inference.files import FileResult, enhance_file
from hush.inference.pipeline import ChannelPipeline
from hush.inference.streamer import Streamer

__all__ = [
    "BACKENDS",
    "ChannelPipeline",
    "ChunkedOffline",
    "FileResult",
    "Job",
    "Streamer",
    "WholeSignal",
    "enhance_array",
    "enhance_file",
    "enhance_jobs",
    "expand_inputs",
    "make_stream",
    "plan_jobs",
    "with_backend",
]
