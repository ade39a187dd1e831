"""Drawing: the small JSON-able world state of one frame, and its pictures (RGB pixels, text).

World dict (what `replay` frames carry and the viewer draws):
  {"kind": "platformer", "x0": left column of the window, "y0": 0,
   "tiles": rows top-to-bottom (all LEVEL_ROWS) x WINDOW_COLS columns of tile codes
            (0 air, 1 ground, 2 block, 3 pipe, 4 flag pole, 5 platform; see tiles.py),
   "player": {"x", "y", "w", "h"} in tiles, level coordinates (column x0 is at x = x0), y down,
   "enemies": [{"x", "y", "w", "h"}, ...] the living ones, same units,
   "frame": frames played, "distance": furthest tiles right of the start, "dead", "won"}.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fitness.platformer.levels import Level
from fitness.platformer.physics import (
    DEFEATED,
    E_STATE,
    ENEMY_H,
    ENEMY_W,
    EX,
    EY,
    P_DEAD,
    P_FRAME,
    P_WON,
    PLAYER_H,
    PLAYER_W,
    PX,
    PY,
)
from fitness.platformer.tiles import (
    AIR,
    BLOCK,
    FLAG,
    GROUND,
    PIPE,
    PLATFORM,
    SPIKES,
    TILE,
    TILE_PX,
)

WINDOW_COLS = 24
LEAD_COLS = 8  # the player is drawn this many columns from the window's left edge

SKY = (107, 140, 255)
_PLAYER_COLORS = ((220, 40, 30), (40, 60, 200), (250, 200, 150))  # cap and shirt, overalls, face
_ENEMY_COLORS = ((150, 80, 30), (250, 220, 180))  # body, feet/eyes
_BURIED_GROUND = SPIKES + 1  # sprite index of ground tiles under other ground
_HUNG_SPIKES = SPIKES + 2  # sprite index of spikes hanging from the tile above
_ANSI = {AIR: ".", GROUND: "#", BLOCK: "B", PIPE: "P", FLAG: "|", PLATFORM: "=", SPIKES: "^"}


def world_view(level: Level, player: np.ndarray, enemies: np.ndarray, params: np.ndarray,
               distance: float) -> dict[str, Any]:
    """The world dict (see module docstring) of the window around the player."""
    player_col = int(player[PX]) // TILE
    x0 = min(max(player_col - LEAD_COLS, 0), level.length - WINDOW_COLS)
    return {
        "kind": "platformer",
        "x0": x0,
        "y0": 0,
        "tiles": level.tiles[:, x0 : x0 + WINDOW_COLS].tolist(),
        "player": _box(player[PX], player[PY], params[PLAYER_W], params[PLAYER_H]),
        "enemies": [_box(e[EX], e[EY], params[ENEMY_W], params[ENEMY_H])
                    for e in enemies if e[E_STATE] != DEFEATED],
        "frame": int(player[P_FRAME]),
        "distance": float(distance),
        "dead": bool(player[P_DEAD]),
        "won": bool(player[P_WON]),
    }


def _box(x: int, y: int, w: int, h: int) -> dict[str, float]:
    return {"x": int(x) / TILE, "y": int(y) / TILE, "w": int(w) / TILE, "h": int(h) / TILE}


def _tile_sprites() -> np.ndarray:
    """16 x 16 RGB pictures of every tile code, then of ground under ground (no grass) and of
    spikes hanging from above, shape (9, TILE_PX, TILE_PX, 3) uint8."""
    n = TILE_PX
    sprites = np.empty((_HUNG_SPIKES + 1, n, n, 3), dtype=np.uint8)
    sprites[:] = SKY
    sprites[GROUND] = (200, 76, 12)
    sprites[GROUND, 5::6, 3::7] = (150, 50, 8)  # a few darker pebbles
    sprites[GROUND, 8::6, 6::5] = (150, 50, 8)
    sprites[_BURIED_GROUND] = sprites[GROUND]
    sprites[GROUND, :3] = (90, 180, 60)  # grass on top
    sprites[BLOCK] = (180, 90, 40)
    sprites[BLOCK, [0, 7, 8, 15], :] = (60, 30, 10)  # mortar
    sprites[BLOCK, :8, [0, 15]] = (60, 30, 10)
    sprites[BLOCK, 8:, 7:9] = (60, 30, 10)
    sprites[PIPE] = (40, 170, 60)
    sprites[PIPE, :, :2] = (10, 90, 20)
    sprites[PIPE, :, -2:] = (10, 90, 20)
    sprites[PIPE, :, 4:6] = (140, 230, 140)
    sprites[FLAG, :, 7:9] = (230, 230, 230)
    sprites[PLATFORM] = SKY
    sprites[PLATFORM, 2:12] = (230, 170, 90)
    sprites[PLATFORM, 2:4] = (255, 220, 150)
    sprites[SPIKES] = SKY
    for k in range(8):  # four teeth pointing up, 8 px tall, 4 px wide at the base
        width = 4 - k // 2
        for tooth in range(4):
            left = tooth * 4 + (4 - width) // 2
            sprites[SPIKES, n - 1 - k, left : left + width] = (235, 238, 245)
            sprites[SPIKES, n - 1 - k, left] = (150, 155, 165)
    sprites[_HUNG_SPIKES] = sprites[SPIKES, ::-1]
    return sprites


_SPRITES = _tile_sprites()


def render_world_rgb(world: dict[str, Any]) -> np.ndarray:
    """Picture of a world dict, shape (rows * 16, cols * 16, 3) uint8 (16 px per tile)."""
    tiles = np.asarray(world["tiles"], dtype=np.int64)
    rows, cols = tiles.shape
    sprite = np.clip(tiles, 0, SPIKES)
    sprite[1:][(tiles[1:] == GROUND) & (tiles[:-1] == GROUND)] = _BURIED_GROUND
    sprite[1:][(tiles[1:] == SPIKES) & (tiles[:-1] == BLOCK)] = _HUNG_SPIKES
    image = _SPRITES[sprite]  # (rows, cols, 16, 16, 3)
    image = image.transpose(0, 2, 1, 3, 4).reshape(rows * TILE_PX, cols * TILE_PX, 3).copy()
    _draw_flags(image, tiles)
    x0, y0 = world["x0"], world["y0"]
    for enemy in world["enemies"]:
        top, left, bottom, right = _pixel_box(enemy, x0, y0)
        _fill(image, top, left, bottom, right, _ENEMY_COLORS[0])
        _fill(image, bottom - 3, left, bottom, right, _ENEMY_COLORS[1])
        _fill(image, top + 4, left + 3, top + 7, left + 5, _ENEMY_COLORS[1])
        _fill(image, top + 4, right - 5, top + 7, right - 3, _ENEMY_COLORS[1])
    top, left, bottom, right = _pixel_box(world["player"], x0, y0)
    color = (90, 90, 90) if world["dead"] else _PLAYER_COLORS[0]
    _fill(image, top, left, bottom, right, color)
    _fill(image, (top + bottom) // 2, left, bottom, right, _PLAYER_COLORS[1])
    if not world["dead"]:
        _fill(image, top + 3, left + 3, top + 6, right - 1, _PLAYER_COLORS[2])
    return image


def _draw_flags(image: np.ndarray, tiles: np.ndarray) -> None:
    """A green pennant on the topmost tile of every flag pole."""
    for row, col in zip(*np.nonzero(tiles == FLAG), strict=True):
        if row == 0 or tiles[row - 1, col] != FLAG:
            top, left = row * TILE_PX, col * TILE_PX
            for k in range(9):
                image[top + 1 + k, left + 7 - (9 - 2 * abs(4 - k)) : left + 7] = (30, 160, 30)


def _pixel_box(box: dict[str, float], x0: int, y0: int) -> tuple[int, int, int, int]:
    left = round((box["x"] - x0) * TILE_PX)
    top = round((box["y"] - y0) * TILE_PX)
    return top, left, top + round(box["h"] * TILE_PX), left + round(box["w"] * TILE_PX)


def _fill(image: np.ndarray, top: int, left: int, bottom: int, right: int,
          color: tuple[int, int, int]) -> None:
    """Fill a pixel rectangle, clipped to the image."""
    h, w = image.shape[:2]
    top, bottom = min(max(top, 0), h), min(max(bottom, 0), h)
    left, right = min(max(left, 0), w), min(max(right, 0), w)
    image[top:bottom, left:right] = color


def render_world_ansi(world: dict[str, Any]) -> str:
    """Text picture of a world dict: one character per tile, E enemies, M the player (X dead)."""
    grid = [[_ANSI.get(t, "?") for t in row] for row in world["tiles"]]

    def put(box: dict[str, float], char: str) -> None:
        row = int(box["y"] + box["h"] / 2) - world["y0"]
        col = int(box["x"] + box["w"] / 2) - world["x0"]
        if 0 <= row < len(grid) and 0 <= col < len(grid[0]):
            grid[row][col] = char

    for enemy in world["enemies"]:
        put(enemy, "E")
    put(world["player"], "X" if world["dead"] else "M")
    status = f"frame {world['frame']}  distance {world['distance']:.1f}"
    return "\n".join("".join(row) for row in grid) + "\n" + status + "\n"
