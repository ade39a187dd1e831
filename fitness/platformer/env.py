"""`neat/Platformer-v0`: the platformer as a gymnasium environment (same compiled game as the task).

Action space: MultiBinary(4), the buttons LEFT, RIGHT, JUMP, RUN (1 = pressed this frame; their
names are the env's `action_labels`).

Observation: Box(-1, 1, (n,), float32), the task's network inputs: the `grid` x `grid` tile window
around the player row-major (1 solid, -1 enemy, 0 air), then bias, vx, vy, on-ground when
`extra_inputs` (see observe.py).

Reward: the change of the task's episode score before clamping: 100 x the new share of the way to
the flag, minus 1/600 per frame, plus 100 on reaching the flag, so an episode's return is its
score.

Starting state: the player stands at column 2 of the level. `level` picks the level: a named
level of World 1 ("1-1" .. "1-4"; each reset plays the variant of the reset seed, the level as
written without one), "random" (a generated level of `difficulty` and `length` from the reset
seed, or a draw from the env's generator without one) or "heldout" (the task's held-out test level
number seed % heldout_levels).

Episode end: terminated on death or on the flag; truncated after `patience` frames without
progress or after `max_frames` frames.

Arguments: render_mode ("rgb_array" 16 px tiles, or "ansi") and options.EnvOptions (level,
difficulty, length, heldout_levels, grid, extra_inputs, patience, max_frames).

Version history: v0; World 1 redesigned in 2026-12 (spike tunnels, patrolling enemies, per-episode
variants, a progress-share score).
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np

from fitness.platformer.episode import (
    MAX_FRAMES,
    distance_tiles,
    episode_score,
    settings_array,
    world_arrays,
)
from fitness.platformer.level_sets import episode_level, held_out_episodes
from fitness.platformer.levels import Level, generate_level, named_level
from fitness.platformer.observe import n_inputs, observe
from fitness.platformer.options import HELDOUT_LEVEL, RANDOM_LEVEL, parse_env_options
from fitness.platformer.physics import (
    BUTTON_NAMES,
    P_DEAD,
    P_FRAME,
    P_IDLE,
    P_WON,
    make_params,
    new_enemies,
    new_player,
    step,
)
from fitness.platformer.render import render_world_ansi, render_world_rgb, world_view
from neat.errors import ConfigError


class PlatformerEnv(gymnasium.Env):
    """The platformer for gymnasium users (see the module docstring)."""

    # gymnasium.Env declares metadata an instance variable
    metadata: dict[str, Any] = {"render_modes": ["rgb_array", "ansi"], "render_fps": 60}  # noqa: RUF012
    action_labels: tuple[str, ...] = BUTTON_NAMES  # the buttons' names (fitness.gym_labels)

    def __init__(self, render_mode: str | None = None, **options: Any):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigError(f"render_mode {render_mode!r} is not supported; use one of "
                              f"{self.metadata['render_modes']} or None.")
        self.render_mode = render_mode
        self.options = parse_env_options(options)
        self.params = make_params()
        self.settings = settings_array(self.options)
        size = n_inputs(self.options.grid, self.options.extra_inputs)
        self.observation_space = gymnasium.spaces.Box(-1.0, 1.0, (size,), dtype=np.float32)
        self.action_space = gymnasium.spaces.MultiBinary(4)
        self._inputs = np.zeros(size, dtype=np.float64)
        self.level = self._level(None)
        self._world = world_arrays(self.level, self.options.grid)
        self.player = new_player(self.level.start_x, self.level.start_y)
        self.enemies = new_enemies(self.level.enemy_spawn)

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self.level = self._level(seed)
        self._world = world_arrays(self.level, self.options.grid)
        self.player = new_player(self.level.start_x, self.level.start_y)
        self.enemies = new_enemies(self.level.enemy_spawn)
        return self._observation(), self._info()

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        pressed = np.asarray(action).reshape(-1)
        buttons = sum(1 << j for j in range(4) if pressed[j])
        before = episode_score(self.player, self._world[3])
        step(self._world[0], self.player, self.enemies, buttons, self.params)
        reward = episode_score(self.player, self._world[3]) - before
        terminated = bool(self.player[P_DEAD] or self.player[P_WON])
        truncated = not terminated and bool(
            self.player[P_IDLE] >= self.options.patience
            or self.player[P_FRAME] >= self.settings[MAX_FRAMES])
        return self._observation(), float(reward), terminated, truncated, self._info()

    def render(self) -> np.ndarray | str | None:
        if self.render_mode is None:
            return None
        world = self.world()
        return render_world_rgb(world) if self.render_mode == "rgb_array" else render_world_ansi(world)

    def world(self) -> dict[str, Any]:
        """The current world dict (the replay format of render.py)."""
        distance = distance_tiles(self.player, self.level.start_x)
        return world_view(self.level, self.player, self.enemies, self.params, distance)

    def _level(self, seed: int | None) -> Level:
        """The level a reset with `seed` plays (see the module docstring)."""
        o = self.options
        if o.level == RANDOM_LEVEL:
            level_seed = seed if seed is not None else int(self.np_random.integers(2**59))
            return generate_level(level_seed, o.difficulty, o.length)
        if o.level == HELDOUT_LEVEL:
            heldout = held_out_episodes((), 0, o.heldout_levels, o.length)
            return episode_level(heldout[(seed or 0) % o.heldout_levels])
        return named_level(o.level, seed or 0)

    def _observation(self) -> np.ndarray:
        observe(self._world[1], self.player, self.enemies, self.params, self.options.grid,
                self._inputs)
        return self._inputs.astype(np.float32)

    def _info(self) -> dict[str, Any]:
        return {"distance": distance_tiles(self.player, self.level.start_x),
                "frame": int(self.player[P_FRAME]), "won": bool(self.player[P_WON]),
                "dead": bool(self.player[P_DEAD])}
