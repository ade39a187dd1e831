"""Which levels a platformer run plays: a generation's training levels (drawn from its base seed,
the same for every genome), and the test set: held-out generated levels and test variants of the
named levels. Training seeds and variants lie below HELDOUT_DOMAIN and test ones at or above it,
so a test level is never one that training played."""

from __future__ import annotations

import numpy as np

from fitness.platformer.levels import Level, generate_level, named_level
from fitness.task import Episode
from neat.draws import splitmix64

HELDOUT_DOMAIN = 1 << 59
"""Seeds and variants at or above this are test levels."""
HELDOUT_DIFFICULTIES = (1, 2, 3)
GENERATED = "generated"


def generated_kind(difficulty: int, length: int) -> str:
    """The Episode kind of a generated level: "generated/<difficulty>/<length>"."""
    return f"{GENERATED}/{difficulty}/{length}"


def training_seed(base_seed: int, index: int) -> int:
    """Seed (or variant) of training level `index` of the generation with `base_seed`."""
    mixed = splitmix64(splitmix64(np.uint64(base_seed)) ^ np.uint64(index))
    return int(mixed) % HELDOUT_DOMAIN


def training_episodes(base_seed: int, named: tuple[str, ...], random_levels: int,
                      difficulties: tuple[int, ...], length: int) -> list[Episode]:
    """The training levels of a generation: a variant of each named level, then generated levels
    of `difficulties` in turn."""
    episodes = [Episode(training_seed(base_seed, k), f"{name} (variant of the generation)", name)
                for k, name in enumerate(named)]
    for k in range(random_levels):
        difficulty = difficulties[k % len(difficulties)]
        episodes.append(Episode(training_seed(base_seed, len(named) + k),
                                f"generated level {k + 1} (difficulty {difficulty})",
                                generated_kind(difficulty, length)))
    return episodes


def held_out_episodes(named: tuple[str, ...], variants: int, heldout: int, length: int,
                      first: int = 0) -> list[Episode]:
    """The test set: `variants` test variants of each named level, then `heldout` generated
    levels in equal shares of HELDOUT_DIFFICULTIES; `first` shifts every seed and variant (the
    task's test set is first = 0; benchmarks confirm results on sets further along)."""
    seed = HELDOUT_DOMAIN + first
    episodes = [Episode(seed + v, f"{name} test variant {v + 1}", name)
                for name in named for v in range(variants)]
    for k in range(heldout):
        difficulty = HELDOUT_DIFFICULTIES[k % len(HELDOUT_DIFFICULTIES)]
        episodes.append(Episode(seed + k, f"held-out level {k + 1} (difficulty {difficulty})",
                                generated_kind(difficulty, length)))
    return episodes


def episode_level(episode: Episode) -> Level:
    """The level an episode plays."""
    if episode.kind.startswith(GENERATED):
        _, difficulty, length = episode.kind.split("/")
        return generate_level(episode.seed, int(difficulty), int(length))
    return named_level(episode.kind, episode.seed)
