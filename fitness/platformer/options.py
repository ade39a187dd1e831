"""The platformer's options (the config's [task] table, or the gymnasium env's keyword arguments),
validated into a dataclass, and the level they select."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from fitness.platformer.levels import (
    DIFFICULTIES,
    MAX_LENGTH,
    MIN_LENGTH,
    NAMED_LEVELS,
    Level,
    generate_level,
)
from fitness.task_options import read_options, require_between
from neat.errors import ConfigError

TASK_NAME = "platformer"

RANDOM_LEVEL = "random"
MIN_GRID, MAX_GRID = 3, 31
MAX_EPISODE_FRAMES = 18000  # 5 minutes of game time: a penalty of at most 30 tiles


@dataclass(frozen=True)
class PlatformerOptions:
    """level: a named level ("1-1".."1-4") or "random" (a new level from each episode seed);
    difficulty (0..3) and length (tiles) shape random levels; grid: odd side of the observed tile
    window; extra_inputs: append bias, vx, vy, on-ground to the grid; patience: frames without
    progress that end an episode (120 = 2 s); max_frames: hard cap per episode (at most
    MAX_EPISODE_FRAMES, so the time penalty never hides the flag bonus)."""

    level: str = "1-1"
    difficulty: int = 1
    length: int = 120
    grid: int = 13
    extra_inputs: bool = False
    patience: int = 120
    max_frames: int = 6000


def parse_options(options: dict[str, Any]) -> PlatformerOptions:
    """Validate `options`; raises ConfigError naming the bad key or value and what is allowed."""
    merged = read_options(TASK_NAME, options, asdict(PlatformerOptions()))
    levels = [*NAMED_LEVELS, RANDOM_LEVEL]
    if merged["level"] not in levels:
        raise ConfigError(f"task '{TASK_NAME}' option 'level' must be one of "
                          f"{', '.join(repr(name) for name in levels)}, got {merged['level']!r}.")
    if merged["level"] != RANDOM_LEVEL and {"difficulty", "length"} & set(options):
        raise ConfigError(f"task '{TASK_NAME}' options 'difficulty' and 'length' only shape random "
                          "levels; remove them or set level = \"random\".")
    require_between(TASK_NAME, merged, "difficulty", DIFFICULTIES[0], DIFFICULTIES[-1])
    require_between(TASK_NAME, merged, "length", MIN_LENGTH, MAX_LENGTH)
    require_between(TASK_NAME, merged, "grid", MIN_GRID, MAX_GRID)
    if merged["grid"] % 2 == 0:
        raise ConfigError(f"task '{TASK_NAME}' option 'grid' must be odd so the player sits in the "
                          f"centre cell, got {merged['grid']}; use e.g. 13.")
    require_between(TASK_NAME, merged, "patience", 1)
    require_between(TASK_NAME, merged, "max_frames", 1, MAX_EPISODE_FRAMES)
    return PlatformerOptions(**merged)


def build_level(options: PlatformerOptions, seed: int) -> Level:
    """The level `options` select; `seed` only matters for random levels."""
    if options.level == RANDOM_LEVEL:
        return generate_level(seed, options.difficulty, options.length)
    spec = NAMED_LEVELS[options.level]
    return generate_level(spec.seed, spec.difficulty, spec.length)
