"""Tile codes of the platformer world, their meaning, and the unit sizes of the game.

Positions and speeds are integers in sub-pixels: one tile is TILE_PX = 16 pixels and one pixel is
SUBPIXELS = 16 sub-pixels, so one tile is TILE = 256 sub-pixels. Integer state keeps every run
bit-identical between compiled code, plain Python and any thread count.
"""

AIR = 0
GROUND = 1
BLOCK = 2  # bricks: walls and stairs
PIPE = 3
FLAG = 4  # the flag pole; not solid, crossing its column wins
PLATFORM = 5  # floating platforms, solid from every side
SPIKES = 6  # not solid; touching them kills (hung under ceilings: walk under, never jump)

TILE_NAMES: dict[int, str] = {
    AIR: "air", GROUND: "ground", BLOCK: "block", PIPE: "pipe", FLAG: "flag", PLATFORM: "platform",
    SPIKES: "spikes",
}
SOLID_TILES: tuple[int, ...] = (GROUND, BLOCK, PIPE, PLATFORM)

TILE_PX = 16
SUBPIXELS = 16
TILE = TILE_PX * SUBPIXELS  # sub-pixels per tile
TILE_SHIFT = 8  # TILE == 1 << TILE_SHIFT

LEVEL_ROWS = 14
"""Height of every level in tiles; row 0 is the top, the ground surface is usually row 12."""

OBS_AIR, OBS_SOLID, OBS_DANGER = 0.0, 1.0, -1.0
"""Observation values of a grid cell (as in MarI/O, where -1 marked enemies): danger is an enemy or
spikes."""
