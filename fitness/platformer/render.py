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
from fitness.platformer.sprites import SKY, sprite_rgba
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

_EARTH = SPIKES + 1  # sprite index of ground under ground (no grass)
_HUNG_SPIKES = SPIKES + 2  # spikes hanging from the block above
_PIPE_TOP = SPIKES + 3  # a pipe's topmost tile
_FLAG_TOP = SPIKES + 4  # a flag pole's topmost tile, with its flag
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
    """TILE_PX x TILE_PX RGB pictures of every tile code over the sky, then of the variants above,
    shape (_FLAG_TOP + 1, TILE_PX, TILE_PX, 3) uint8."""
    names = {GROUND: "ground", BLOCK: "block", PIPE: "pipe", FLAG: "pole", PLATFORM: "platform",
             SPIKES: "spikes", _EARTH: "earth", _PIPE_TOP: "pipe_top", _FLAG_TOP: "flag"}
    sprites = np.empty((_FLAG_TOP + 1, TILE_PX, TILE_PX, 3), dtype=np.uint8)
    sprites[:] = SKY
    for index, name in names.items():
        _paste(sprites[index], sprite_rgba(name), 0, 0)
    sprites[_HUNG_SPIKES] = sprites[SPIKES, ::-1]
    return sprites


def tile_sprites(tiles: np.ndarray) -> np.ndarray:
    """Which of the tile pictures each tile shows (tile codes, rows top to bottom): its code, or a
    variant by the tile above (see fitness.platformer.sprites)."""
    sprite = np.clip(tiles, 0, SPIKES)
    above = np.vstack([np.full((1, tiles.shape[1]), AIR), tiles[:-1]])
    sprite[(tiles == GROUND) & (above == GROUND)] = _EARTH
    sprite[(tiles == SPIKES) & (above == BLOCK)] = _HUNG_SPIKES
    sprite[(tiles == PIPE) & (above != PIPE)] = _PIPE_TOP
    sprite[(tiles == FLAG) & (above != FLAG)] = _FLAG_TOP
    return sprite


def render_world_rgb(world: dict[str, Any]) -> np.ndarray:
    """Picture of a world dict, shape (rows * 16, cols * 16, 3) uint8 (16 px per tile): the tiles'
    sprites, the enemies', then the player's (upside down when dead), each at its box."""
    tiles = np.asarray(world["tiles"], dtype=np.int64)
    rows, cols = tiles.shape
    image = _SPRITES[tile_sprites(tiles)]  # (rows, cols, 16, 16, 3)
    image = image.transpose(0, 2, 1, 3, 4).reshape(rows * TILE_PX, cols * TILE_PX, 3).copy()
    x0, y0 = world["x0"], world["y0"]
    for enemy in world["enemies"]:
        _draw_sprite(image, _ENEMY, enemy, x0, y0)
    _draw_sprite(image, _PLAYER[::-1] if world["dead"] else _PLAYER, world["player"], x0, y0)
    return image


def _draw_sprite(image: np.ndarray, sprite: np.ndarray, box: dict[str, float], x0: int,
                 y0: int) -> None:
    """Draw `sprite` (h, w, 4) stretched to `box` (tiles, level coordinates), clipped to the image."""
    left = round((box["x"] - x0) * TILE_PX)
    top = round((box["y"] - y0) * TILE_PX)
    width, height = max(1, round(box["w"] * TILE_PX)), max(1, round(box["h"] * TILE_PX))
    rows = np.arange(height) * sprite.shape[0] // height
    cols = np.arange(width) * sprite.shape[1] // width
    _paste(image, sprite[rows][:, cols], top, left)


def _paste(image: np.ndarray, sprite: np.ndarray, top: int, left: int) -> None:
    """Copy the opaque pixels of `sprite` (h, w, 4) onto `image` (H, W, 3) at (top, left), clipped."""
    h, w = sprite.shape[:2]
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + h, image.shape[0]), min(left + w, image.shape[1])
    if y0 >= y1 or x0 >= x1:
        return
    part = sprite[y0 - top : y1 - top, x0 - left : x1 - left]
    opaque = part[..., 3] > 0
    image[y0:y1, x0:x1][opaque] = part[..., :3][opaque]


_SPRITES = _tile_sprites()
_PLAYER = sprite_rgba("player")
_ENEMY = sprite_rgba("enemy")


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
