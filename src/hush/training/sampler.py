"""A resumable, shardable sampler: epoch permutations from (seed, epoch), disjoint rank shards, start offset."""

from __future__ import annotations

import numpy as np
from torch.utils.data import Sampler


class ShardedSampler(Sampler[int]):
    """Rank ``r`` of ``world`` takes ``perm[r::world]`` of the epoch's permutation (equal shard sizes).

    ``start`` skips that many indices of this rank's shard, for exact mid-epoch resume.
    """

    def __init__(self, size: int, seed: int = 0, rank: int = 0, world: int = 1, shuffle: bool = True):
        self.size, self.seed, self.rank, self.world, self.shuffle = size, seed, rank, world, shuffle
        self.epoch, self.start = 0, 0

    def set_epoch(self, epoch: int, start: int = 0) -> None:
        self.epoch, self.start = epoch, start

    def shard(self) -> np.ndarray:
        perm = (
            np.random.default_rng([self.seed, self.epoch]).permutation(self.size)
            if self.shuffle
            else np.arange(self.size)
        )
        usable = (self.size // self.world) * self.world
        return perm[:usable][self.rank :: self.world]

    def __iter__(self):
        return iter(self.shard()[self.start :].tolist())

    def __len__(self) -> int:
        return self.size // self.world - self.start
