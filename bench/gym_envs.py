"""gym: tasks at the speed of their simulators: CartPole, LunarLander, InvertedPendulum, Atari Pong (RAM).

`python bench/gym_envs.py [--rounds 3] [--vector] [--env NAME]` (needs `pip install -e '.[gym-extras]'`;
an environment whose package is missing is skipped with a note).

For each environment, a fixed population of random networks is evaluated by the task (the
adapter: environments stepped in lockstep, one batched network call per step, fitness.gym_episodes)
and by a plain loop in which each genome plays its episodes alone in one environment, one network
call per step. They take turns `--rounds` times; the figures are medians. Reported:

- evaluations per second (genomes scored; each plays the task's `episodes`),
- useful-step fraction: steps inside episodes (the plain loop's count) over the environment steps
  the adapter took (counted by a wrapper around its environments),
- the plain loop's environment steps per second, and the adapter's slowdown against it (its
  seconds over the plain loop's, for the same episodes; below 1 it is faster), after checking that
  both give the same fitness bit for bit,
- the adapter's evaluations per second with `--dask process:2` (two worker processes),
- whether `neat run` ran 3 generations of it.

`--vector` also measures the design this replaced, gymnasium's SyncVectorEnv with one copy per
genome (autoreset off, each genome's next episode started by a masked seeded reset), whose
finished copies must go on stepping until the last genome's episodes end.

Last line: JSON with envs (ids run), min_useful_fraction, max_slowdown_vs_plain_loop,
pong_generations (targets >= 0.9, <= 1.3, 3) and per environment the figures above.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import tomli_w

from fitness.backends import make_evaluator
from fitness.gym_adapter import GymTask
from fitness.random_genomes import random_pool
from fitness.registry import make_task
from fitness.seeding import draw_base_seed
from fitness.task import mean_score
from neat.app.cli import main as neat_main
from neat.genome import GenomePool
from neat.network import PackedNetworks, activate_population, pack_genome, pack_population, reset_values

PONG = "gym:ale_py:ALE/Pong-v5"
ENVS: dict[str, tuple[str, dict[str, Any], int]] = {
    # task, options, population; the module that must be installed
    "gym:CartPole-v1": ("gymnasium", {}, 100),
    "gym:LunarLander-v3": ("Box2D", {}, 100),
    "gym:InvertedPendulum-v5": ("mujoco", {}, 100),
    PONG: ("ale_py", {"env_kwargs": {"obs_type": "ram"}, "observation": "scaled",
                      "episodes": 1}, 30),
}
SEED = 2024


class StepCounter(gym.Wrapper):
    """Counts the steps of every environment it wraps (in `StepCounter.steps`)."""

    steps = 0

    def step(self, action: Any) -> Any:
        StepCounter.steps += 1
        return self.env.step(action)


def counted(task: GymTask) -> GymTask:
    """`task` with its environments wrapped in StepCounter."""
    make = task.make_env
    task.make_env = lambda: StepCounter(make())
    task.envs.clear()
    return task


def plain_loop(task: GymTask, pool: GenomePool, packed: list[PackedNetworks], env: gym.Env,
               base: int) -> tuple[np.ndarray, int]:
    """Each genome alone: its episodes one after another in `env`, one network call per step.
    Returns (fitness (G,), environment steps)."""
    fitness, steps = [], 0
    inputs = np.zeros((1, task.spec.n_inputs))
    for g, network in enumerate(packed):
        returns = []
        for episode in task.episodes(base, pool.genome_ids[g]):
            observation, _ = env.reset(seed=episode.seed)
            values = network.new_values()
            total = 0.0
            for _ in range(task.max_steps):
                task.observer(observation, inputs[0])
                outputs = activate_population(network, inputs, values)
                observation, reward, terminated, truncated, _ = env.step(
                    task.action_map.actions(outputs)[0])
                total += float(reward)
                steps += 1
                if terminated or truncated:
                    break
            returns.append(total)
        fitness.append(mean_score(returns))
    return np.array(fitness), steps


def vector_path(task: GymTask, packed: PackedNetworks, base: int) -> tuple[np.ndarray, int]:
    """The replaced design: one SyncVectorEnv copy per genome, autoreset off, a genome's next
    episode started by a masked seeded reset; copies whose genome is done keep stepping (reset when
    they end) until every genome is done. Returns (fitness (G,), environment steps)."""
    size = len(packed)
    envs = gym.make_vec(task.env_id, num_envs=size, vectorization_mode="sync",
                        vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.DISABLED},
                        **task.env_kwargs)
    seeds = [[e.seed for e in task.episodes(base, int(i))] for i in packed.genome_ids]
    observations, _ = envs.reset(seed=[s[0] for s in seeds])
    values = packed.new_values()
    episode, total, steps = [0] * size, [0.0] * size, [0] * size
    returns: list[list[float]] = [[] for _ in range(size)]
    inputs = np.zeros((size, task.spec.n_inputs))
    taken = 0
    while any(e < task.n_episodes for e in episode):
        for g in range(size):
            task.observer(observations[g], inputs[g])
        actions = task.action_map.actions(activate_population(packed, inputs, values))
        observations, rewards, terminated, truncated, _ = envs.step(actions)
        taken += size
        reset, reset_seeds = np.zeros(size, dtype=bool), [0] * size
        for g in range(size):
            over = bool(terminated[g] or truncated[g])
            if episode[g] >= task.n_episodes:
                reset[g] = over  # an idle copy must be reset before it may step again
                continue
            total[g] += float(rewards[g])
            steps[g] += 1
            if over or steps[g] >= task.max_steps:
                returns[g].append(total[g])
                episode[g] += 1
                total[g], steps[g] = 0.0, 0
                reset[g] = True
                if episode[g] < task.n_episodes:
                    reset_seeds[g] = seeds[g][episode[g]]
                    reset_values(packed.arrays, g, values)
        if reset.any():
            fresh, _ = envs.reset(seed=reset_seeds, options={"reset_mask": reset})
            observations = np.where(reset.reshape((size,) + (1,) * (observations.ndim - 1)),
                                    fresh, observations)
    envs.close()
    return np.array([mean_score(r) for r in returns]), taken


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def measure(name: str, options: dict[str, Any], size: int, rounds: int,
            vector: bool) -> dict[str, Any]:
    """The figures of one environment (see the module docstring)."""
    task = counted(make_task(name, options))
    shape = (task.spec.n_inputs, task.spec.n_outputs, 2)
    pool = random_pool(np.random.default_rng(SEED), size, shape, min(40, 4 * task.spec.n_inputs))
    packed = pack_population(pool, False)
    alone = [pack_genome(pool.genome(g), False) for g in range(size)]
    env = task.make_env()
    base = draw_base_seed(np.random.default_rng(SEED))
    task.evaluate(packed, np.random.default_rng(SEED))  # warm-up: environments, compiled code
    adapter_seconds, plain_seconds = [], []
    for _ in range(rounds):
        before = StepCounter.steps
        fitness, seconds = timed(lambda: task.evaluate(packed, np.random.default_rng(SEED)))
        taken = StepCounter.steps - before
        adapter_seconds.append(seconds)
        (expected, useful), seconds = timed(lambda: plain_loop(task, pool, alone, env, base))
        plain_seconds.append(seconds)
        if not np.array_equal(fitness, expected):
            raise AssertionError(f"{name}: the adapter and the plain loop disagree")
    adapter, plain = statistics.median(adapter_seconds), statistics.median(plain_seconds)
    figures = {
        "evaluations_per_second": round(size / adapter, 1),
        "useful_fraction": round(useful / taken, 4),
        "steps_per_second": round(useful / adapter),
        "plain_loop_steps_per_second": round(useful / plain),
        "slowdown_vs_plain_loop": round(adapter / plain, 3),
        "mean_episode_steps": round(useful / (size * task.n_episodes), 1),
    }
    with make_evaluator(task, "process:2", name, options) as evaluate:
        evaluate(packed, np.random.default_rng(SEED))  # warm-up: workers start, build the task
        workers = statistics.median(timed(lambda: evaluate(packed, np.random.default_rng(SEED)))[1]
                                    for _ in range(rounds))
    figures["process_2_evaluations_per_second"] = round(size / workers, 1)
    if vector:
        (vector_fitness, vector_taken), seconds = timed(lambda: vector_path(task, packed, base))
        if not np.array_equal(vector_fitness, fitness):
            raise AssertionError(f"{name}: the vector path and the adapter disagree")
        figures["vector_path_useful_fraction"] = round(useful / vector_taken, 4)
        figures["vector_path_slowdown_vs_plain_loop"] = round(seconds / plain, 3)
    figures["generations"] = generations_run(name, options, size)
    return figures


def generations_run(name: str, options: dict[str, Any], size: int) -> int:
    """Generations `neat run` completes when asked for 3."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.toml"
        config.write_text(tomli_w.dumps({"task": options}))
        with contextlib.redirect_stdout(io.StringIO()):
            status = neat_main(["run", name, "--generations", "3", "--pop", str(size), "--config",
                                str(config), "--runs-dir", folder, "--name", "r", "--quiet",
                                "--set", "run.stop_when_solved=false"])
        if status != 0:
            return 0
        return len((Path(folder) / "r" / "stats.jsonl").read_text().splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--vector", action="store_true", help="also measure the vector path")
    parser.add_argument("--env", action="append", choices=list(ENVS), help="only these (repeatable)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; adapter and plain loop "
          f"take turns {args.rounds} times (medians)")
    results = {}
    for name, (module, options, size) in ENVS.items():
        if args.env and name not in args.env:
            continue
        if importlib.util.find_spec(module) is None:
            print(f"{name}: skipped, {module} is not installed (pip install -e '.[gym-extras]')")
            continue
        f = results[name] = measure(name, options, size, args.rounds, args.vector)
        print(f"{name}: population {size}, {f['mean_episode_steps']} steps per episode: "
              f"{f['evaluations_per_second']:,} evaluations/s ({f['steps_per_second']:,} steps/s), "
              f"useful steps {f['useful_fraction']:.1%}; plain loop {f['plain_loop_steps_per_second']:,}"
              f" steps/s, slowdown {f['slowdown_vs_plain_loop']:.2f}; process:2 "
              f"{f['process_2_evaluations_per_second']:,} evaluations/s; "
              f"{f['generations']} generations of neat run")
        if args.vector:
            print(f"  vector path: useful steps {f['vector_path_useful_fraction']:.1%}, slowdown "
                  f"{f['vector_path_slowdown_vs_plain_loop']:.2f} against the plain loop")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    print(json.dumps({
        "envs": list(results),
        "min_useful_fraction": min(f["useful_fraction"] for f in results.values()),
        "max_slowdown_vs_plain_loop": max(f["slowdown_vs_plain_loop"] for f in results.values()),
        "pong_generations": results[PONG]["generations"] if PONG in results else 0,
        **{name: f for name, f in results.items()},
    }))


if __name__ == "__main__":
    main()
