"""Platformer physics: jumps, gravity, enemies, pits, and the compiled kernels against plain Python."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fitness.platformer.levels import named_level
from fitness.platformer.observe import observe, observe_reference, padded_tile_map
from fitness.platformer.physics import (
    DEFEATED,
    E_STATE,
    ENEMY_W,
    EVX,
    EX,
    EY,
    GRAVITY,
    GRAVITY_HELD,
    JUMP,
    JUMP_SPEED,
    MAX_FALL,
    P_DEAD,
    P_GROUND,
    PATROL_RANGE,
    PLAYER_H,
    PLAYER_W,
    PVY,
    PX,
    PY,
    RIGHT,
    RUN,
    WALKING,
    make_params,
    new_enemies,
    new_player,
    step,
)
from fitness.platformer.tiles import GROUND, LEVEL_ROWS, SPIKES, TILE

PARAMS = make_params()
FLOOR_ROW = LEVEL_ROWS - 2


def flat_level(cols: int = 40, pit: tuple[int, int] | None = None) -> np.ndarray:
    tiles = np.zeros((LEVEL_ROWS, cols), dtype=np.int8)
    tiles[FLOOR_ROW:] = GROUND
    if pit:
        tiles[:, pit[0] : pit[1]] = 0
    return tiles


def standing_player(col: int = 2) -> np.ndarray:
    return new_player(col * TILE, FLOOR_ROW * TILE - int(PARAMS[PLAYER_H]))


def jump_rise(jump_frames: int) -> int:
    """Highest rise (sub-pixels) of a jump with JUMP held for `jump_frames` frames, from a player
    who has just landed."""
    tiles, player = flat_level(), standing_player()
    for _ in range(2):  # gravity pulls the new player onto the floor
        step(tiles, player, new_enemies(np.zeros((0, 2), np.int64)), 0, PARAMS)
    assert player[P_GROUND]
    floor_y, top = player[PY], player[PY]
    for frame in range(120):
        step(tiles, player, new_enemies(np.zeros((0, 2), np.int64)),
             JUMP if frame < jump_frames else 0, PARAMS)
        top = min(top, player[PY])
    return int(floor_y - top)


def arithmetic_rise(first: int, decrement: int) -> int:
    """first + (first - d) + (first - 2d) + ... over the positive terms."""
    n = -(-first // decrement)
    return n * first - decrement * n * (n - 1) // 2


def test_held_jump_reaches_the_analytic_height():
    expected = arithmetic_rise(PARAMS[JUMP_SPEED], PARAMS[GRAVITY_HELD])
    assert jump_rise(60) == expected == 1300  # 5.08 tiles: walls of 4 tiles are climbable


def test_tapped_jump_is_lower_and_matches_the_analytic_height():
    after_first = PARAMS[JUMP_SPEED] - PARAMS[GRAVITY_HELD]
    expected = PARAMS[JUMP_SPEED] + arithmetic_rise(after_first, PARAMS[GRAVITY])
    assert jump_rise(1) == expected == 436
    assert jump_rise(1) < jump_rise(8) < jump_rise(60)


def test_gravity_accelerates_a_fall_up_to_the_cap():
    tiles = flat_level()
    player = new_player(2 * TILE, 0)
    speeds = []
    for _ in range(8):
        step(tiles, player, new_enemies(np.zeros((0, 2), np.int64)), 0, PARAMS)
        speeds.append(int(player[PVY]))
    g = int(PARAMS[GRAVITY])
    assert speeds == [min(g * k, int(PARAMS[MAX_FALL])) for k in range(1, 9)]


def walking_enemy(x: int, y: int) -> np.ndarray:
    enemies = new_enemies(np.array([[x, y]], dtype=np.int64))
    enemies[0, E_STATE] = WALKING
    enemies[0, EVX] = -8
    return enemies


def test_landing_on_an_enemy_kills_it_and_bounces_the_player():
    tiles = flat_level()
    enemy_y = FLOOR_ROW * TILE - 240
    enemies = walking_enemy(5 * TILE, enemy_y)
    player = new_player(5 * TILE, enemy_y - 3 * TILE)
    for _ in range(60):
        step(tiles, player, enemies, 0, PARAMS)
        if enemies[0, E_STATE] == DEFEATED:
            break
    assert enemies[0, E_STATE] == DEFEATED
    assert not player[P_DEAD] and player[PVY] < 0


def test_walking_into_an_enemy_kills_the_player():
    tiles = flat_level()
    enemies = walking_enemy(6 * TILE, FLOOR_ROW * TILE - 240)
    player = standing_player()
    for _ in range(120):
        step(tiles, player, enemies, RIGHT, PARAMS)
        if player[P_DEAD]:
            break
    assert player[P_DEAD] and enemies[0, E_STATE] == WALKING


def test_falling_into_a_pit_kills():
    tiles = flat_level(pit=(5, 9))
    player = standing_player()
    for _ in range(200):
        step(tiles, player, new_enemies(np.zeros((0, 2), np.int64)), RIGHT, PARAMS)
        if player[P_DEAD]:
            break
    assert player[P_DEAD] and player[PY] >= LEVEL_ROWS * TILE


def test_holding_jump_jumps_again_on_landing():
    tiles, player = flat_level(), standing_player()
    takeoffs, was_grounded = 0, False
    for _ in range(200):
        step(tiles, player, new_enemies(np.zeros((0, 2), np.int64)), JUMP, PARAMS)
        takeoffs += was_grounded and not player[P_GROUND]
        was_grounded = bool(player[P_GROUND])
    assert takeoffs >= 3


def test_spikes_kill_and_a_spike_ceiling_is_walked_under_but_not_jumped_under():
    tiles = flat_level(60)
    tiles[: FLOOR_ROW - 2, 8:20] = 2  # a brick mass
    tiles[FLOOR_ROW - 2, 8:20] = SPIKES  # with spikes hung right above the player's head
    walker = standing_player()
    for _ in range(300):
        step(tiles, walker, new_enemies(np.zeros((0, 2), np.int64)), RIGHT | RUN, PARAMS)
    assert not walker[P_DEAD] and walker[PX] > 22 * TILE
    jumper = standing_player()
    for _ in range(300):
        buttons = RIGHT | RUN | (JUMP if jumper[PX] > 12 * TILE else 0)
        step(tiles, jumper, new_enemies(np.zeros((0, 2), np.int64)), buttons, PARAMS)
    assert jumper[P_DEAD] and 12 * TILE < jumper[PX] < 20 * TILE


def test_an_enemy_patrols_near_home_and_turns_at_ledges():
    tiles = flat_level(40, pit=(10, 14))
    enemy_y = FLOOR_ROW * TILE - 240
    enemies = walking_enemy(8 * TILE, enemy_y)  # heading for the pit edge at column 10
    enemies[0, EVX] = 8
    far_player = standing_player(0)
    xs = []
    for _ in range(2000):
        step(tiles, far_player, enemies, 0, PARAMS)
        xs.append(int(enemies[0, EX]))
    assert max(xs) + int(PARAMS[ENEMY_W]) <= 10 * TILE  # never over the pit
    assert min(xs) >= 8 * TILE - int(PARAMS[PATROL_RANGE]) - 8  # never far from home
    assert enemies[0, EY] == enemy_y and enemies[0, E_STATE] == WALKING


def test_walls_stop_the_player():
    tiles = flat_level()
    tiles[FLOOR_ROW - 1, 6] = GROUND
    player = standing_player()
    for _ in range(120):
        step(tiles, player, new_enemies(np.zeros((0, 2), np.int64)), RIGHT | RUN, PARAMS)
    assert player[PX] + PARAMS[PLAYER_W] == 6 * TILE  # its right edge touches the wall


def test_observe_matches_its_python_reference():
    rng = np.random.default_rng(3)
    level = named_level("1-3", 5)
    for grid, extra in ((13, False), (7, True)):
        tile_map = padded_tile_map(level.tiles, grid)
        out = np.empty(grid * grid + 4 * extra)
        for _ in range(200):
            player = new_player(int(rng.integers(0, level.length * TILE)),
                                int(rng.integers(-2 * TILE, LEVEL_ROWS * TILE)))
            player[PVY] = int(rng.integers(-96, 80))
            enemies = new_enemies(level.enemy_spawn)
            enemies[:, EX] = player[PX] + rng.integers(-8 * TILE, 8 * TILE, len(enemies))
            enemies[:, EY] = player[PY] + rng.integers(-8 * TILE, 8 * TILE, len(enemies))
            observe(tile_map, player, enemies, PARAMS, grid, out)
            np.testing.assert_array_equal(
                out, observe_reference(level.tiles, player, enemies, PARAMS, grid, extra))


TWIN_SCRIPT = Path(__file__).with_name("platformer_twin_script.py")


def test_compiled_kernels_match_plain_python():
    """The same game, observations and population evaluation with NUMBA_DISABLE_JIT=1."""
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    result = subprocess.run([sys.executable, str(TWIN_SCRIPT)], env=env, capture_output=True,
                            text=True, timeout=300, check=True)
    interpreted = json.loads(result.stdout)
    compiled = json.loads(subprocess.run([sys.executable, str(TWIN_SCRIPT)], capture_output=True,
                                         text=True, timeout=300, check=True).stdout)
    assert interpreted["jit"] is False and compiled["jit"] is True
    assert len(compiled["states"]) > 100
    for key in ("states", "observations", "fitness", "frames"):
        assert compiled[key] == interpreted[key], key


@pytest.mark.parametrize("buttons", [RIGHT | RUN, RIGHT | JUMP])
def test_a_step_after_the_episode_ends_changes_nothing(buttons):
    tiles = flat_level(pit=(4, 8))
    player = standing_player()
    enemies = new_enemies(np.zeros((0, 2), np.int64))
    for _ in range(300):
        step(tiles, player, enemies, buttons, PARAMS)
    frozen = player.copy()
    step(tiles, player, enemies, buttons, PARAMS)
    np.testing.assert_array_equal(player, frozen)
