"""What the network sees: a grid of tiles centred on the player, plus optional extra inputs.

Cell (r, c) of the `grid` x `grid` window (row-major, r and c from -radius to +radius) is 1 for a
solid tile, -1 for danger (spikes, or an enemy whose centre is in that tile), else 0 (air, pits, the
flag pole), as in MarI/O. Outside the level: solid left and right of it, air above and below. The
centre cell holds the tile containing the player's centre. With `extra` the inputs go on with bias
(1), vx / run speed, vy / jump speed and on-ground (0 or 1).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from fitness.platformer.physics import (
    DEFEATED,
    E_STATE,
    ENEMY_H,
    ENEMY_W,
    EX,
    EY,
    JUMP_SPEED,
    P_GROUND,
    PLAYER_H,
    PLAYER_W,
    PVX,
    PVY,
    PX,
    PY,
    RUN_SPEED,
    is_solid,
    tile_at,
)
from fitness.platformer.tiles import OBS_DANGER, OBS_SOLID, SPIKES, TILE_SHIFT

EXTRA_LABELS: tuple[str, ...] = ("bias", "vx", "vy", "ground")


def input_labels(grid: int, extra: bool) -> tuple[str, ...]:
    """Labels of the inputs: "r-6c-6" ... "r+6c+6" row-major, then EXTRA_LABELS with `extra`."""
    radius = grid // 2
    offsets = range(-radius, radius + 1)
    cells = tuple(f"r{dr:+d}c{dc:+d}" for dr in offsets for dc in offsets)
    return cells + (EXTRA_LABELS if extra else ())


def n_inputs(grid: int, extra: bool) -> int:
    return grid * grid + (len(EXTRA_LABELS) if extra else 0)


def padded_tile_map(tiles: np.ndarray, grid: int) -> np.ndarray:
    """Observation values of every tile with a border wide enough for any window, float64
    (rows + 2 * pad, cols + 2 * pad) with pad = grid // 2 + 2 (see `observe`)."""
    pad = grid // 2 + 2
    rows, cols = tiles.shape
    padded = np.zeros((rows + 2 * pad, cols + 2 * pad), dtype=np.float64)
    padded[pad : pad + rows, :pad] = OBS_SOLID  # walls beside the level, air above and below
    padded[pad : pad + rows, pad + cols :] = OBS_SOLID
    solid = np.isin(tiles, np.array([t for t in range(256) if is_solid(t)]))
    cells = np.where(solid, OBS_SOLID, np.where(tiles == SPIKES, OBS_DANGER, 0.0))
    padded[pad : pad + rows, pad : pad + cols] = cells
    return padded


@njit(cache=True)
def observe(tile_map: np.ndarray, player: np.ndarray, enemies: np.ndarray, params: np.ndarray,
            grid: int, out: np.ndarray) -> None:
    """Write the inputs into `out`, shape (grid * grid,) or (grid * grid + 4,) with the extras.

    `tile_map` comes from `padded_tile_map(tiles, grid)`.
    """
    radius = grid // 2
    pad = radius + 2
    rows = tile_map.shape[0] - 2 * pad
    row = (player[PY] + params[PLAYER_H] // 2) >> TILE_SHIFT
    col = (player[PX] + params[PLAYER_W] // 2) >> TILE_SHIFT
    row = min(max(row, radius - pad), rows - 1 + pad - radius)  # keep the window inside the map
    top, left = row - radius + pad, col - radius + pad
    for r in range(grid):
        for c in range(grid):
            out[r * grid + c] = tile_map[top + r, left + c]
    for e in range(enemies.shape[0]):
        if enemies[e, E_STATE] == DEFEATED:
            continue
        dr = ((enemies[e, EY] + params[ENEMY_H] // 2) >> TILE_SHIFT) - row + radius
        dc = ((enemies[e, EX] + params[ENEMY_W] // 2) >> TILE_SHIFT) - col + radius
        if 0 <= dr < grid and 0 <= dc < grid:
            out[dr * grid + dc] = OBS_DANGER
    if len(out) > grid * grid:
        n = grid * grid
        out[n] = 1.0
        out[n + 1] = player[PVX] / params[RUN_SPEED]
        out[n + 2] = player[PVY] / params[JUMP_SPEED]
        out[n + 3] = float(player[P_GROUND])


def observe_reference(tiles: np.ndarray, player: np.ndarray, enemies: np.ndarray,
                      params: np.ndarray, grid: int, extra: bool) -> np.ndarray:
    """Pure-Python twin of `observe`, reading tiles directly; shape (n_inputs(grid, extra),)."""
    radius = grid // 2
    row = (int(player[PY]) + int(params[PLAYER_H]) // 2) // 256
    col = (int(player[PX]) + int(params[PLAYER_W]) // 2) // 256
    row = min(max(row, -2), tiles.shape[0] + 1)
    out = []
    for r in range(row - radius, row + radius + 1):
        for c in range(col - radius, col + radius + 1):
            tile = tile_at(tiles, r, c)
            out.append(OBS_SOLID if is_solid(tile) else OBS_DANGER if tile == SPIKES else 0.0)
    for enemy in enemies:
        if enemy[E_STATE] == DEFEATED:
            continue
        er = (int(enemy[EY]) + int(params[ENEMY_H]) // 2) // 256
        ec = (int(enemy[EX]) + int(params[ENEMY_W]) // 2) // 256
        if abs(er - row) <= radius and abs(ec - col) <= radius:
            out[(er - row + radius) * grid + ec - col + radius] = OBS_DANGER
    if extra:
        out += [1.0, player[PVX] / params[RUN_SPEED], player[PVY] / params[JUMP_SPEED],
                float(player[P_GROUND])]
    return np.array(out, dtype=np.float64)
