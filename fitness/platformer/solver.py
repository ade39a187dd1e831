"""Playing a level without a network: a reference policy that sees only what a network sees (shows
a level can be cleared from the tile view), and a best-first search over button sequences under
the real physics (proves a level is completable)."""

from __future__ import annotations

import heapq
import itertools

import numpy as np
from numba import njit

from fitness.platformer.episode import episode_over, world_arrays
from fitness.platformer.levels import Level
from fitness.platformer.observe import observe
from fitness.platformer.physics import (
    DEFEATED,
    E_STATE,
    JUMP,
    LEFT,
    P_DEAD,
    P_GROUND,
    P_WON,
    PVX,
    PVY,
    PX,
    PY,
    RIGHT,
    RUN,
    new_enemies,
    new_player,
    step,
)
from fitness.platformer.tiles import OBS_DANGER, OBS_SOLID

State = tuple[np.ndarray, np.ndarray, tuple[int, ...]]
"""A search state: player, enemies, and the macros pressed to reach it."""

REFERENCE_GRID = 13  # the reference policy reads a 13x13 view


def reference_buttons(cells: np.ndarray) -> int:
    """Buttons from a 13x13 view (row-major, the player in the centre cell): hold RIGHT + RUN;
    hold JUMP while a wall, a pit or danger is close ahead or below, unless spikes hang overhead.

    A handful of tile cells, the kind of rule a small network can hold: the reference for how
    far a policy that sees only the network's inputs gets.
    """
    view = cells[: REFERENCE_GRID * REFERENCE_GRID].reshape(REFERENCE_GRID, REFERENCE_GRID)
    r = c = REFERENCE_GRID // 2
    wall = (view[r, c + 1 : c + 3] == OBS_SOLID).any() or view[r - 1, c + 1] == OBS_SOLID
    pit = any(not (view[r + 1 :, col] == OBS_SOLID).any() for col in range(c, c + 3))
    danger = (view[r : r + 6, c - 1 : c + 3] == OBS_DANGER).any()
    spikes_over = (view[r - 2 : r, c - 1 : c + 3] == OBS_DANGER).any()
    jump = (wall or pit or danger) and not spikes_over
    return RIGHT | RUN | (JUMP if jump else 0)


def play_reference(level: Level, params: np.ndarray, settings: np.ndarray) -> np.ndarray:
    """Play the reference policy on `level` under `settings` (see episode.settings_array; its
    grid is replaced by 13); returns the final player state (PLAYER_FIELDS,)."""
    settings = settings.copy()
    settings[0] = REFERENCE_GRID
    tiles, tile_map, spawn, start = world_arrays(level, REFERENCE_GRID)
    player, enemies = new_player(start[0], start[1]), new_enemies(spawn)
    cells = np.zeros(REFERENCE_GRID * REFERENCE_GRID)
    while not episode_over(player, settings):
        observe(tile_map, player, enemies, params, REFERENCE_GRID, cells)
        step(tiles, player, enemies, reference_buttons(cells), params)
    return player


MACRO_FRAMES = 8
MACROS: tuple[int, ...] = (
    RIGHT | RUN, RIGHT | RUN | JUMP, RIGHT | JUMP, RIGHT, 0, JUMP, LEFT, LEFT | JUMP,
)
"""Button masks the search holds for MACRO_FRAMES frames at a time."""


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
    speed, on-ground, enemies left, time in 1 s buckets) so the search can also wait.
    """
    start: State = (new_player(level.start_x, level.start_y), new_enemies(level.enemy_spawn), ())
    order = itertools.count()
    queue: list[tuple[int, int, int, State]] = [(0, 0, next(order), start)]
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
                   int(np.sum(e[:, E_STATE] != DEFEATED)), len(route) // 8)
            if p[P_DEAD] or key in seen:
                continue
            seen.add(key)
            heapq.heappush(queue, (-int(p[PX]), len(route), next(order), (p, e, (*route, macro))))
    return None
