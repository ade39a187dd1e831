"""Blind policies: button patterns that never look at the game, the control experiment that shows
a level needs eyes.

The battery: every combination of the four buttons held; JUMP pulsed with RIGHT, with and without
RUN, at every period of 2-60 frames, with duty cycles of 1 frame, a quarter, half, three quarters
and all but one frame of the period, at four phases; and random button sequences (each button
pressed with its own probability, held for 1-29 frames at a time). NEAT's own blind networks (a
run with the task option blind = true, whose networks see nothing and can only oscillate) are the
other half of the control; bench/generalist.py evolves them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numba import njit

from fitness.platformer.episode import episode_over
from fitness.platformer.physics import JUMP, P_WON, RIGHT, RUN, new_enemies, new_player, step
from neat.parallel import for_each_chunk

PERIODS = range(2, 61)


def battery(frames: int, random_sequences: int = 1000, seed: int = 0) -> Iterator[np.ndarray]:
    """The blind button patterns, each an int8 array of `frames` button masks."""
    t = np.arange(frames)
    for held in range(16):
        yield np.full(frames, held, dtype=np.int8)
    for run in (0, RUN):
        for period in PERIODS:
            duties = sorted({1, max(1, period // 4), max(1, period // 2), max(1, 3 * period // 4),
                             period - 1})
            for duty in duties:
                for phase in range(0, period, max(1, period // 4)):
                    jump = ((t + phase) % period) < duty
                    yield (RIGHT | run | np.where(jump, JUMP, 0)).astype(np.int8)
    rng = np.random.default_rng(seed)
    weights = np.array([1, 2, 4, 8])
    for _ in range(random_sequences):
        press = rng.random(4)
        hold = int(rng.integers(1, 30))
        masks = (rng.random((frames // hold + 1, 4)) < press) @ weights
        yield np.repeat(masks, hold)[:frames].astype(np.int8)


def battery_array(frames: int, random_sequences: int = 1000, seed: int = 0) -> np.ndarray:
    """The battery as one int8 array (policies, frames)."""
    return np.stack(list(battery(frames, random_sequences, seed)))


@njit(cache=True, nogil=True)
def _flags_range(first: int, last: int, world: tuple, params: np.ndarray, settings: np.ndarray,
                 patterns: np.ndarray, won: np.ndarray) -> None:
    tiles, _, spawn, start = world
    for p in range(first, last):
        player = new_player(start[0], start[1])
        enemies = new_enemies(spawn)
        t = 0
        while not episode_over(player, settings) and t < patterns.shape[1]:
            step(tiles, player, enemies, patterns[p, t], params)
            t += 1
        won[p] = player[P_WON]


def flags(patterns: np.ndarray, world: tuple, params: np.ndarray,
          settings: np.ndarray) -> np.ndarray:
    """Which patterns (P, T) reach the flag of `world` (episode.world_arrays), bool (P,)."""
    won = np.zeros(len(patterns), dtype=np.int64)
    for_each_chunk(lambda first, last: _flags_range(first, last, world, params, settings,
                                                    patterns, won), len(patterns))
    return won.astype(bool)
