"""The platformer's options, validated into dataclasses: the task's (the config's [task] table) and
the gymnasium environment's (its keyword arguments)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from fitness.platformer.levels import DIFFICULTIES, MAX_LENGTH, MIN_LENGTH, NAMED_LEVELS
from fitness.task_options import read_options, require_between
from neat.errors import ConfigError

TASK_NAME = "platformer"
RANDOM_LEVEL = "random"
HELDOUT_LEVEL = "heldout"
MIN_GRID, MAX_GRID = 3, 31
MAX_EPISODE_FRAMES = 18000  # 5 minutes of game time: a time penalty of at most 30 points


@dataclass(frozen=True)
class PlayOptions:
    """How an episode is played. grid: odd side of the observed tile window; extra_inputs: append
    bias, vx, vy, on-ground to the grid; patience: frames without progress that end an episode
    (120 = 2 s); max_frames: hard cap per episode (at most MAX_EPISODE_FRAMES)."""

    grid: int = 13
    extra_inputs: bool = True
    patience: int = 120
    max_frames: int = 6000


@dataclass(frozen=True)
class PlatformerOptions(PlayOptions):
    """The task. Every generation each genome plays one variant of each of `levels` (named
    levels) and `random_levels` generated levels, `length` tiles long, of `difficulties` in turn;
    fitness is the mean score. Each new champion is tested on `heldout_levels` generated levels
    (equal shares of difficulties 1, 2 and 3) and `named_variants` test variants of every named
    level; solved when it clears at least `solve_rate` of each named level's variants and of the
    held-out levels. `blind`: the network sees nothing (all inputs 0), the control experiment."""

    levels: tuple[str, ...] = NAMED_LEVELS
    random_levels: int = 8
    difficulties: tuple[int, ...] = DIFFICULTIES
    length: int = 150
    heldout_levels: int = 120
    named_variants: int = 5
    solve_rate: float = 0.6
    blind: bool = False


@dataclass(frozen=True)
class EnvOptions(PlayOptions):
    """The gymnasium environment. level: a named level (each reset plays the variant of its seed;
    no seed: the level as written), "random" (a generated level of `difficulty` and `length` from
    the reset seed) or "heldout" (held-out level number seed % heldout_levels of the task's test
    set, 120 by default)."""

    level: str = "1-1"
    difficulty: int = 1
    length: int = 150
    heldout_levels: int = PlatformerOptions.heldout_levels


def parse_options(options: dict[str, Any]) -> PlatformerOptions:
    """Validate the task's `options`; raises ConfigError naming the bad key or value."""
    merged = _read(options, PlatformerOptions())
    if not merged["levels"] and not merged["random_levels"]:
        raise ConfigError(f"task '{TASK_NAME}' needs at least one training level: set 'levels' "
                          "(named levels) or 'random_levels' above 0.")
    unknown = [name for name in merged["levels"] if name not in NAMED_LEVELS]
    if unknown or len(set(merged["levels"])) != len(merged["levels"]):
        raise ConfigError(f"task '{TASK_NAME}' option 'levels' must list distinct named levels "
                          f"of {', '.join(NAMED_LEVELS)}, got {merged['levels']!r}.")
    if not merged["difficulties"] or any(
            not isinstance(d, int) or d not in DIFFICULTIES for d in merged["difficulties"]):
        raise ConfigError(f"task '{TASK_NAME}' option 'difficulties' must list difficulties of "
                          f"{DIFFICULTIES}, got {merged['difficulties']!r}.")
    require_between(TASK_NAME, merged, "random_levels", 0, 1000)
    require_between(TASK_NAME, merged, "heldout_levels", 3, 100_000)
    require_between(TASK_NAME, merged, "named_variants", 1, 1000)
    require_between(TASK_NAME, merged, "solve_rate", 0.0, 1.0)
    return PlatformerOptions(**{**merged, "levels": tuple(merged["levels"]),
                                "difficulties": tuple(merged["difficulties"])})


def parse_env_options(options: dict[str, Any]) -> EnvOptions:
    """Validate the environment's keyword arguments; raises ConfigError."""
    merged = _read(options, EnvOptions())
    levels = [*NAMED_LEVELS, RANDOM_LEVEL, HELDOUT_LEVEL]
    if merged["level"] not in levels:
        raise ConfigError(f"option 'level' must be one of {', '.join(map(repr, levels))}, got "
                          f"{merged['level']!r}.")
    require_between(TASK_NAME, merged, "difficulty", DIFFICULTIES[0], DIFFICULTIES[-1])
    require_between(TASK_NAME, merged, "heldout_levels", 3, 100_000)
    return EnvOptions(**merged)


def _read(options: dict[str, Any], defaults: PlayOptions) -> dict[str, Any]:
    """`options` over `defaults` (lists for tuples, as TOML gives them), with the checks every
    option set shares."""
    defaults_dict = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(defaults).items()}
    merged = read_options(TASK_NAME, options, defaults_dict)
    require_between(TASK_NAME, merged, "length", MIN_LENGTH, MAX_LENGTH)
    require_between(TASK_NAME, merged, "grid", MIN_GRID, MAX_GRID)
    if merged["grid"] % 2 == 0:
        raise ConfigError(f"task '{TASK_NAME}' option 'grid' must be odd so the player sits in the "
                          f"centre cell, got {merged['grid']}; use e.g. 13.")
    require_between(TASK_NAME, merged, "patience", 1)
    require_between(TASK_NAME, merged, "max_frames", 1, MAX_EPISODE_FRAMES)
    return merged

