"""Episode seeds for compiled environments (their random streams: neat.draws).

Training seeds derive from (a base seed drawn from the generation's Generator, genome id,
episode), so an episode's randomness never depends on thread count, scheduling or how a population
is chunked. Test seeds come from a separate domain: every training seed has its top bit clear and
every test seed has it set, so a test episode is never one that training played.
"""

import numpy as np
from numba import njit

from fitness.task import Episode
from neat.draws import draw_seed as draw_base_seed  # one base seed for a whole evaluation
from neat.draws import splitmix64

__all__ = ["TEST_DOMAIN", "draw_base_seed", "episode_seed", "seeded_episodes", "test_seed",
           "test_seed_episodes"]

TEST_DOMAIN = 1 << 63
"""The bit that marks test seeds."""


@njit(cache=True)
def episode_seed(base: int, genome_id: int, episode: int) -> np.uint64:
    """Seed of one training episode of one genome (top bit clear)."""
    h = splitmix64(np.uint64(base))
    h = splitmix64(h ^ np.uint64(genome_id))
    return splitmix64(h ^ np.uint64(episode)) >> np.uint64(1)


def test_seed(index: int) -> int:
    """Seed of test episode `index` (top bit set)."""
    return int(splitmix64(np.uint64(index)) >> np.uint64(1)) | TEST_DOMAIN


def seeded_episodes(base: int, genome_id: int, count: int) -> list[Episode]:
    """The `count` training episodes of a genome whose episodes are seeded with episode_seed."""
    return [Episode(int(episode_seed(base, genome_id, k)), f"episode {k}") for k in range(count)]


def test_seed_episodes(count: int) -> list[Episode]:
    """`count` test episodes seeded with test_seed."""
    return [Episode(test_seed(k), f"test episode {k}") for k in range(count)]
