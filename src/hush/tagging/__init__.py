"""Audio tagging with a pretrained AudioSet tagger (EfficientAT ``mn04_as``, shipped with hush): what a recording
contains, as a provider for ``hush tag`` and for models that condition on the tagger's embedding."""

from hush.tagging.features import SAMPLE_RATE, LogMel, Resampler
from hush.tagging.network import EMBEDDING_DIM, N_CLASSES, MobileNetTagger
from hush.tagging.tag import Tag, TagResult, tag_array, top_tags
from hush.tagging.tagger import (
    DEFAULT_WEIGHTS,
    SPEECH,
    Tagger,
    class_list,
    clip_probabilities,
    load_tagger,
    non_speech_indices,
    read_weights,
    timeline_probabilities,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "EMBEDDING_DIM",
    "N_CLASSES",
    "SAMPLE_RATE",
    "SPEECH",
    "LogMel",
    "MobileNetTagger",
    "Resampler",
    "Tag",
    "TagResult",
    "Tagger",
    "class_list",
    "clip_probabilities",
    "load_tagger",
    "non_speech_indices",
    "read_weights",
    "tag_array",
    "timeline_probabilities",
    "top_tags",
]
