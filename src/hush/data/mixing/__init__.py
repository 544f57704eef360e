"""On-the-fly training mixtures and every torch ``Dataset`` of hush.

:mod:`~hush.data.mixing.mixtures` (speech + noise mixtures from manifests, and fixed sets on disk),
:mod:`~hush.data.mixing.paired` (crops of fixed clean/noisy pairs),
:mod:`~hush.data.mixing.synthetic` (generated signals, no data needed), :mod:`~hush.data.mixing.rir` (room
responses, simulated or recorded), :mod:`~hush.data.mixing.augment` (augmentations),
:mod:`~hush.data.mixing.audio_cache` (decoded audio shared by the loader workers) and
:mod:`~hush.data.mixing.simulate` (a fixed mixed set written to a folder).
"""
