"""One episode as the evaluator plays it: the episode-end rule, the score, and the compiled loop
that plays a range of a population (game step + network activation per frame; neat.parallel
spreads the ranges over threads).

Score: 100 x the share of the way to the flag pole reached (the player's furthest left edge),
plus FLAG_BONUS (100) at the flag, minus TIME_PENALTY per frame played (0.1 a second); never below
0. So a score above 100 means the flag was reached (episodes last at most 18000 frames, 30
points). An episode ends on death (pit, spikes or enemy), on the flag, after `patience` frames
without a new furthest x, or after `max_frames` frames.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from fitness.platformer.levels import Level
from fitness.platformer.observe import observe, padded_tile_map
from fitness.platformer.options import PlayOptions
from fitness.platformer.physics import (
    DEFAULT_PARAMS,
    P_DEAD,
    P_FRAME,
    P_IDLE,
    P_MAX_X,
    P_WON,
    PLAYER_FIELDS,
    new_enemies,
    new_player,
    step,
)
from fitness.platformer.tiles import TILE
from neat.borrow import borrow
from neat.network import activate, input_view, output_view, reset_values

FLAG_BONUS = 100.0
TIME_PENALTY = 1.0 / 600.0  # points per frame: 0.1 a second of play at 60 frames/s
PRESS_THRESHOLD = 0.5  # a network output above this presses its button

GRID, EXTRA, PATIENCE, MAX_FRAMES, BLIND = range(5)
"""Indices of the int64 `settings` array: grid size, extra inputs (0/1), patience, frame cap,
blind (0/1: the network's inputs stay 0)."""
MAX_PROGRESS_SCORE = 100.0
"""The most an episode scores without the flag: a score above it means the flag was reached."""


def world_arrays(level: Level, grid: int) -> tuple:
    """The `world` tuple the kernels take: (tiles, tile_map, enemy_spawn, start (3,)), where start
    holds the player's start x and y and the x at which it touches the flag pole."""
    goal_x = level.flag_col * TILE - DEFAULT_PARAMS["player_w"] + 1
    start = np.array([level.start_x, level.start_y, goal_x], dtype=np.int64)
    return level.tiles, padded_tile_map(level.tiles, grid), level.enemy_spawn, start


def settings_array(options: PlayOptions, blind: bool = False) -> np.ndarray:
    """The int64 `settings` array (GRID, EXTRA, PATIENCE, MAX_FRAMES, BLIND) of `options`."""
    return np.array([options.grid, int(options.extra_inputs), options.patience,
                     options.max_frames, int(blind)], dtype=np.int64)


@njit(cache=True)
def buttons_from_outputs(outputs: np.ndarray) -> int:
    """Button mask from the 4 outputs (LEFT, RIGHT, JUMP, RUN): output > 0.5 presses."""
    mask = 0
    for j in range(4):
        if outputs[j] > PRESS_THRESHOLD:
            mask |= 1 << j
    return mask


@njit(cache=True)
def episode_over(player: np.ndarray, settings: np.ndarray) -> bool:
    return (player[P_DEAD] != 0 or player[P_WON] != 0 or player[P_IDLE] >= settings[PATIENCE]
            or player[P_FRAME] >= settings[MAX_FRAMES])


@njit(cache=True)
def distance_tiles(player: np.ndarray, start_x: int) -> float:
    """Furthest distance right of the start, in tiles."""
    return (player[P_MAX_X] - start_x) / TILE


@njit(cache=True)
def episode_score(player: np.ndarray, start: np.ndarray) -> float:
    """Score before clamping at 0 (the gymnasium env's rewards sum to it); `start` as in
    world_arrays."""
    progress = min((player[P_MAX_X] - start[0]) / (start[2] - start[0]), 1.0)
    score = 100.0 * progress - TIME_PENALTY * player[P_FRAME]
    if player[P_WON]:
        score += FLAG_BONUS
    return score


@njit(cache=True)
def episode_fitness(player: np.ndarray, start: np.ndarray) -> float:
    return max(episode_score(player, start), 0.0)


@njit(cache=True)
def play_genome(net: tuple, g: int, recurrent: bool, world: tuple, params: np.ndarray,
                settings: np.ndarray, buffers: tuple) -> tuple[float, int]:
    """Play one episode with network `g`; returns (fitness, frames played).

    world = (tiles, tile_map, enemy_spawn (E, 2), start (2,)); buffers = (values, scratch) of the
    whole population (see neat.network.activate).
    """
    tiles, tile_map, enemy_spawn, start = world
    player = new_player(start[0], start[1])
    enemies = new_enemies(enemy_spawn)
    play_frames(net, g, recurrent, (tiles, tile_map), params, settings, buffers, player, enemies)
    return episode_fitness(player, start), player[P_FRAME]


@njit(cache=True)
def play_frames(net: tuple, g: int, recurrent: bool, level: tuple, params: np.ndarray,
                settings: np.ndarray, buffers: tuple, player: np.ndarray,
                enemies: np.ndarray) -> None:
    """The frame loop of `play_genome`, on borrowed views of its arguments (see neat.borrow).

    level = (tiles, tile_map); player and enemies are updated in place.
    """
    net, (values, scratch) = borrow(net), borrow(buffers)
    (tiles, tile_map), params = borrow(level), borrow(params)
    settings, player, enemies = borrow(settings), borrow(player), borrow(enemies)
    inputs, outputs = input_view(net, g, values), output_view(net, g, values, 4)
    reset_values(net, g, values)
    while not episode_over(player, settings):
        if settings[BLIND] == 0:
            observe(tile_map, player, enemies, params, settings[GRID], inputs)
        activate(net, g, recurrent, values, scratch)
        step(tiles, player, enemies, buttons_from_outputs(outputs), params)


@njit(cache=True, nogil=True)
def play_range(first: int, last: int, net: tuple, recurrent: bool, world: tuple,
               params: np.ndarray, settings: np.ndarray, results: tuple, buffers: tuple) -> None:
    """Play one episode each with networks first..last-1 of `net` (see neat.parallel).

    results = (fitness float64 (G,), frames played int64 (G,)), written in place; buffers =
    (values, scratch) node buffers of the whole population.
    """
    fitness, frames = results
    for g in range(first, last):
        fitness[g], frames[g] = play_genome(net, g, recurrent, world, params, settings, buffers)


@njit(cache=True)
def play_buttons(world: tuple, params: np.ndarray, settings: np.ndarray,
                 buttons: np.ndarray) -> np.ndarray:
    """Play the button masks `buttons` (T,) until the episode ends or they run out.

    Returns the player state after every frame, shape (frames played, PLAYER_FIELDS).
    """
    tiles, _, enemy_spawn, start = world
    player = new_player(start[0], start[1])
    enemies = new_enemies(enemy_spawn)
    states = np.empty((len(buttons), PLAYER_FIELDS), dtype=np.int64)
    t = 0
    while t < len(buttons) and not episode_over(player, settings):
        step(tiles, player, enemies, buttons[t], params)
        states[t] = player
        t += 1
    return states[:t]
