"""Episode seeds for compiled environments (their random streams: neat.draws).

Seeds derive from (a base seed drawn from the generation's Generator, genome id, episode), so an
episode's randomness never depends on thread count, scheduling or how a population is chunked.
"""

import numpy as np
from numba import njit

from neat.draws import draw_seed as draw_base_seed  # one base seed for a whole evaluation
from neat.draws import splitmix64

__all__ = ["draw_base_seed", "episode_seed"]


@njit(cache=True)
def episode_seed(base: int, genome_id: int, episode: int) -> np.uint64:
    """Seed of one episode of one genome."""
    h = splitmix64(np.uint64(base))
    h = splitmix64(h ^ np.uint64(genome_id))
    return splitmix64(h ^ np.uint64(episode))
