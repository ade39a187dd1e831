"""Levels: World 1 (the named levels 1-1 .. 1-4) and a seeded, difficulty-scaled generator.

A level is built left to right from a *plan*, a list of steps (flat ground, an enemy, a pit, a
wall, a pipe, stairs, a step of the ground, a bridge, a spike ceiling, spikes on the floor). Every
level asks for eyes: pits, walls and enemies must be jumped, and spike ceilings (spikes hung two
tiles over the ground, right above the player's head) must be walked under without jumping, so no
fixed button pattern gets far. Obstacle sizes stay inside what the physics can clear at that
difficulty, and the tests check levels with a search over the real physics.

Named levels are fixed plans; each episode plays a *variant*: every flat run of the plan is
lengthened or shortened by up to one tile, drawn from the variant seed, so one memorised button
sequence cannot win (variant 0 is the plan as written). Generated levels come from (seed,
difficulty, length). Random draws come from the counter-based stream of neat/draws.py, so a level
is the same on every machine.
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
    SPIKES,
    TILE,
)
from neat.draws import next_uniform, splitmix64

DIFFICULTIES = (0, 1, 2, 3)
MIN_LENGTH, MAX_LENGTH = 60, 600
BASE_HEIGHT = 2  # ground tiles under the start
MAX_HEIGHT = 5  # steps never raise the ground above this many tiles
START_COLS = 8  # flat ground before the first obstacle
END_COLS = 10  # flat ground around the flag pole
FLAG_OFFSET = 6  # the pole stands this many columns before the level's right end
START_COL = 2  # the player starts standing here
CEILING_CLEARANCE = 7  # flat columns before a spike ceiling: a jump before it lands before it
CEILING_EXIT = 4  # fewest flat columns between a spike ceiling's end and the next obstacle
ENEMY_ZONE = 9  # flat columns around a patrolling enemy

Step = tuple  # ("flat", n), ("enemy", n), ("pit", w), ("wall", h, w), ("pipe", h),
# ("stairs", top, plateau), ("step", dh), ("bridge", gap, width), ("ceiling", n), ("spikes", w)


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


WORLD_1: dict[str, tuple[Step, ...]] = {
    # the first lesson: jump pits and walls, walk under spikes, never jump there
    "1-1": (("flat", 8), ("pit", 2), ("flat", 8), ("wall", 2, 1), ("flat", 8), ("ceiling", 5),
            ("flat", 8), ("pipe", 2), ("flat", 8), ("pit", 2), ("flat", 7), ("pit", 2),
            ("flat", 8), ("ceiling", 12), ("flat", 4), ("pit", 2), ("flat", 8), ("wall", 1, 2),
            ("flat", 8)),
    # enemies, wider pits, stairs, spikes on the floor, a ceiling right before a pit
    "1-2": (("flat", 8), ("pit", 3), ("flat", 7), ("enemy", 9), ("flat", 7), ("pipe", 3),
            ("flat", 8), ("ceiling", 6), ("flat", 4), ("pit", 3), ("flat", 7), ("stairs", 3, 2),
            ("flat", 7), ("spikes", 2), ("flat", 7), ("pit", 2), ("flat", 7), ("pit", 3),
            ("flat", 8), ("ceiling", 14), ("flat", 4), ("spikes", 2), ("flat", 7), ("enemy", 9),
            ("flat", 7), ("wall", 3, 1), ("flat", 8)),
    # steps up and down, bridges over wide pits, taller walls, longer tunnels
    "1-3": (("flat", 8), ("step", 1), ("flat", 7), ("pit", 3), ("flat", 7), ("wall", 3, 2),
            ("flat", 8), ("ceiling", 8), ("flat", 4), ("pit", 3), ("flat", 7), ("bridge", 2, 4),
            ("flat", 7), ("enemy", 9), ("flat", 7), ("pipe", 4), ("flat", 8), ("ceiling", 15),
            ("flat", 4), ("spikes", 3), ("flat", 7), ("step", -1), ("flat", 7), ("stairs", 4, 1),
            ("flat", 7), ("pit", 4), ("flat", 7), ("bridge", 3, 3), ("flat", 8), ("ceiling", 9),
            ("flat", 4), ("pit", 3), ("flat", 8)),
    # everything, longer and denser
    "1-4": (("flat", 8), ("pit", 4), ("flat", 7), ("wall", 4, 1), ("flat", 8), ("ceiling", 10),
            ("flat", 4), ("pit", 4), ("flat", 7), ("enemy", 9), ("flat", 7), ("stairs", 4, 2),
            ("flat", 7), ("bridge", 3, 4), ("flat", 7), ("spikes", 3), ("flat", 8),
            ("ceiling", 16), ("flat", 4), ("spikes", 2), ("flat", 7), ("step", 2), ("flat", 7),
            ("enemy", 9), ("flat", 7), ("pit", 4), ("flat", 7), ("pipe", 4), ("flat", 8),
            ("ceiling", 8), ("flat", 4), ("pit", 4), ("flat", 7), ("step", -2), ("flat", 7),
            ("wall", 4, 2), ("flat", 7), ("bridge", 3, 3), ("flat", 8), ("ceiling", 12),
            ("flat", 4), ("pit", 4), ("flat", 7), ("enemy", 9), ("flat", 8)),
}
"""World 1: fixed plans, each episode a variant of it (see `named_level`)."""
NAMED_LEVELS = tuple(WORLD_1)


@dataclass(frozen=True)
class Rules:
    """What a difficulty allows: ranges are (min, max) inclusive."""

    lead_in: tuple[int, int]  # flat columns before each obstacle
    pit: tuple[int, int]
    wall: tuple[int, int]  # height
    pipe: tuple[int, int]  # height
    stairs: tuple[int, int]  # height of the top
    ceiling: tuple[int, int]  # length of a spike ceiling
    spikes: tuple[int, int]  # width of spikes on the floor
    weights: dict[str, float]  # obstacle kind -> weight


RULES: dict[int, Rules] = {
    0: Rules((7, 9), (1, 2), (1, 2), (2, 2), (2, 2), (3, 4), (1, 1),
             {"pit": 3, "wall": 2, "pipe": 1, "enemy": 1, "ceiling": 2, "ceiling_pit": 1}),
    1: Rules((7, 9), (2, 3), (1, 3), (2, 3), (2, 3), (4, 6), (1, 2),
             {"pit": 3, "wall": 2, "pipe": 1, "stairs": 1, "step": 1, "enemy": 2, "ceiling": 2,
              "ceiling_pit": 2, "spikes": 1}),
    2: Rules((7, 9), (2, 4), (2, 4), (2, 4), (3, 4), (5, 8), (2, 3),
             {"pit": 3, "wall": 2, "pipe": 1, "stairs": 1, "step": 1, "bridge": 1, "enemy": 2,
              "ceiling": 1, "ceiling_pit": 3, "spikes": 1}),
    3: Rules((7, 9), (3, 4), (3, 4), (3, 4), (3, 4), (6, 10), (2, 3),
             {"pit": 3, "wall": 2, "pipe": 1, "stairs": 1, "step": 1, "bridge": 2, "enemy": 3,
              "ceiling": 1, "ceiling_pit": 3, "spikes": 2}),
}


class _Draws:
    """Uniform draws from the counter-based stream of neat/draws.py."""

    def __init__(self, seed: int):
        self.state = np.array([splitmix64(np.uint64(seed & 0xFFFFFFFFFFFFFFFF))], dtype=np.uint64)

    def integer(self, low: int, high: int) -> int:
        """Uniform integer in low..high inclusive."""
        return low + min(int(next_uniform(self.state) * (high - low + 1)), high - low)

    def between(self, bounds: tuple[int, int]) -> int:
        return self.integer(*bounds)

    def chance(self, p: float) -> bool:
        return next_uniform(self.state) < p

    def pick(self, weights: dict[str, float]) -> str:
        u = next_uniform(self.state) * sum(weights.values())
        for name, weight in weights.items():
            u -= weight
            if u < 0:
                return name
        return name


def step_width(step: Step, height: int = BASE_HEIGHT) -> int:
    """Columns a plan step takes."""
    kind = step[0]
    if kind in ("flat", "pit", "ceiling", "spikes", "enemy"):
        return step[1]
    if kind == "wall":
        return step[2]
    if kind == "pipe":
        return 2
    if kind == "stairs":
        return 2 * (step[1] - 1) + step[2]
    if kind == "step":
        return 1
    if kind == "bridge":
        return 2 * step[1] + step[2]
    return 0


class _Builder:
    """Writes a level column by column; `height` is the ground height (tiles) at the cursor."""

    def __init__(self, length: int):
        self.tiles = np.zeros((LEVEL_ROWS, length), dtype=np.int8)
        self.enemies: list[tuple[int, int]] = []
        self.col = 0
        self.height = BASE_HEIGHT

    @property
    def top(self) -> int:
        """Row of the ground surface at the cursor."""
        return LEVEL_ROWS - self.height

    def add(self, step: Step) -> None:
        kind = step[0]
        if kind == "flat":
            for _ in range(step[1]):
                self._column()
        elif kind == "enemy":  # an enemy patrolling the middle of `n` flat columns
            self.add(("flat", step[1] // 2))
            self._enemy(self.col)
            self.add(("flat", step[1] - step[1] // 2))
        elif kind == "pit":
            self.col += step[1]
        elif kind == "wall":
            for _ in range(step[2]):
                self._column(step[1], BLOCK)
        elif kind == "pipe":
            for _ in range(2):
                self._column(step[1], PIPE)
        elif kind == "stairs":  # up one-tile steps to a plateau of `top`, then back down
            top, plateau = step[1], step[2]
            for size in (*range(1, top), *([top] * plateau), *range(top - 1, 0, -1)):
                self._column(size, BLOCK)
        elif kind == "step":  # the ground goes up or down for good
            self.height = min(max(self.height + step[1], BASE_HEIGHT), MAX_HEIGHT)
            self._column()
        elif kind == "bridge":  # a pit too wide to jump, with a platform in the middle
            gap, width = step[1], step[2]
            self.col += gap
            self.tiles[self.top - 2, self.col : self.col + width] = PLATFORM
            self.col += width + gap
        elif kind == "ceiling":  # a low tunnel: spikes hung from a brick mass that reaches the sky
            for _ in range(step[1]):
                self.tiles[: self.top - 2, self.col] = BLOCK
                self.tiles[self.top - 2, self.col] = SPIKES
                self._column()
        elif kind == "spikes":  # spikes standing on the ground
            for _ in range(step[1]):
                self.tiles[self.top - 1, self.col] = SPIKES
                self._column()
        else:
            raise ValueError(f"unknown plan step {step!r}")

    def _column(self, size: int = 0, tile: int = GROUND) -> None:
        """Ground at the cursor with a `size`-tile stack of `tile` on top."""
        self.tiles[self.top :, self.col] = GROUND
        if size:
            self.tiles[self.top - size : self.top, self.col] = tile
        self.col += 1

    def _enemy(self, col: int) -> None:
        x = col * TILE + (TILE - DEFAULT_PARAMS["enemy_w"]) // 2
        y = self.top * TILE - DEFAULT_PARAMS["enemy_h"]
        self.enemies.append((x, y))


def build_plan(plan: tuple[Step, ...] | list[Step]) -> Level:
    """The level of `plan`, with the flag pole END_COLS - FLAG_OFFSET columns into a flat end zone."""
    length = sum(step_width(s) for s in plan) + END_COLS
    b = _Builder(length)
    for step in plan:
        b.add(step)
    b.add(("flat", length - b.col))
    flag_col = length - FLAG_OFFSET
    b.tiles[1 : b.top, flag_col] = FLAG
    spawn = np.array(b.enemies, dtype=np.int64).reshape(-1, 2)
    start_x = START_COL * TILE + (TILE - DEFAULT_PARAMS["player_w"]) // 2
    start_y = (LEVEL_ROWS - BASE_HEIGHT) * TILE - DEFAULT_PARAMS["player_h"]
    return Level(b.tiles, spawn, start_x, start_y, flag_col)


def named_level(name: str, variant: int) -> Level:
    """Variant `variant` of World 1's level `name` (variant 0 is the plan as written)."""
    return build_plan(vary_plan(WORLD_1[name], variant))


def vary_plan(plan: tuple[Step, ...], variant: int) -> list[Step]:
    """`plan` with every flat run after the first lengthened or shortened by up to one tile
    (never below 2, below CEILING_CLEARANCE before a spike ceiling, nor below CEILING_EXIT after
    one)."""
    if variant == 0:
        return list(plan)
    draws = _Draws(variant)
    varied: list[Step] = [plan[0]]
    for k, step in enumerate(plan[1:], start=1):
        if step[0] == "flat":
            before_ceiling = k + 1 < len(plan) and plan[k + 1][0] == "ceiling"
            after_ceiling = plan[k - 1][0] == "ceiling"
            lowest = (CEILING_CLEARANCE if before_ceiling else CEILING_EXIT if after_ceiling
                      else 2)
            step = ("flat", max(step[1] + draws.integer(-1, 1), lowest))
        varied.append(step)
    return varied


def generate_level(seed: int, difficulty: int, length: int) -> Level:
    """Build the level of `seed` at `difficulty` (0..3), `length` tiles wide (MIN..MAX_LENGTH)."""
    assert difficulty in DIFFICULTIES and MIN_LENGTH <= length <= MAX_LENGTH
    return build_plan(random_plan(seed, difficulty, length))


def random_plan(seed: int, difficulty: int, length: int) -> list[Step]:
    """The plan of a generated level: flat run-ups, each followed by an obstacle drawn by weight."""
    rules = RULES[difficulty]
    draws = _Draws(seed * 8 + difficulty)
    plan: list[Step] = [("flat", START_COLS)]
    col, height = START_COLS, BASE_HEIGHT
    while True:
        obstacle = _obstacle(draws.pick(rules.weights), rules, draws, height)
        lead_in = draws.between(rules.lead_in)
        width = lead_in + sum(step_width(s) for s in obstacle)
        if col + width > length - END_COLS:
            break
        plan += [("flat", lead_in), *obstacle]
        col += width
        height = min(max(height + sum(s[1] for s in obstacle if s[0] == "step"), BASE_HEIGHT),
                     MAX_HEIGHT)
    return [*plan, ("flat", length - END_COLS - col)]


def _obstacle(kind: str, rules: Rules, draws: _Draws, height: int) -> list[Step]:
    """The plan steps of one obstacle of `kind`."""
    if kind == "pit":
        return [("pit", draws.between(rules.pit))]
    if kind == "wall":
        return [("wall", draws.between(rules.wall), draws.integer(1, 2))]
    if kind == "pipe":
        return [("pipe", draws.between(rules.pipe))]
    if kind == "stairs":
        return [("stairs", draws.between(rules.stairs), draws.integer(1, 3))]
    if kind == "step":
        up = height < MAX_HEIGHT and (height == BASE_HEIGHT or draws.chance(0.5))
        return [("step", draws.integer(1, 2) if up else BASE_HEIGHT - height)]
    if kind == "bridge":
        return [("bridge", draws.integer(2, 3), draws.integer(3, 5))]
    if kind == "spikes":
        return [("spikes", draws.between(rules.spikes))]
    if kind == "enemy":
        return [("enemy", ENEMY_ZONE)]
    ceiling = ("ceiling", draws.between(rules.ceiling))
    if kind == "ceiling":
        return [ceiling]
    # "ceiling_pit": a pit right after a spike ceiling, so the jump comes just after it ends
    return [ceiling, ("flat", CEILING_EXIT + draws.integer(0, 1)),
            ("pit", draws.between(rules.pit))]
