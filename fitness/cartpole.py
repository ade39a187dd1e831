"""The `cartpole` task: a compiled mirror of gymnasium's CartPole-v1, for a whole population.

Action space: two outputs, LEFT and RIGHT; the larger one is the action (argmax, like gymnasium's
`Discrete(2)`), pushing the cart with 10 N.

Observation (the network's 4 inputs), exactly gymnasium's float32 observation:

| input | observation           | episode ends beyond |
|-------|-----------------------|---------------------|
| 0     | cart position x (m)   | +-2.4 m             |
| 1     | cart velocity (m/s)   |                     |
| 2     | pole angle (rad)      | +-12 degrees        |
| 3     | pole angular velocity |                     |

Reward: +1 per step, the terminating step included (gymnasium's default reward), so an episode's
return is its number of steps. Fitness is the mean return over `episodes` training episodes.

Solved (gymnasium's rule for CartPole-v1): a champion whose training fitness reaches 475 is tested
on `test_episodes` (100) fresh episodes that training never plays; the task is solved when their
mean return is at least 475.

Starting state: all four values uniform in (-0.05, 0.05), drawn with `fitness.seeding` from the
episode's seed: episode_seed(base, genome id, episode) in training, where base is drawn once per
evaluation from the generation's Generator, and test_seed(k) in the test.

Episode end: termination when the pole passes 12 degrees or the cart passes 2.4 m; truncation
after 500 steps.

Options: `episodes` (int, default 5), `test_episodes` (int, default 100).

Replay world dict (what the viewer draws):
    {"kind": "cartpole", "x": metres, "theta": radians, "x_threshold": 2.4}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from fitness.cartpole_dynamics import (
    MAX_STEPS,
    TAU,
    X_THRESHOLD,
    choose_action,
    initial_state,
    is_terminal,
    observe,
    step_state,
)
from fitness.seeding import draw_base_seed, episode_seed, seeded_episodes, test_seed_episodes
from fitness.task import Episode, EpisodeReplay, Frame, TaskSpec
from fitness.task_options import read_options, require_between
from neat.borrow import borrow
from neat.errors import TaskError
from neat.genome import Genome
from neat.network import (
    PackedNetworks,
    activate,
    activate_with,
    input_view,
    output_view,
    pack_genome,
    reset_values,
)
from neat.parallel import for_each_chunk
from neat.report import TestResult

NAME = "cartpole"
DEFAULTS: dict[str, Any] = {"episodes": 5, "test_episodes": 100}
INPUT_LABELS = ("x", "x_dot", "theta", "theta_dot")
OUTPUT_LABELS = ("LEFT", "RIGHT")
SOLVED_AT = 475.0


@njit(cache=True)
def play_episode(net, g, recurrent, seed, values, scratch) -> int:
    """Steps network `g` balances in one episode started from `seed` (termination step counted)."""
    net, values, scratch = borrow(net), borrow(values), borrow(scratch)
    inputs, outputs = input_view(net, g, values), output_view(net, g, values, 2)
    x, x_dot, theta, theta_dot = initial_state(seed)
    reset_values(net, g, values)
    for step in range(MAX_STEPS):
        observe(x, x_dot, theta, theta_dot, inputs)
        activate(net, g, recurrent, values, scratch)
        x, x_dot, theta, theta_dot = step_state(x, x_dot, theta, theta_dot, choose_action(outputs))
        if is_terminal(x, theta):
            return step + 1
    return MAX_STEPS


@njit(cache=True)
def play_episodes(net, g, recurrent, seeds, values, scratch) -> np.ndarray:
    """Steps network `g` balances in each episode of `seeds` (uint64), shape (len(seeds),)."""
    steps = np.empty(len(seeds), dtype=np.int64)
    for k in range(len(seeds)):
        steps[k] = play_episode(net, g, recurrent, seeds[k], values, scratch)
    return steps


@njit(cache=True, nogil=True)
def evaluate_range(first, last, net, recurrent, genome_ids, base, episodes, fitness, buffers):
    """Mean episode length of networks first..last-1 into `fitness` (G,) (see neat.parallel);
    buffers = (values, scratch) node buffers of the whole population."""
    values, scratch = buffers
    for g in range(first, last):
        total = 0
        for episode in range(episodes):
            seed = episode_seed(base, genome_ids[g], episode)
            total += play_episode(net, g, recurrent, seed, values, scratch)
        fitness[g] = total / episodes


def check_sizes(task: str, packed: PackedNetworks, n_inputs: int, n_outputs: int) -> None:
    """Raise TaskError unless the networks have the task's input and output counts."""
    if (packed.n_inputs, packed.n_outputs) != (n_inputs, n_outputs):
        raise TaskError(
            f"task '{task}' needs networks with {n_inputs} inputs and {n_outputs} outputs, got "
            f"{packed.n_inputs} and {packed.n_outputs}; set the genome sizes from the task's spec."
        )


@dataclass
class CartPoleTask:
    """CartPole-v1 for NEAT (see the module docstring)."""

    spec: TaskSpec
    n_episodes: int
    n_test_episodes: int

    def evaluate(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray:
        """Mean steps balanced per network, shape (G,)."""
        check_sizes(NAME, packed, 4, 2)
        fitness = np.empty(len(packed))
        base = draw_base_seed(rng)
        net, buffers = packed.arrays, (packed.new_values(), packed.new_values())
        for_each_chunk(lambda first, last: evaluate_range(
            first, last, net, packed.recurrent, packed.genome_ids, base, self.n_episodes, fitness,
            buffers), len(packed))
        return fitness

    def episodes(self, base_seed: int, genome_id: int) -> list[Episode]:
        return seeded_episodes(base_seed, genome_id, self.n_episodes)

    def test_episodes(self) -> list[Episode]:
        return test_seed_episodes(self.n_test_episodes)

    def test(self, genome: Genome, recurrent: bool) -> TestResult:
        """Mean steps over the test episodes; solved when at least 475 (gymnasium's rule)."""
        packed = pack_genome(genome, recurrent)
        check_sizes(NAME, packed, 4, 2)
        seeds = np.array([e.seed for e in self.test_episodes()], dtype=np.uint64)
        steps = play_episodes(packed.arrays, 0, recurrent, seeds, packed.new_values(),
                              packed.new_values())
        score = float(steps.mean())
        return TestResult(score, score >= SOLVED_AT, len(seeds), {"min_return": int(steps.min())})

    def replay(self, genome: Genome, recurrent: bool, episode: Episode,
               max_frames: int | None = None) -> EpisodeReplay:
        """`episode` played again; its score is the steps balanced."""
        packed = pack_genome(genome, recurrent)
        check_sizes(NAME, packed, 4, 2)
        net = packed.arrays
        values, scratch = packed.new_values(), packed.new_values()
        inputs, outputs = np.empty(4), np.empty(2)
        state = initial_state(np.uint64(episode.seed))
        frames: list[Frame] = []
        steps = 0
        while steps < MAX_STEPS:
            observe(*state, inputs)
            activate_with(net, 0, recurrent, inputs, values, scratch, outputs)
            action = choose_action(outputs)
            if max_frames is None or len(frames) < max_frames:
                world = {"kind": "cartpole", "x": state[0], "theta": state[2],
                         "x_threshold": X_THRESHOLD}
                pushed = [1.0 - action, float(action)]  # the button of the action taken
                frames.append(Frame(inputs.tolist(), values.tolist(), pushed, world, 1.0))
            state = step_state(*state, action)
            steps += 1
            if is_terminal(state[0], state[2]):
                break
        return EpisodeReplay(episode, frames, float(steps), steps)


def make_task(options: dict[str, Any]) -> CartPoleTask:
    """The cartpole task; options: `episodes` (int >= 1, default 5), `test_episodes` (default
    100)."""
    opts = read_options(NAME, options, DEFAULTS)
    require_between(NAME, opts, "episodes", 1)
    require_between(NAME, opts, "test_episodes", 1)
    spec = TaskSpec(
        name=NAME,
        n_inputs=4,
        n_outputs=2,
        input_labels=INPUT_LABELS,
        output_labels=OUTPUT_LABELS,
        solved_at=SOLVED_AT,
        frame_rate=1.0 / TAU,  # real time: a frame per state update
        description=(
            "Balance a pole on a cart (gymnasium CartPole-v1, compiled). Fitness: mean steps "
            f"balanced over {opts['episodes']} episodes of at most 500 steps."
        ),
        test_protocol=(f"mean return over {opts['test_episodes']} fresh episodes >= 475 "
                       "(gymnasium's rule), for champions whose training fitness reaches 475"),
    )
    return CartPoleTask(spec, opts["episodes"], opts["test_episodes"])
