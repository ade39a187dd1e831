"""Episode seeds and a tiny counter-based random stream for compiled environments.

Seeds derive from (a base seed drawn from the generation's Generator, genome id, episode), so an
episode's randomness never depends on thread count, scheduling or how a population is chunked.
"""

import numpy as np
from numba import njit

_MASK = 0xFFFFFFFFFFFFFFFF


def draw_base_seed(rng: np.random.Generator) -> int:
    """One 63-bit base seed for a whole evaluation, drawn from the generation's Generator."""
    return int(rng.integers(0, 2**63 - 1))


@njit(cache=True)
def splitmix64(x: np.uint64) -> np.uint64:
    """The splitmix64 finaliser: a well-mixed 64-bit hash of `x`."""
    z = np.uint64(x) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def episode_seed(base: int, genome_id: int, episode: int) -> np.uint64:
    """Seed of one episode of one genome."""
    h = splitmix64(np.uint64(base))
    h = splitmix64(h ^ np.uint64(genome_id))
    return splitmix64(h ^ np.uint64(episode))


@njit(cache=True)
def next_uniform(state: np.ndarray) -> float:
    """Next float in [0, 1) from a one-element uint64 `state` array (advanced in place)."""
    state[0] = state[0] + np.uint64(0x9E3779B97F4A7C15)
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)) * (1.0 / 9007199254740992.0)
