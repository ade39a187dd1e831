"""Any registered gymnasium environment as a task (`gym:<EnvId>`), one batched network call a step.

Supported spaces: a Box observation space (flattened into the network's inputs, values passed
unscaled) and a Discrete, MultiBinary or Box action space.

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

Evaluation runs the whole population in one vector environment (gymnasium.make_vec, one copy per
genome, `vectorization` "sync" or "async"). Each step activates every network once
(neat.network.activate_population, one shared node-value buffer, so recurrent networks keep their
state through an episode and are reset between episodes). An environment's return stops counting
at its first termination or truncation, so gymnasium's autoreset of finished copies never leaks
into the fitness.

Seeds: training episode k of genome id i resets with episode_seed(base, i, k), base drawn from the
generation's Generator (the seeds go to the vector reset as a list); test episode k with
test_seed(k), a seed training never uses.

Options: `env_kwargs` (table of keyword arguments for gymnasium.make), `episodes` (default 5),
`test_episodes` (default 100), `max_steps` (default 0 = the environment's time limit),
`vectorization` ("sync" or "async").

Replay world dict: {"kind": "vector", "values": observation list}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

import fitness.platformer  # noqa: F401  (registers this project's own neat/Platformer-v0)
from fitness.seeding import draw_base_seed, episode_seed, seeded_episodes, test_seed_episodes
from fitness.task import Episode, EpisodeReplay, Frame, TaskSpec
from fitness.task_options import read_options, require_between
from neat.errors import ConfigError, TaskError
from neat.genome import Genome
from neat.network import PackedNetworks, activate_population, pack_genome
from neat.report import TestResult

DEFAULTS: dict[str, Any] = {
    "env_kwargs": {}, "episodes": 5, "test_episodes": 100, "max_steps": 0, "vectorization": "sync",
}
VECTORIZATION_MODES = ("sync", "async")
DEFAULT_MAX_STEPS = 1000
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
        return int(np.prod(self.space.shape))

    def labels(self) -> tuple[str, ...]:
        if isinstance(self.space, spaces.Discrete):
            return tuple(f"action {int(self.space.start) + k}" for k in range(self.n_outputs))
        return tuple(f"a{k}" for k in range(self.n_outputs))

    def actions(self, outputs: np.ndarray) -> np.ndarray:
        """Actions for `outputs` (G, n_outputs): (G,) ints or (G, *shape) floats."""
        if isinstance(self.space, spaces.Discrete):
            return (int(self.space.start) + np.argmax(outputs, axis=1)).astype(self.space.dtype)
        if isinstance(self.space, spaces.MultiBinary):
            return (outputs > 0.5).reshape((len(outputs), *self.space.shape)).astype(self.space.dtype)
        scaled = self.low + np.clip(outputs, 0.0, 1.0) * (self.high - self.low)
        return scaled.reshape((len(outputs), *self.space.shape)).astype(self.space.dtype)


def _make_env(env_id: str, env_kwargs: dict[str, Any]) -> gym.Env:
    """gymnasium.make with the project's errors for unknown ids and bad arguments."""
    try:
        return gym.make(env_id, **env_kwargs)
    except gym.error.Error as error:
        raise TaskError(
            f"gymnasium cannot make environment '{env_id}': {error} Use a registered id "
            "(gymnasium.pprint_registry() lists them; plugins register theirs on import)."
        ) from error
    except (TypeError, ImportError) as error:
        raise TaskError(
            f"gymnasium environment '{env_id}' could not be created with env_kwargs "
            f"{env_kwargs!r}: {error}"
        ) from error


@dataclass
class GymTask:
    """A gymnasium environment driven by a batch of networks (see the module docstring)."""

    spec: TaskSpec
    env_id: str
    env_kwargs: dict[str, Any]
    n_episodes: int
    n_test_episodes: int
    max_steps: int
    vectorization: str
    action_map: ActionMap

    def evaluate(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray:
        """Mean episode return per network, shape (G,)."""
        if (packed.n_inputs, packed.n_outputs) != (self.spec.n_inputs, self.spec.n_outputs):
            raise TaskError(
                f"task '{self.spec.name}' needs {self.spec.n_inputs} inputs and "
                f"{self.spec.n_outputs} outputs, got {packed.n_inputs} and {packed.n_outputs}."
            )
        base = draw_base_seed(rng)
        envs = self._make_vector_env(len(packed))
        try:
            total = np.zeros(len(packed))
            for episode in range(self.n_episodes):
                seeds = [int(episode_seed(base, int(i), episode)) for i in packed.genome_ids]
                total += self._play_episode(envs, packed, seeds)
        finally:
            envs.close()
        return total / self.n_episodes

    def episodes(self, base_seed: int, genome_id: int) -> list[Episode]:
        return seeded_episodes(base_seed, genome_id, self.n_episodes)

    def test_episodes(self) -> list[Episode]:
        return test_seed_episodes(self.n_test_episodes)

    def test(self, genome: Genome, recurrent: bool) -> TestResult:
        """Mean return over the test episodes; solved when it reaches the reward threshold."""
        packed = pack_genome(genome, recurrent)
        envs = self._make_vector_env(1)
        try:
            returns = [float(self._play_episode(envs, packed, [e.seed])[0])
                       for e in self.test_episodes()]
        finally:
            envs.close()
        score = sum(returns) / len(returns)
        return TestResult(score, score >= self.spec.solved_at, len(returns),
                          {"min_return": min(returns)})

    def _make_vector_env(self, num_envs: int) -> gym.vector.VectorEnv:
        return gym.make_vec(self.env_id, num_envs=num_envs,
                            vectorization_mode=self.vectorization, **self.env_kwargs)

    def _play_episode(self, envs: gym.vector.VectorEnv, packed: PackedNetworks,
                      seeds: list[int]) -> np.ndarray:
        """Return of one episode of every network, each from its seed, shape (G,)."""
        size = len(packed)
        observations, _ = envs.reset(seed=seeds)
        values = packed.new_values()
        returns = np.zeros(size)
        done = np.zeros(size, dtype=np.bool_)
        for _ in range(self.max_steps):
            outputs = activate_population(packed, observations.reshape(size, -1), values)
            observations, rewards, terminated, truncated, _ = envs.step(
                self.action_map.actions(outputs)
            )
            returns += np.where(done, 0.0, rewards)
            done |= np.asarray(terminated) | np.asarray(truncated)
            if done.all():
                break
        return returns

    def replay(self, genome: Genome, recurrent: bool, episode: Episode,
               max_frames: int | None = None) -> EpisodeReplay:
        """`episode` played again in a fresh environment reset with its seed."""
        packed = pack_genome(genome, recurrent)
        values = packed.new_values()
        env = _make_env(self.env_id, self.env_kwargs)
        frames = []
        score, steps = 0.0, 0
        try:
            observation, _ = env.reset(seed=episode.seed)
            while steps < self.max_steps:
                inputs = np.asarray(observation, dtype=np.float64).reshape(1, -1)
                outputs = activate_population(packed, inputs, values)
                action = self.action_map.actions(outputs)[0]
                world = {"kind": "vector", "values": inputs[0].tolist()}
                observation, reward, terminated, truncated, _ = env.step(action)
                score += float(reward)
                steps += 1
                if max_frames is None or len(frames) < max_frames:
                    frames.append(Frame(inputs[0].tolist(), values.tolist(), outputs[0].tolist(),
                                        world, float(reward)))
                if terminated or truncated:
                    break
        finally:
            env.close()
        return EpisodeReplay(episode, frames, score, steps)


def make_gym_task(env_id: str, options: dict[str, Any]) -> GymTask:
    """A task for gymnasium environment `env_id`; see the module docstring for options."""
    name = f"gym:{env_id}"
    opts = read_options(name, options, DEFAULTS)
    require_between(name, opts, "episodes", 1)
    require_between(name, opts, "test_episodes", 1)
    require_between(name, opts, "max_steps", 0)
    if opts["vectorization"] not in VECTORIZATION_MODES:
        raise ConfigError(
            f"task '{name}' option 'vectorization' must be one of "
            f"{', '.join(VECTORIZATION_MODES)}, got {opts['vectorization']!r}."
        )
    env = _make_env(env_id, opts["env_kwargs"])
    try:
        observation_space, action_space = env.observation_space, env.action_space
        env_spec = env.spec
    finally:
        env.close()
    if not isinstance(observation_space, spaces.Box) or not isinstance(
        action_space, spaces.Discrete | spaces.MultiBinary | spaces.Box
    ):
        raise TaskError(
            f"gymnasium environment '{env_id}' has observation space {observation_space} and "
            f"action space {action_space}; this adapter supports {SUPPORTED}."
        )
    action_map = ActionMap(action_space)
    n_inputs = int(np.prod(observation_space.shape))
    time_limit = env_spec.max_episode_steps if env_spec else None
    max_steps = opts["max_steps"] or time_limit or DEFAULT_MAX_STEPS
    threshold = env_spec.reward_threshold if env_spec else None
    spec = TaskSpec(
        name=name,
        n_inputs=n_inputs,
        n_outputs=action_map.n_outputs,
        input_labels=tuple(f"obs{k}" for k in range(n_inputs)),
        output_labels=action_map.labels(),
        solved_at=float("inf") if threshold is None else float(threshold),
        description=(
            f"gymnasium {env_id}: mean return over {opts['episodes']} episode(s) of at most "
            f"{max_steps} steps."
        ),
        test_protocol=(f"mean return over {opts['test_episodes']} fresh episodes >= the "
                       f"environment's reward threshold ({threshold}), for champions whose training "
                       "fitness reaches it" if threshold is not None else
                       "none: the environment has no reward threshold, so runs are never solved"),
    )
    return GymTask(spec, env_id, dict(opts["env_kwargs"]), opts["episodes"],
                   opts["test_episodes"], max_steps, opts["vectorization"], action_map)
