"""Platformer levels: deterministic per seed, harder with difficulty, and always completable."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from fitness.platformer.episode import play_buttons, world_arrays
from fitness.platformer.levels import DIFFICULTIES, NAMED_LEVELS, generate_level
from fitness.platformer.physics import P_DEAD, P_MAX_X, P_WON, make_params
from fitness.platformer.solver import find_route, play_scripted
from fitness.platformer.tiles import FLAG, TILE

PARAMS = make_params()
NO_LIMITS = np.array([13, 0, 10**6, 10**6], dtype=np.int64)  # grid, extra, patience, max_frames


def test_same_seed_same_level_and_different_seeds_differ():
    a, b, c = (generate_level(s, 2, 150) for s in (5, 5, 6))
    np.testing.assert_array_equal(a.tiles, b.tiles)
    np.testing.assert_array_equal(a.enemy_spawn, b.enemy_spawn)
    assert not np.array_equal(a.tiles, c.tiles)


def test_named_level_1_1_is_fixed_short_and_gentle():
    spec = NAMED_LEVELS["1-1"]
    level = generate_level(spec.seed, spec.difficulty, spec.length)
    assert level.length <= 80 and len(level.enemy_spawn) <= 2
    assert (level.tiles[:, level.flag_col] == FLAG).sum() > 5
    assert level.enemy_spawn.tolist() == [[4880, 2832]]


NAMED_FINGERPRINTS = {"1-1": "a9f3adbcfc3653f9", "1-2": "c1d23d5ce5348522",
                      "1-3": "54e63f6c2e536213", "1-4": "81d497edbf00eeb0"}


def test_named_levels_never_change():
    """Saved champions and published results refer to these layouts: change them only with a new
    task version."""
    for name, spec in NAMED_LEVELS.items():
        level = generate_level(spec.seed, spec.difficulty, spec.length)
        data = level.tiles.tobytes() + level.enemy_spawn.tobytes()
        assert hashlib.sha256(data).hexdigest()[:16] == NAMED_FINGERPRINTS[name], name


def test_difficulty_brings_more_enemies_and_wider_pits():
    def stats(difficulty: int) -> tuple[float, float]:
        enemies, pit_tiles = 0, 0
        for seed in range(10):
            level = generate_level(seed, difficulty, 200)
            enemies += len(level.enemy_spawn)
            pit_tiles += int((level.tiles[-1] == 0).sum())
        return enemies, pit_tiles

    easy, hard = stats(0), stats(3)
    assert hard[0] > easy[0] and hard[1] > easy[1]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_generated_levels_are_completable_under_the_real_physics(difficulty):
    for seed in range(12):
        level = generate_level(1000 + seed, difficulty, 120)
        route = find_route(level, PARAMS)
        assert route is not None, f"no route found through level seed {1000 + seed}"
        states = play_buttons(world_arrays(level, 13), PARAMS, NO_LIMITS, route)
        assert states[-1, P_WON] and not states[-1, P_DEAD]


@pytest.mark.parametrize("name", sorted(NAMED_LEVELS))
def test_named_levels_are_completable(name):
    spec = NAMED_LEVELS[name]
    level = generate_level(spec.seed, spec.difficulty, spec.length)
    route = find_route(level, PARAMS)
    assert route is not None
    assert play_buttons(world_arrays(level, 13), PARAMS, NO_LIMITS, route)[-1, P_WON]


def test_scripted_policy_finishes_1_1_and_gets_far_on_1_2():
    for name in ("1-1", "1-2"):
        spec = NAMED_LEVELS[name]
        level = generate_level(spec.seed, spec.difficulty, spec.length)
        player = play_scripted(level, PARAMS, 6000)
        assert player[P_WON], (name, player[P_MAX_X] / TILE)
