"""Playing a level without a network: a scripted policy (shows a level is learnable) and a
best-first search over button sequences under the real physics (proves a level is completable)."""

from __future__ import annotations

import heapq
import itertools

import numpy as np
from numba import njit

from fitness.platformer.levels import Level
from fitness.platformer.physics import (
    DEFEATED,
    E_STATE,
    EX,
    EY,
    JUMP,
    LEFT,
    P_DEAD,
    P_GROUND,
    P_JUMP_HELD,
    P_WON,
    PLAYER_H,
    PLAYER_W,
    PVX,
    PVY,
    PX,
    PY,
    RIGHT,
    RUN,
    is_solid,
    new_enemies,
    new_player,
    step,
    tile_at,
)
from fitness.platformer.tiles import TILE

MACRO_FRAMES = 8
MACROS: tuple[int, ...] = (
    RIGHT | RUN, RIGHT | RUN | JUMP, RIGHT | JUMP, RIGHT, 0, JUMP, LEFT, LEFT | JUMP,
)
"""Button masks the search holds for MACRO_FRAMES frames at a time."""


def scripted_buttons(tiles: np.ndarray, player: np.ndarray, enemies: np.ndarray,
                     params: np.ndarray) -> int:
    """Hold RIGHT + RUN; jump when a wall, a pit or an enemy is close ahead; hold JUMP while
    rising so jumps reach full height."""
    buttons = RIGHT | RUN
    if player[P_GROUND]:
        if _obstacle_ahead(tiles, player, enemies, params) and not player[P_JUMP_HELD]:
            buttons |= JUMP
    elif player[PVY] < 0:
        buttons |= JUMP
    return buttons


def _obstacle_ahead(tiles: np.ndarray, player: np.ndarray, enemies: np.ndarray,
                    params: np.ndarray) -> bool:
    front = int(player[PX] + params[PLAYER_W])
    feet_row = int(player[PY] + params[PLAYER_H]) // TILE
    body_row = int(player[PY] + params[PLAYER_H] - 1) // TILE
    for col in range(front // TILE, (front + 2 * TILE) // TILE + 1):
        if is_solid(tile_at(tiles, body_row, col)) or not is_solid(tile_at(tiles, feet_row, col)):
            return True
    for enemy in enemies:
        gap = int(enemy[EX]) - front
        if enemy[E_STATE] != DEFEATED and -TILE < gap < 4 * TILE and abs(
                int(enemy[EY]) - int(player[PY])) < 2 * TILE:
            return True
    return False


def play_scripted(level: Level, params: np.ndarray, max_frames: int) -> np.ndarray:
    """Play the scripted policy on `level`; returns the final player state (PLAYER_FIELDS,)."""
    player = new_player(level.start_x, level.start_y)
    enemies = new_enemies(level.enemy_spawn)
    for _ in range(max_frames):
        if player[P_DEAD] or player[P_WON]:
            break
        step(level.tiles, player, enemies, scripted_buttons(level.tiles, player, enemies, params),
             params)
    return player


@njit(cache=True)
def hold_buttons(tiles: np.ndarray, player: np.ndarray, enemies: np.ndarray, buttons: int,
                 frames: int, params: np.ndarray) -> None:
    """Step the game `frames` frames with the same buttons (stops early once over)."""
    for _ in range(frames):
        if player[P_DEAD] or player[P_WON]:
            return
        step(tiles, player, enemies, buttons, params)


def find_route(level: Level, params: np.ndarray, max_expansions: int = 20000) -> np.ndarray | None:
    """A button sequence (frames,) that reaches the flag, or None if the search gives up.

    Best-first over MACROS, furthest x first; states are merged on a coarse key (position,
    speed, jump state, enemies left, time in 1 s buckets) so the search can also wait.
    """
    start = (new_player(level.start_x, level.start_y), new_enemies(level.enemy_spawn), ())
    order = itertools.count()
    queue = [(0, 0, next(order), start)]
    seen = set()
    for _ in range(max_expansions):
        if not queue:
            return None
        _, _, _, (player, enemies, route) = heapq.heappop(queue)
        for macro in MACROS:
            p, e = player.copy(), enemies.copy()
            hold_buttons(level.tiles, p, e, macro, MACRO_FRAMES, params)
            if p[P_WON]:
                return np.repeat(np.array((*route, macro), dtype=np.int64), MACRO_FRAMES)
            key = (p[PX] // 64, p[PY] // 64, p[PVX] // 12, p[PVY] // 24, p[P_GROUND],
                   p[P_JUMP_HELD], int(np.sum(e[:, E_STATE] != DEFEATED)), len(route) // 8)
            if p[P_DEAD] or key in seen:
                continue
            seen.add(key)
            heapq.heappush(queue, (-int(p[PX]), len(route), next(order), (p, e, (*route, macro))))
    return None
