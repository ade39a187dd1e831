"""Platformer levels: deterministic, harder with difficulty, always completable, clearable from
what a network sees, and impossible for blind button patterns."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from fitness.platformer.blind import battery_array, flags
from fitness.platformer.episode import play_buttons, settings_array, world_arrays
from fitness.platformer.level_sets import held_out_episodes
from fitness.platformer.levels import (
    DIFFICULTIES,
    NAMED_LEVELS,
    WORLD_1,
    generate_level,
    named_level,
    vary_plan,
)
from fitness.platformer.options import PlatformerOptions
from fitness.platformer.physics import P_DEAD, P_WON, make_params
from fitness.platformer.solver import find_route, play_reference
from fitness.platformer.tiles import FLAG, SPIKES

PARAMS = make_params()
NO_LIMITS = np.array([13, 0, 10**6, 10**6, 0], dtype=np.int64)  # grid, extra, patience, frames
SETTINGS = settings_array(PlatformerOptions())


def test_same_seed_same_level_and_different_seeds_differ():
    a, b, c = (generate_level(s, 2, 150) for s in (5, 5, 6))
    np.testing.assert_array_equal(a.tiles, b.tiles)
    np.testing.assert_array_equal(a.enemy_spawn, b.enemy_spawn)
    assert not np.array_equal(a.tiles, c.tiles)
    assert a.length == c.length == 150


NAMED_FINGERPRINTS = {"1-1": "8fcb413168c32bb3", "1-2": "9a8fcf4008d59527",
                      "1-3": "bb2537aa7952db92", "1-4": "587b1a7d8cfdd7e3"}


def test_named_levels_never_change():
    """Saved champions and published results refer to these layouts: change them only with a new
    task version."""
    prints = {}
    for name in NAMED_LEVELS:
        level = named_level(name, 0)
        data = level.tiles.tobytes() + level.enemy_spawn.tobytes()
        prints[name] = hashlib.sha256(data).hexdigest()[:16]
    assert prints == NAMED_FINGERPRINTS


def test_variants_move_obstacles_by_at_most_a_tile_each():
    for name, plan in WORLD_1.items():
        for variant in (1, 2, 3):
            varied = vary_plan(plan, variant)
            assert [s[0] for s in varied] == [s[0] for s in plan]
            for original, moved in zip(plan, varied, strict=True):
                if original[0] == "flat":
                    assert abs(original[1] - moved[1]) <= 1
                else:
                    assert original == moved
        assert len({named_level(name, v).tiles.tobytes() for v in range(6)}) > 3


def test_every_named_level_has_spike_ceilings_and_a_flag():
    for name in NAMED_LEVELS:
        level = named_level(name, 0)
        assert (level.tiles == SPIKES).sum() >= 9
        assert (level.tiles[:, level.flag_col] == FLAG).sum() > 5


def test_difficulty_brings_more_and_bigger_obstacles():
    def stats(difficulty: int) -> tuple[int, int]:
        enemies, hazards = 0, 0
        for seed in range(10):
            level = generate_level(seed, difficulty, 200)
            enemies += len(level.enemy_spawn)
            hazards += int((level.tiles == SPIKES).sum() + (level.tiles[-1] == 0).sum())
        return enemies, hazards

    easy, hard = stats(0), stats(3)
    assert hard[0] > easy[0] and hard[1] > easy[1]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_generated_levels_are_completable_under_the_real_physics(difficulty):
    for seed in range(6):
        level = generate_level(1000 + seed, difficulty, 120)
        route = find_route(level, PARAMS)
        assert route is not None, f"no route found through level seed {1000 + seed}"
        states = play_buttons(world_arrays(level, 13), PARAMS, NO_LIMITS, route)
        assert states[-1, P_WON] and not states[-1, P_DEAD]


def test_named_levels_are_completable():
    for name in NAMED_LEVELS:
        route = find_route(named_level(name, 0), PARAMS, max_expansions=60000)
        assert route is not None, name
        states = play_buttons(world_arrays(named_level(name, 0), 13), PARAMS, NO_LIMITS, route)
        assert states[-1, P_WON]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_a_policy_that_sees_only_the_tile_view_clears_generated_levels(difficulty):
    for seed in range(25):
        assert play_reference(generate_level(7000 + seed, difficulty, 150), PARAMS,
                              SETTINGS)[P_WON], seed


def test_a_policy_that_sees_only_the_tile_view_clears_every_named_test_variant():
    for episode in held_out_episodes(NAMED_LEVELS, 5, 0, 150):
        assert play_reference(named_level(episode.kind, episode.seed), PARAMS, SETTINGS)[P_WON]


def test_no_blind_button_pattern_reaches_a_named_flag():
    patterns = battery_array(SETTINGS[3])
    assert len(patterns) > 3000
    for episode in held_out_episodes(NAMED_LEVELS, 5, 0, 150):
        world = world_arrays(named_level(episode.kind, episode.seed), 13)
        assert not flags(patterns, world, PARAMS, SETTINGS).any(), episode.label
