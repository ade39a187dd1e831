"""Level generation: a seeded, difficulty-scaled tile world, plus the fixed named levels.

A level is a LEVEL_ROWS x length tile array (row 0 at the top) built left to right from a start
zone, a run of obstacles (pits, walls, pipes, stairs, floating platforms, walking enemies), each
after a flat run-up, and an end zone with the flag pole. Obstacle sizes stay inside what the
physics can clear at that difficulty (walls <= 4 tiles, pits <= 5 tiles or a platform to hop
across), and the tests check generated levels with a search over the real physics. Random draws
come from the counter-based stream of fitness/seeding.py, so a (seed, difficulty, length) always
gives the same level on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fitness.platformer.physics import DEFAULT_PARAMS
from fitness.platformer.tiles import (
    BLOCK,
    FLAG,
    GROUND,
    LEVEL_ROWS,
    PIPE,
    PLATFORM,
    TILE,
)
from neat.draws import next_uniform, splitmix64

DIFFICULTIES = (0, 1, 2, 3)
MIN_LENGTH, MAX_LENGTH = 40, 600
BASE_HEIGHT = 2  # ground tiles under the start
MAX_HEIGHT = 6  # stairs never raise the ground above this many tiles
START_COLS = 8  # flat ground before the first obstacle
END_COLS = 10  # flat ground around the flag pole
FLAG_OFFSET = 6  # the pole stands this many columns before the level's right end
START_COL = 2  # the player starts standing here


@dataclass(frozen=True)
class LevelSpec:
    """How to generate a level: seed, difficulty 0..3, length in tiles."""

    seed: int
    difficulty: int
    length: int


NAMED_LEVELS: dict[str, LevelSpec] = {
    "1-1": LevelSpec(seed=11, difficulty=0, length=64),
    "1-2": LevelSpec(seed=12, difficulty=1, length=110),
    "1-3": LevelSpec(seed=13, difficulty=2, length=160),
    "1-4": LevelSpec(seed=14, difficulty=3, length=220),
}
"""Fixed levels; 1-1 is short and forgiving, the others grow longer and harder."""


@dataclass(frozen=True)
class Level:
    """A built level. Positions are in sub-pixels (see tiles.py)."""

    tiles: np.ndarray  # int8 (LEVEL_ROWS, length), tile codes
    enemy_spawn: np.ndarray  # int64 (E, 2): top-left x, y of each enemy
    start_x: int  # player's top-left corner at the start
    start_y: int
    flag_col: int

    @property
    def length(self) -> int:
        return int(self.tiles.shape[1])


@dataclass(frozen=True)
class _Rules:
    lead_in: tuple[int, int]  # flat columns before each obstacle (min, max)
    max_pit: int
    max_wall: int
    max_pipe: int
    enemy_chance: float  # per flat run-up
    weights: dict[str, float]  # obstacle kind -> weight


_RULES: dict[int, _Rules] = {
    0: _Rules((4, 6), 2, 2, 2, 0.12, {"pit": 3, "wall": 3, "pipe": 2, "stairs": 1}),
    1: _Rules((3, 5), 3, 3, 3, 0.25,
              {"pit": 3, "wall": 3, "pipe": 2, "stairs": 2, "step": 1, "platform": 1}),
    2: _Rules((2, 4), 4, 4, 4, 0.35,
              {"pit": 3, "wall": 2, "pipe": 2, "stairs": 2, "step": 2, "platform": 2,
               "bridge": 1}),
    3: _Rules((2, 3), 5, 4, 4, 0.5,
              {"pit": 4, "wall": 2, "pipe": 2, "stairs": 2, "step": 2, "platform": 2,
               "bridge": 2}),
}


class _Draws:
    """Uniform draws from the counter-based stream of fitness/seeding.py."""

    def __init__(self, seed: int):
        self.state = np.array([splitmix64(np.uint64(seed & 0xFFFFFFFFFFFFFFFF))], dtype=np.uint64)

    def integer(self, low: int, high: int) -> int:
        """Uniform integer in low..high inclusive."""
        return low + min(int(next_uniform(self.state) * (high - low + 1)), high - low)

    def chance(self, p: float) -> bool:
        return next_uniform(self.state) < p

    def pick(self, weights: dict[str, float]) -> str:
        u = next_uniform(self.state) * sum(weights.values())
        for name, weight in weights.items():
            u -= weight
            if u < 0:
                return name
        return name


class _Builder:
    """Writes a level column by column; `height` is the ground height (tiles) at the cursor."""

    def __init__(self, length: int):
        self.tiles = np.zeros((LEVEL_ROWS, length), dtype=np.int8)
        self.enemies: list[tuple[int, int]] = []
        self.col = 0
        self.height = BASE_HEIGHT

    def flat(self, width: int) -> None:
        for _ in range(width):
            self.tiles[LEVEL_ROWS - self.height :, self.col] = GROUND
            self.col += 1

    def pit(self, width: int) -> None:
        self.col += width

    def column_stack(self, width: int, size: int, tile: int) -> None:
        """Ground with a `size`-tile stack of `tile` on top, `width` columns."""
        top = LEVEL_ROWS - self.height
        for _ in range(width):
            self.tiles[top:, self.col] = GROUND
            self.tiles[top - size : top, self.col] = tile
            self.col += 1

    def platform(self, width: int, above: int) -> None:
        """A floating platform `above` tiles over the current ground, starting at the cursor."""
        row = LEVEL_ROWS - self.height - above
        self.tiles[row, self.col : self.col + width] = PLATFORM

    def enemy(self, col: int) -> None:
        x = col * TILE + (TILE - DEFAULT_PARAMS["enemy_w"]) // 2
        y = (LEVEL_ROWS - self.height) * TILE - DEFAULT_PARAMS["enemy_h"]
        self.enemies.append((x, y))


def generate_level(seed: int, difficulty: int, length: int) -> Level:
    """Build the level of `seed` at `difficulty` (0..3), `length` tiles wide (40..600)."""
    assert difficulty in DIFFICULTIES and MIN_LENGTH <= length <= MAX_LENGTH
    rules = _RULES[difficulty]
    draws = _Draws(seed * 8 + difficulty)
    b = _Builder(length)
    b.flat(START_COLS)
    while True:
        lead_in = draws.integer(*rules.lead_in)
        kind = draws.pick(rules.weights)
        if b.col + lead_in + _width_bound(kind) > length - END_COLS:
            break
        lead_start = b.col
        b.flat(lead_in)
        if lead_in >= 3 and draws.chance(rules.enemy_chance):
            b.enemy(lead_start + lead_in - 1)
        _add_obstacle(b, kind, rules, draws)
    b.flat(length - b.col)
    flag_col = length - FLAG_OFFSET
    b.tiles[1 : LEVEL_ROWS - b.height, flag_col] = FLAG
    spawn = np.array(b.enemies, dtype=np.int64).reshape(-1, 2)
    start_x = START_COL * TILE + (TILE - DEFAULT_PARAMS["player_w"]) // 2
    start_y = (LEVEL_ROWS - BASE_HEIGHT) * TILE - DEFAULT_PARAMS["player_h"]
    return Level(b.tiles, spawn, start_x, start_y, flag_col)


def _width_bound(kind: str) -> int:
    """Most columns an obstacle of `kind` may take (so it never runs into the end zone)."""
    return {"pit": 5, "wall": 2, "pipe": 2, "stairs": 9, "step": 1, "platform": 5,
            "bridge": 11}[kind]


def _add_obstacle(b: _Builder, kind: str, rules: _Rules, draws: _Draws) -> None:
    if kind == "pit":
        b.pit(draws.integer(max(1, rules.max_pit - 2), rules.max_pit))
    elif kind == "wall":
        b.column_stack(draws.integer(1, 2), draws.integer(1, rules.max_wall), BLOCK)
    elif kind == "pipe":
        b.column_stack(2, draws.integer(2, rules.max_pipe), PIPE)
    elif kind == "stairs":  # up a few one-tile block steps, a flat top, back down
        steps = draws.integer(2, 4)
        for size in range(1, steps):
            b.column_stack(1, size, BLOCK)
        b.column_stack(draws.integer(1, 3), steps, BLOCK)
        for size in range(steps - 1, 0, -1):
            b.column_stack(1, size, BLOCK)
    elif kind == "step":  # the ground goes up or down for good
        up = b.height < MAX_HEIGHT and (b.height == BASE_HEIGHT or draws.chance(0.5))
        b.height = min(b.height + draws.integer(1, 2), MAX_HEIGHT) if up else BASE_HEIGHT
        b.flat(1)
    elif kind == "platform":  # a platform over flat ground, sometimes with an enemy below
        width = draws.integer(3, 5)
        b.platform(width, draws.integer(3, 4))
        b.flat(width)
    else:  # "bridge": a pit too wide to jump, with a platform in the middle to hop across
        gap = draws.integer(2, 3)
        width = draws.integer(3, 5)
        b.pit(gap)
        b.platform(width, 2)
        b.pit(width + gap)
