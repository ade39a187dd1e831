"""The platformer's pixel art: original sprites drawn for this project as text, one letter per pixel.

The same sprites draw the game everywhere: fitness.platformer.render paints them into rgb_array
frames and GIFs, and the viewer's page draws them from static/js/sprites.js, which is this module's
data written out by `python -m fitness.platformer.sprites > static/js/sprites.js` (a test checks
the file is up to date).

Tiles are TILE_PX x TILE_PX, so each fills exactly the cell the network sees: solid tiles (ground,
block, pipe, platform) are opaque to their edges; the flag pole and spikes, which are not solid,
leave sky around them. The player (12 x 14 pixels) and the enemy (14 x 15) are drawn at their
collision boxes. "." is transparent (the sky shows through).
"""

from __future__ import annotations

import json
import sys

import numpy as np

SKY = (107, 140, 255)

PALETTE: dict[str, tuple[int, int, int]] = {
    "k": (28, 24, 40),  # outline
    "C": (50, 190, 175),  # the player's teal hood and jacket
    "c": (25, 120, 125),
    "S": (250, 205, 160),  # skin
    "W": (255, 255, 255),
    "D": (60, 80, 170),  # trousers
    "N": (120, 70, 35),  # boots, enemy feet
    "M": (160, 75, 200),  # the enemy's purple
    "m": (95, 40, 130),
    "G": (90, 190, 70),  # grass
    "g": (45, 130, 45),
    "O": (200, 110, 50),  # earth
    "o": (140, 70, 30),
    "B": (185, 85, 45),  # bricks
    "b": (95, 40, 20),
    "P": (60, 185, 80),  # pipe
    "p": (20, 100, 40),
    "L": (170, 240, 170),
    "T": (225, 170, 95),  # planks
    "t": (150, 95, 45),
    "E": (225, 230, 240),  # steel: spikes, the pole
    "e": (130, 135, 150),
    "F": (240, 60, 70),  # the pennant
    "Y": (250, 215, 70),
}

SPRITES: dict[str, tuple[str, ...]] = {
    "player": (
        "...kkkkkk...",
        "..kCCCCCCk..",
        ".kCCCCCCCCk.",
        ".kCckkkkkCk.",
        ".kCkSSSSSkk.",
        ".kCkSSWkSSk.",
        ".kCkSSWkSSk.",
        "..kkSSSSSk..",
        ".kCCkkkkkCk.",
        "kSkCCYCCCkSk",
        "kSkCcYcCCkSk",
        ".kkDDDDDDkk.",
        "..kDDk.kDDk.",
        ".kNNNk.kNNNk",
    ),
    "enemy": (
        "......kk......",
        "....kkMMkk....",
        "...kMMMMMMk...",
        "..kMMMMMMMMk..",
        ".kMMmMMMMmMMk.",
        ".kMWWkMMWWkMk.",
        "kMMWkkMMWkkMMk",
        "kMMMMMMMMMMMMk",
        "kMMkkkkkkkkMMk",
        "kMMkWkWkWkkMMk",
        "kMMMMMMMMMMMMk",
        ".kMMMMMMMMMMk.",
        "..kmmmmmmmmk..",
        ".kNNk....kNNk.",
        ".kkkk....kkkk.",
    ),
    "ground": (
        "GGGGGGGGGGGGGGGG",
        "GGgGGGGGGgGGGGGG",
        "gGgGGgGGgGgGGgGg",
        "ogoggoggoggogogg",
        "OOoOOOOOOoOOOOOO",
        "OOOOOOOOOOOOOOOO",
        "OOOOoOOOOOOOoOOO",
        "OOOOOOOOOOOOOOOO",
        "OoOOOOOOoOOOOOOO",
        "OOOOOOOOOOOOOOOO",
        "OOOOOOoOOOOOOOoO",
        "OOOOOOOOOOOOOOOO",
        "OOoOOOOOOOOoOOOO",
        "OOOOOOOOOOOOOOOO",
        "OOOOOOOoOOOOOOOO",
        "OOOOOOOOOOOOOOOO",
    ),
    "earth": (
        "OOOOOOOOOOOOOOOO",
        "OOOOOOoOOOOOOOOO",
        "OoOOOOOOOOOOoOOO",
        "OOOOOOOOOOOOOOOO",
        "OOOOOOOOOoOOOOOO",
        "OOOoOOOOOOOOOOOO",
        "OOOOOOOOOOOOOOoO",
        "OOOOOOOOOOOOOOOO",
        "OOOOOOoOOOOOOOOO",
        "OoOOOOOOOOOOOOOO",
        "OOOOOOOOOOOoOOOO",
        "OOOOOOOOOOOOOOOO",
        "OOOOoOOOOOOOOOOO",
        "OOOOOOOOOOOOOOoO",
        "OOOOOOOOOoOOOOOO",
        "OOOOOOOOOOOOOOOO",
    ),
    "block": (
        "bbbbbbbbbbbbbbbb",
        "BBBBBBBbBBBBBBBb",
        "BBBBBBBbBBBBBBBb",
        "BBBBBBBbBBBBBBBb",
        "BBBBBBBbBBBBBBBb",
        "BBBBBBBbBBBBBBBb",
        "BBBBBBBbBBBBBBBb",
        "bbbbbbbbbbbbbbbb",
        "BBBbBBBBBBBbBBBB",
        "BBBbBBBBBBBbBBBB",
        "BBBbBBBBBBBbBBBB",
        "BBBbBBBBBBBbBBBB",
        "BBBbBBBBBBBbBBBB",
        "BBBbBBBBBBBbBBBB",
        "BBBbBBBBBBBbBBBB",
        "bbbbbbbbbbbbbbbb",
    ),
    "pipe": (
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
    ),
    "pipe_top": (
        "kkkkkkkkkkkkkkkk",
        "kPPLLLPPPPPPPppk",
        "kPPLLLPPPPPPPppk",
        "kPPLLLPPPPPPPppk",
        "kPPLLLPPPPPPPppk",
        "kpppppppppppppPk",
        "kkkkkkkkkkkkkkkk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
        "kpPPLLPPPPPPPppk",
    ),
    "platform": (
        "kkkkkkkkkkkkkkkk",
        "kTTTTTTTTTTTTTTk",
        "kTTTtTTTTTTtTTTk",
        "kttttttttttttttk",
        "kkkkkkkkkkkkkkkk",
        "kTTTTTTkTTTTTTTk",
        "kTtTTTTkTTTTtTTk",
        "kttttttkttttttTk",
        "kkkkkkkkkkkkkkkk",
        "kTTTkTTTTTTTkTTk",
        "kTTTkTTTtTTTkTTk",
        "ktttkttttttkkttk",
        "kkkkkkkkkkkkkkkk",
        "kTTTTTTTkTTTTTTk",
        "ktttttttkttttttk",
        "kkkkkkkkkkkkkkkk",
    ),
    "pole": (
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
    ),
    "flag": (
        "......kkkk......",
        "......kYYk......",
        "......kYYk......",
        ".....FFkkE......",
        "...FFFFFeE......",
        ".FFFFFFFeE......",
        "FFFWWFFFeE......",
        ".FFFFFFFeE......",
        "...FFFFFeE......",
        ".....FFFeE......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
        ".......eE.......",
    ),
    "spikes": (
        "................",
        "................",
        "................",
        "................",
        "................",
        "................",
        "................",
        "................",
        "...k...k...k...k",
        "..kEk.kEk.kEk.kE",
        "..kEk.kEk.kEk.kE",
        ".kEEekEEekEEekEE",
        ".kEEekEEekEEekEE",
        "kEEEeEEEeEEEeEEE",
        "kEEEeEEEeEEEeEEE",
        "keeeeeeeeeeeeeee",
    ),
}
"""Each sprite's rows, top to bottom. Which tile shows which sprite: ground with grass when the
tile above is not ground, else earth; a pipe's top when the tile above is not pipe; the flag on a
pole's topmost tile; spikes under a block hang upside down (fitness.platformer.render)."""


def sprite_rgba(name: str) -> np.ndarray:
    """The sprite `name` as pixels, shape (height, width, 4) uint8, alpha 0 where transparent."""
    rows = SPRITES[name]
    pixels = np.zeros((len(rows), len(rows[0]), 4), dtype=np.uint8)
    for y, row in enumerate(rows):
        for x, letter in enumerate(row):
            if letter != ".":
                pixels[y, x] = (*PALETTE[letter], 255)
    return pixels


def sprites_module() -> str:
    """static/js/sprites.js: this module's data as a JavaScript module for the viewer's page."""
    lines = ["// Written by `python -m fitness.platformer.sprites` from fitness/platformer/sprites.py,",
             "// the platformer's pixel art (see there); do not edit by hand.", "",
             f"export const SKY = {json.dumps(SKY)};",
             f"export const PALETTE = {json.dumps(PALETTE)};", "export const SPRITES = {"]
    for name, rows in SPRITES.items():
        lines += [f"  {json.dumps(name)}: [", *(f"    {json.dumps(row)}," for row in rows), "  ],"]
    lines.append("};")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(sprites_module())
