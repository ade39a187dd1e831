"""Any registered gymnasium environment as a task (`gym:<EnvId>`, plugins as `gym:MODULE:EnvId`).

Supported spaces: a Box observation space (turned into the network's inputs by the `observation`
option, fitness.gym_observation) and a Discrete, MultiBinary or Box action space.

- Discrete(n, start): n outputs; the action is start + argmax.
- MultiBinary(n): n outputs, one per button; a button is pressed when its output is above 0.5.
- Box(low, high): one output per action value; outputs are clipped to [0, 1] (the sigmoid's range)
  and scaled to low + output * (high - low). Infinite bounds are replaced by +-1.0
  (INFINITE_ACTION_BOUND).

Fitness: mean episode return over `episodes` training episodes (default 5, so one lucky episode
cannot lead), each at most `max_steps` steps (default: the environment's own time limit, or 1000
when it has none). A champion whose training fitness reaches the environment's reward_threshold
is tested on `test_episodes` (default 100) fresh episodes; the task is solved when their mean
return reaches the threshold too. Without a reward_threshold a run is never solved.

Evaluation (fitness.gym_episodes) steps up to ENV_SLOTS environments in lockstep, each playing one
genome's episodes and then the next genome's, with one batched network call per step for the live
ones; an environment is never stepped after its episode ended. The environments are kept between
evaluations and every episode starts with a seeded reset. Recurrent networks are reset at the start
of every episode. Evaluation runs in this process on one core; `--dask process:N` spreads it.

Seeds: training episode k of genome id i resets with episode_seed(base, i, k), base drawn from the
generation's Generator; test episode k with test_seed(k), a seed training never uses.

Options: `env_kwargs` (table of keyword arguments for gymnasium.make, e.g. Atari's
`obs_type = "ram"`, `frameskip`, `repeat_action_probability`), `episodes` (default 5),
`test_episodes` (default 100), `max_steps` (default 0 = the environment's time limit), `imports`
(modules that register environments, fitness.gym_env), `observation` ("raw", "scaled" or
"grayscale:WxH") and `max_inputs` (default 1,024).

Every failure of an environment (unknown id, missing plugin, unsupported space, an exception in
reset or step) is a TaskError with one line that says what to do.

Replays: each frame's action is the action as the environment took it, one value per output (a
Discrete space: 1.0 for the chosen action, 0.0 for the others; MultiBinary: 1.0 for each pressed
button; Box: each action value, within spec.output_bounds). When the environment has the rgb_array
render mode, the replay's pictures (fitness.gym_render.EpisodePictures) show the state the network
saw at each frame, made when asked for; otherwise, or when the first one fails, the replay's notice
says so and the viewer shows the inputs.
Inputs and outputs are named after the environment where it or gymnasium names them
(fitness.gym_labels); replays play at the environment's render_fps (spec.frame_rate).

Replay world dict: {"kind": "vector", "values": the network's inputs}.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

import fitness.platformer  # noqa: F401  (registers this project's own neat/Platformer-v0)
from fitness.gym_env import (
    close_envs,
    import_plugins,
    make_env,
    one_line,
    reset_env,
    split_env_name,
    step_env,
)
from fitness.gym_episodes import play_episodes
from fitness.gym_labels import action_labels, observation_labels
from fitness.gym_observation import DEFAULT_MAX_INPUTS, Observer, check_size, make_observer
from fitness.gym_render import (
    RENDER_MODE,
    EpisodePictures,
    RenderError,
    can_render,
    frame_rate,
    headless_sdl,
    render_frame,
)
from fitness.seeding import draw_base_seed, episode_seed, seeded_episodes, test_seed_episodes
from fitness.task import Episode, EpisodeReplay, Frame, TaskSpec, mean_score
from fitness.task_options import read_options, require_between
from neat.errors import TaskError
from neat.genome import Genome
from neat.network import PackedNetworks, activate_population, pack_genome
from neat.report import TestResult

DEFAULTS: dict[str, Any] = {
    "env_kwargs": {}, "episodes": 5, "test_episodes": 100, "max_steps": 0, "imports": [],
    "observation": "raw", "max_inputs": DEFAULT_MAX_INPUTS,
}
DEFAULT_MAX_STEPS = 1000
DEFAULT_FRAME_RATE = 30.0  # replay frames a second for environments that declare no render_fps
INFINITE_ACTION_BOUND = 1.0
SUPPORTED = "a Box observation space and a Discrete, MultiBinary or Box action space"


@dataclass
class ActionMap:
    """Turns network outputs (G, n_outputs) into a batch of actions for the action space."""

    space: spaces.Space
    low: np.ndarray = field(init=False)
    high: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        if isinstance(self.space, spaces.Box):
            self.low = np.nan_to_num(self.space.low.astype(np.float64).ravel(),
                                     neginf=-INFINITE_ACTION_BOUND)
            self.high = np.nan_to_num(self.space.high.astype(np.float64).ravel(),
                                      posinf=INFINITE_ACTION_BOUND)

    @property
    def n_outputs(self) -> int:
        if isinstance(self.space, spaces.Discrete):
            return int(self.space.n)
        return int(np.prod(self.space.shape or ()))

    def bounds(self) -> tuple[tuple[float, float], ...] | None:
        """(low, high) of each output's action value for a Box space, else None."""
        if not isinstance(self.space, spaces.Box):
            return None
        return tuple(zip(self.low.tolist(), self.high.tolist(), strict=True))

    def actions(self, outputs: np.ndarray) -> np.ndarray:
        """Actions for `outputs` (G, n_outputs): (G,) ints or (G, *shape) floats."""
        if isinstance(self.space, spaces.Discrete):
            return (int(self.space.start) + np.argmax(outputs, axis=1)).astype(self.space.dtype)
        if isinstance(self.space, spaces.MultiBinary):
            return (outputs > 0.5).reshape((len(outputs), *self.space.shape)).astype(self.space.dtype)
        scaled = self.low + np.clip(outputs, 0.0, 1.0) * (self.high - self.low)
        return scaled.reshape((len(outputs), *(self.space.shape or ()))).astype(self.space.dtype)

    def taken(self, action: np.ndarray) -> list[float]:
        """One action of `actions` as the environment takes it, one value per output (see the
        module docstring)."""
        if isinstance(self.space, spaces.Discrete):
            chosen = int(action) - int(self.space.start)
            return [1.0 if k == chosen else 0.0 for k in range(self.n_outputs)]
        return np.asarray(action, dtype=np.float64).reshape(-1).tolist()


ENV_SLOTS = 8
"""Environments an evaluation steps in lockstep (fitness.gym_episodes); docs/performance.md."""


@dataclass
class GymTask:
    """A gymnasium environment driven by a batch of networks (see the module docstring)."""

    spec: TaskSpec
    env_id: str
    env_kwargs: dict[str, Any]
    n_episodes: int
    n_test_episodes: int
    max_steps: int
    observer: Observer
    action_map: ActionMap
    make_env: Callable[[], gym.Env]
    """A new environment; `evaluate` keeps up to ENV_SLOTS of them between calls."""
    renders: bool = False
    """The environment declares the rgb_array render mode: replays record its pictures."""
    envs: list[gym.Env] = field(default_factory=list, repr=False)

    def evaluate(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray:
        """Mean episode return per network, shape (G,)."""
        if (packed.n_inputs, packed.n_outputs) != (self.spec.n_inputs, self.spec.n_outputs):
            raise TaskError(
                f"task '{self.spec.name}' needs {self.spec.n_inputs} inputs and "
                f"{self.spec.n_outputs} outputs, got {packed.n_inputs} and {packed.n_outputs}."
            )
        base = draw_base_seed(rng)
        seeds = [[int(episode_seed(base, int(i), k)) for k in range(self.n_episodes)]
                 for i in packed.genome_ids]
        return np.array([mean_score(r) for r in self._play(packed, seeds)], dtype=np.float64)

    def episodes(self, base_seed: int, genome_id: int) -> list[Episode]:
        return seeded_episodes(base_seed, genome_id, self.n_episodes)

    def test_episodes(self) -> list[Episode]:
        return test_seed_episodes(self.n_test_episodes)

    def test(self, genome: Genome, recurrent: bool) -> TestResult:
        """Mean return over the test episodes; solved when it reaches the reward threshold."""
        returns = self._play(pack_genome(genome, recurrent),
                             [[e.seed for e in self.test_episodes()]])[0]
        score = mean_score(returns)
        return TestResult(score, score >= self.spec.solved_at, len(returns),
                          {"min_return": min(returns)})

    def _play(self, packed: PackedNetworks, seeds: list[list[int]]) -> list[list[float]]:
        """Every episode's return (fitness.gym_episodes) on the task's kept environments."""
        if not self.envs:  # closed when the task goes, or at exit before modules are torn down
            weakref.finalize(self, close_envs, self.envs)
        while len(self.envs) < min(ENV_SLOTS, len(seeds)):
            self.envs.append(self.make_env())
        return play_episodes(self.envs, packed, seeds, self._observe, self.action_map.actions,
                             self.max_steps, self.env_id)

    def _observe(self, observation: Any, out: np.ndarray) -> None:
        """The observer, with an observation that does not fit the space as a TaskError."""
        try:
            self.observer(observation, out)
        except (ValueError, TypeError) as error:
            raise TaskError(
                f"gymnasium environment '{self.env_id}' returned an observation that does not fit "
                f"its observation space ({self.spec.n_inputs} inputs): {one_line(error)}"
            ) from error

    def replay(self, genome: Genome, recurrent: bool, episode: Episode,
               max_frames: int | None = None) -> EpisodeReplay:
        """`episode` played again in a fresh environment reset with its seed; when the
        environment renders, the replay's pictures are made on demand (EpisodePictures) from the
        actions it took, the first one now, so a notice says at once when it cannot draw."""
        packed = pack_genome(genome, recurrent)
        values = packed.new_values()
        inputs = np.zeros((1, self.spec.n_inputs))
        env, notice = self._replay_env(rendered=max_frames != 0)
        first: bytes | None = None
        frames: list[Frame] = []
        actions: list[Any] = []
        score, steps = 0.0, 0
        try:
            observation = reset_env(env, episode.seed, self.env_id)
            if not notice and max_frames != 0:
                try:
                    first = render_frame(env)
                except RenderError as error:
                    notice = self._no_pictures(f"could not draw a frame ({error})")
            while steps < self.max_steps:
                self._observe(observation, inputs[0])
                outputs = activate_population(packed, inputs, values)
                action = self.action_map.actions(outputs)[0]
                world = {"kind": "vector", "values": inputs[0].tolist()}
                observation, reward, over = step_env(env, action, self.env_id)
                score += reward
                steps += 1
                if max_frames is None or len(frames) < max_frames:
                    frames.append(Frame(inputs[0].tolist(), values.tolist(),
                                        self.action_map.taken(action), world, reward))
                    actions.append(action)
                if over:
                    break
        finally:
            env.close()
        pictures = None if first is None else EpisodePictures(
            self._rendering_env, episode.seed,
            actions, first)
        return EpisodeReplay(episode, frames, score, steps, notice, pictures)

    def _replay_env(self, rendered: bool) -> tuple[gym.Env, str]:
        """A new environment for a replay, made to render when `rendered` and it can, and the
        notice saying why it does not draw pictures (empty when it does or none are wanted)."""
        if not rendered:
            return self.make_env(), ""
        if not self.renders:
            return self.make_env(), self._no_pictures(f"has no {RENDER_MODE} render mode")
        try:
            return self._rendering_env(), ""
        except TaskError as error:
            return self.make_env(), self._no_pictures(f"could not be made to render ({error})")

    def _rendering_env(self) -> gym.Env:
        """A new environment made to render (rgb_array)."""
        headless_sdl()
        return make_env(self.env_id, {**self.env_kwargs, "render_mode": RENDER_MODE})

    def _no_pictures(self, reason: str) -> str:
        return (f"gymnasium environment '{self.env_id}' {reason}, so the replay shows the "
                "network's inputs instead of the game")


def make_gym_task(name: str, options: dict[str, Any]) -> GymTask:
    """The task `gym:<name>` (name: EnvId or MODULE:EnvId); see the module docstring for options."""
    task = f"gym:{name}"
    opts = read_options(task, options, DEFAULTS)
    require_between(task, opts, "episodes", 1)
    require_between(task, opts, "test_episodes", 1)
    require_between(task, opts, "max_steps", 0)
    require_between(task, opts, "max_inputs", 1)
    module, env_id = split_env_name(name)
    import_plugins(opts["imports"], f"task '{task}' option 'imports'")
    if module is not None:
        import_plugins([module], f"task '{task}'")
    env_kwargs = dict(opts["env_kwargs"])
    env = make_env(env_id, env_kwargs)
    try:
        observation_space, action_space = env.observation_space, env.action_space
        if not isinstance(observation_space, spaces.Box) or not isinstance(
            action_space, spaces.Discrete | spaces.MultiBinary | spaces.Box
        ):
            raise TaskError(
                f"gymnasium environment '{env_id}' has observation space {observation_space} and "
                f"action space {action_space}; this adapter supports {SUPPORTED}."
            )
        observer = make_observer(task, opts["observation"], observation_space)
        check_size(task, observer, observation_space, opts["max_inputs"])
        action_map = ActionMap(action_space)
        env_spec, renders, fps = env.spec, can_render(env), frame_rate(env, DEFAULT_FRAME_RATE)
        input_labels = observation_labels(env, observer.n_inputs, observer.input_grid is None)
        output_labels = action_labels(env, action_space, action_map.n_outputs)
    finally:
        env.close()
    time_limit = env_spec.max_episode_steps if env_spec else None
    max_steps = opts["max_steps"] or time_limit or DEFAULT_MAX_STEPS
    threshold = env_spec.reward_threshold if env_spec else None
    spec = TaskSpec(
        name=task,
        n_inputs=observer.n_inputs,
        n_outputs=action_map.n_outputs,
        input_labels=input_labels,
        output_labels=output_labels,
        solved_at=float("inf") if threshold is None else float(threshold),
        input_grid=observer.input_grid,
        frame_rate=fps,
        output_bounds=action_map.bounds(),
        description=(
            f"gymnasium {env_id}: mean return over {opts['episodes']} episode(s) of at most "
            f"{max_steps} steps."
        ),
        test_protocol=(f"mean return over {opts['test_episodes']} fresh episodes >= the "
                       f"environment's reward threshold ({threshold}), for champions whose training "
                       "fitness reaches it" if threshold is not None else
                       "none: the environment has no reward threshold, so runs are never solved"),
    )
    return GymTask(spec, env_id, env_kwargs, opts["episodes"], opts["test_episodes"], max_steps,
                   observer, action_map, functools.partial(make_env, env_id, env_kwargs), renders)
