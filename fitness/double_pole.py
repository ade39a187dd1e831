"""The `double-pole` and `double-pole-novel` tasks: NEAT's double pole balancing benchmarks.

Two poles (1.0 m and 0.1 m long) stand on a cart on a 4.8 m track; one network output in [0, 1]
pushes the cart with force (output - 0.5) * 20 N (outputs outside [0, 1] are clipped). Physics,
constants and start state: see `fitness.double_pole_dynamics`. The system starts with pole 1 at
0.07 rad and fails when |x| > 2.4 m or a pole leans more than 36 degrees. Every evaluation is
deterministic (one fixed start), so `evaluate` ignores its Generator.

Inputs, scaled as in Stanley's NEAT C++ code (experiments.cpp, CartPole::evalNet); the original's
constant 0.5 bias input is left out because every node here has its own bias:

- `double-pole` (Markovian, velocities given), 6 inputs:
  x/4.8, x_dot/2, theta1/0.52, theta1_dot/2, theta2/0.52, theta2_dot/2.
  Fitness: steps balanced (the state is within bounds after the action), up to `max_steps`
  (default 100,000 = 2,000 s); solved at `max_steps`.
- `double-pole-novel` (non-Markovian, no velocities), 3 inputs: x/4.8, theta1/0.52, theta2/0.52.
  Solving it needs memory, so networks must be recurrent. Protocol of Gruau et al. (1996) as used
  in Stanley & Miikkulainen (2002), section 4.2:
    1. Damping trial of 1,000 steps: F = 0.1 * t / 1000 + 0.9 * f2, with t the steps balanced and
       f2 = 0 if t < 100, else 0.75 / sum over the last 100 balanced steps of
       (|x| + |x_dot| + |theta1| + |theta1_dot|). F is capped at 10 here (a near-motionless
       system), so the tiers below stay apart.
    2. The network is tried for 100,000 steps from the same start.
    3. If it balances all 100,000 it takes the generalisation test: 625 starts with x,
       x_dot, theta1 and theta1_dot each at 0.05/0.25/0.5/0.75/0.95 of the ranges +-2.16 m,
       +-1.35 m/s, +-0.06283152 rad (3.6 degrees) and +-0.15009752 rad/s (8.6 degrees/s), pole 2
       upright and still (ranges from the original code's pole2 generalisation test). A start
       counts when the network, reset, balances all 1,000 steps from it. The score is the count.
  Solved: steps 2 and 3 pass with a score of at least `min_generalisation` (default 200, the
  paper's criterion). `protocol` says who takes steps 2 and 3:
    - "paper" (default, as the paper ran it): fitness is F; only each generation's champion is
      tested, and test episodes are not counted as evaluations. `champion` says which network
      that is: "species" (default; as Stanley's NEAT C++ 1.2 code ran it: the champion of the
      best species not tested since its F last rose, a rotation over species;
      neat.population.ChampionTest) or "best" (the highest F, as the paper describes it). The
      choice changes only which network is tested, never evolution; on fresh seeds "species"
      needed fewer evaluations (docs/tasks.md).
    - "lenient": every network that balances the 1,000 steps is tested during evaluation, and its
      fitness becomes 100 + score, which finds a solution in fewer generations but spends tests
      on every genome.

Options: `double-pole`: `max_steps` (default 100000), `replay_steps` (default 1000);
`double-pole-novel`: `min_generalisation` (default 200), `protocol` ("paper" or "lenient"),
`champion` ("species", the default, or "best"; the paper protocol only), `replay_steps`
(default 1000).
`replay_steps` caps the frames a replay records (the score still counts the whole episode).

Test (what "solved" means): `double-pole` balances 100,000 steps from the standard start (the
paper's criterion; deterministic, so a champion that trained with max_steps = 100,000 passes it);
`double-pole-novel` steps 2 and 3 above.

Replay (the damping trial for -novel, the balancing run for the Markovian task, or a test trial:
the 100,000-step run or one generalisation start) world dict:
    {"kind": "double-pole", "x": m, "theta1": rad, "theta2": rad, "length1": 1.0,
     "length2": 0.1, "x_threshold": 2.4}   (full pole lengths in metres)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from fitness.cartpole import check_sizes
from fitness.double_pole_dynamics import (
    HALF_LENGTH_1,
    HALF_LENGTH_2,
    RK4_STEPS_PER_ACTION,
    START_STATE,
    TAU,
    X_THRESHOLD,
    is_failed,
    step_state,
)
from fitness.task import Episode, EpisodeReplay, Frame, TaskSpec
from fitness.task_options import read_options, require_between
from neat.borrow import borrow
from neat.errors import ConfigError
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
from neat.task import CHAMPION_CHOICES

MARKOV_NAME = "double-pole"
NOVEL_NAME = "double-pole-novel"
MARKOV_LABELS = ("x", "x_dot", "theta1", "theta1_dot", "theta2", "theta2_dot")
NOVEL_LABELS = ("x", "theta1", "theta2")
OUTPUT_LABELS = ("FORCE",)
MARKOV_DEFAULTS: dict[str, Any] = {"max_steps": 100_000, "replay_steps": 1000}
NOVEL_DEFAULTS: dict[str, Any] = {"min_generalisation": 200, "protocol": "paper",
                                  "champion": "species", "replay_steps": 1000}
PROTOCOLS = ("paper", "lenient")

DAMPING_STEPS = 1000
JIGGLE_WINDOW = 100
DAMPING_CAP = 10.0
LONG_RUN_STEPS = 100_000
LONG_RUN_FITNESS = 100.0
GENERALISATION_STEPS = 1000
GENERALISATION_FRACTIONS = (0.05, 0.25, 0.5, 0.75, 0.95)
GENERALISATION_STARTS = len(GENERALISATION_FRACTIONS) ** 4  # 625
# half-ranges of x (m), x_dot (m/s), theta1 (rad), theta1_dot (rad/s) in the generalisation test
GENERALISATION_HALF_RANGES = (2.16, 1.35, 0.06283152, 0.15009752)


@njit(cache=True)
def observe(s: tuple, markov: bool, inputs: np.ndarray) -> None:
    """Write the scaled network inputs for state `s` into `inputs` (6,) or (3,)."""
    inputs[0] = s[0] / 4.8
    if markov:
        inputs[1] = s[1] / 2.0
        inputs[2] = s[2] / 0.52
        inputs[3] = s[3] / 2.0
        inputs[4] = s[4] / 0.52
        inputs[5] = s[5] / 2.0
    else:
        inputs[1] = s[2] / 0.52
        inputs[2] = s[4] / 0.52


@njit(cache=True)
def balance(net, g, recurrent, markov, start, max_steps, buffers, jiggle) -> int:
    """Steps network `g` (reset first) keeps the system within bounds from `start`, at most
    `max_steps`. `buffers` = (values, scratch) population buffers; `jiggle` (100,) receives
    |x| + |x_dot| + |theta1| + |theta1_dot| of balanced step k at index k % 100."""
    net, (values, scratch) = borrow(net), borrow(buffers)
    inputs, outputs = input_view(net, g, values), output_view(net, g, values, 1)
    reset_values(net, g, values)
    s = start
    for step in range(max_steps):
        observe(s, markov, inputs)
        activate(net, g, recurrent, values, scratch)
        s = step_state(s, outputs[0])
        if is_failed(s):
            return step
        jiggle[step % JIGGLE_WINDOW] = abs(s[0]) + abs(s[1]) + abs(s[2]) + abs(s[3])
    return max_steps


@njit(cache=True)
def damping_fitness(balanced: int, jiggle: np.ndarray) -> float:
    """Gruau's F = 0.1 * t / 1000 + 0.9 * f2 for a damping trial, capped at DAMPING_CAP."""
    fitness = 0.1 * balanced / DAMPING_STEPS
    if balanced >= JIGGLE_WINDOW:
        fitness += 0.9 * 0.75 / np.sum(jiggle)
    return min(fitness, DAMPING_CAP)


@njit(cache=True)
def generalisation_start(index: int) -> tuple:
    """Start state number `index` (0..624) of the generalisation test."""
    s = [0.0, 0.0, 0.0, 0.0]
    for k in range(4):
        fraction = GENERALISATION_FRACTIONS[(index // 5 ** (3 - k)) % 5]
        s[k] = (2.0 * fraction - 1.0) * GENERALISATION_HALF_RANGES[k]
    return (s[0], s[1], s[2], s[3], 0.0, 0.0)


@njit(cache=True)
def count_generalised(net, g, recurrent, buffers) -> int:
    """How many of the 625 generalisation starts network `g` balances for 1,000 steps."""
    jiggle = np.zeros(JIGGLE_WINDOW)
    count = 0
    for index in range(GENERALISATION_STARTS):
        start = generalisation_start(index)
        if balance(net, g, recurrent, False, start, GENERALISATION_STEPS, buffers,
                   jiggle) == GENERALISATION_STEPS:
            count += 1
    return count


@njit(cache=True)
def novel_fitness(net, g, recurrent, lenient, buffers) -> float:
    """Fitness of network `g` under the non-Markovian protocol (module docstring): F of the
    damping trial, or with `lenient`, 100 + the generalisation score once it balances 100,000
    steps."""
    jiggle = np.zeros(JIGGLE_WINDOW)
    balanced = balance(net, g, recurrent, False, START_STATE, DAMPING_STEPS, buffers, jiggle)
    fitness = damping_fitness(balanced, jiggle)
    if lenient and balanced == DAMPING_STEPS:
        score = novel_test(net, g, recurrent, buffers)
        if score >= 0:
            fitness = LONG_RUN_FITNESS + score
    return fitness


@njit(cache=True)
def novel_test(net, g, recurrent, buffers) -> int:
    """Steps 2-3 of the protocol: the generalisation score of network `g` when it balances
    100,000 steps from the standard start, else -1."""
    jiggle = np.zeros(JIGGLE_WINDOW)
    if balance(net, g, recurrent, False, START_STATE, LONG_RUN_STEPS, buffers,
               jiggle) < LONG_RUN_STEPS:
        return -1
    return count_generalised(net, g, recurrent, buffers)


@njit(cache=True, nogil=True)
def evaluate_range(first, last, net, recurrent, markov, max_steps, lenient, fitness, buffers):
    """Fitness of networks first..last-1 into `fitness` (G,) (see neat.parallel); buffers =
    (values, scratch) node buffers of the whole population."""
    for g in range(first, last):
        if markov:
            jiggle = np.zeros(JIGGLE_WINDOW)
            fitness[g] = balance(net, g, recurrent, True, START_STATE, max_steps, buffers, jiggle)
        else:
            fitness[g] = novel_fitness(net, g, recurrent, lenient, buffers)


def generalisation_score(packed: PackedNetworks, g: int) -> int:
    """Generalisation score (0..625) of network `g` of `packed` (3 inputs, 1 output)."""
    check_sizes(NOVEL_NAME, packed, 3, 1)
    buffers = (packed.new_values(), packed.new_values())
    return int(count_generalised(packed.arrays, g, packed.recurrent, buffers))


@dataclass
class DoublePoleTask:
    """Double pole balancing, with (`markov`) or without velocity inputs."""

    spec: TaskSpec
    markov: bool
    max_steps: int
    replay_steps: int
    lenient: bool = False  # double-pole-novel: protocol "lenient" (see the module docstring)
    min_generalisation: int = 0

    def evaluate(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray:
        """Fitness per network, shape (G,); deterministic, so `rng` is not used."""
        check_sizes(self.spec.name, packed, self.spec.n_inputs, 1)
        fitness = np.empty(len(packed))
        net, buffers = packed.arrays, (packed.new_values(), packed.new_values())
        for_each_chunk(lambda first, last: evaluate_range(
            first, last, net, packed.recurrent, self.markov, self.max_steps, self.lenient,
            fitness, buffers), len(packed))
        return fitness

    def episodes(self, base_seed: int, genome_id: int) -> list[Episode]:
        label = "balancing from the standard start" if self.markov else "damping trial"
        return [Episode(0, label)]

    def test_episodes(self) -> list[Episode]:
        long_run = Episode(0, "100,000 steps from the standard start", "long")
        if self.markov:
            return [long_run]
        return [long_run, *(Episode(k, f"generalisation start {k}", "generalisation")
                            for k in range(GENERALISATION_STARTS))]

    def test(self, genome: Genome, recurrent: bool) -> TestResult:
        """The paper's test: 100,000 steps from the standard start, then (without velocities)
        the 625 generalisation starts; the score is the steps balanced, or the generalisation
        score (-1 when the long run fails)."""
        packed = pack_genome(genome, recurrent)
        check_sizes(self.spec.name, packed, self.spec.n_inputs, 1)
        buffers = (packed.new_values(), packed.new_values())
        if self.markov:
            steps = balance(packed.arrays, 0, recurrent, True, START_STATE, LONG_RUN_STEPS,
                            buffers, np.zeros(JIGGLE_WINDOW))
            return TestResult(float(steps), steps == LONG_RUN_STEPS, 1)
        score = novel_test(packed.arrays, 0, recurrent, buffers)
        episodes = 1 if score < 0 else 1 + GENERALISATION_STARTS
        return TestResult(float(score), score >= self.min_generalisation, episodes,
                          {"long_run": score >= 0})

    def replay(self, genome: Genome, recurrent: bool, episode: Episode,
               max_frames: int | None = None) -> EpisodeReplay:
        """`episode` played again, its frames capped at `max_frames` (default `replay_steps`);
        the score counts the whole episode as `evaluate` (or `test`) does."""
        packed = pack_genome(genome, recurrent)
        check_sizes(self.spec.name, packed, self.spec.n_inputs, 1)
        net, buffers = packed.arrays, (packed.new_values(), packed.new_values())
        jiggle = np.zeros(JIGGLE_WINDOW)
        start, steps = START_STATE, self.max_steps if self.markov else DAMPING_STEPS
        if episode.kind == "long":
            steps = LONG_RUN_STEPS
        elif episode.kind == "generalisation":
            start, steps = generalisation_start(episode.seed), GENERALISATION_STEPS
        balanced = balance(net, 0, recurrent, self.markov, start, steps, buffers, jiggle)
        if episode.kind or self.markov:
            score = float(balanced)
        else:
            score = novel_fitness(net, 0, recurrent, self.lenient, buffers)
        frames = self._frames(packed, recurrent, start,
                              min(steps, self.replay_steps if max_frames is None else max_frames))
        return EpisodeReplay(episode, frames, score, balanced)

    def _frames(self, packed: PackedNetworks, recurrent: bool, start: tuple,
                count: int) -> list[Frame]:
        """The first `count` steps from `start`."""
        net = packed.arrays
        values, scratch = packed.new_values(), packed.new_values()
        inputs, outputs = np.empty(self.spec.n_inputs), np.empty(1)
        s = start
        frames = []
        for _ in range(count):
            observe(s, self.markov, inputs)
            activate_with(net, 0, recurrent, inputs, values, scratch, outputs)
            world = {
                "kind": "double-pole", "x": s[0], "theta1": s[2], "theta2": s[4],
                "length1": 2 * HALF_LENGTH_1, "length2": 2 * HALF_LENGTH_2,
                "x_threshold": X_THRESHOLD,
            }
            frames.append(Frame(inputs.tolist(), values.tolist(), outputs.tolist(), world, 1.0))
            s = step_state(s, outputs[0])
            if is_failed(s):
                break
        return frames


def make_task(options: dict[str, Any]) -> DoublePoleTask:
    """Markovian double pole balancing (velocities given); see the module docstring."""
    opts = read_options(MARKOV_NAME, options, MARKOV_DEFAULTS)
    require_between(MARKOV_NAME, opts, "max_steps", 1)
    require_between(MARKOV_NAME, opts, "replay_steps", 1)
    spec = TaskSpec(
        name=MARKOV_NAME,
        n_inputs=6,
        n_outputs=1,
        input_labels=MARKOV_LABELS,
        output_labels=OUTPUT_LABELS,
        frame_rate=1.0 / (RK4_STEPS_PER_ACTION * TAU),  # real time: a frame per action
        solved_at=float(opts["max_steps"]),
        description=(
            "Balance two poles (1 m and 0.1 m) on a cart, velocities given (NEAT paper, Markovian "
            f"double pole). Fitness: steps balanced, up to {opts['max_steps']}."
        ),
        test_protocol=("100,000 steps balanced from the standard start (the paper's criterion), "
                       "for champions that balance max_steps in training"),
    )
    return DoublePoleTask(spec, True, opts["max_steps"], opts["replay_steps"])


def make_novel_task(options: dict[str, Any]) -> DoublePoleTask:
    """Non-Markovian double pole balancing (no velocities, Gruau's fitness); needs recurrence."""
    opts = read_options(NOVEL_NAME, options, NOVEL_DEFAULTS)
    require_between(NOVEL_NAME, opts, "min_generalisation", 0, GENERALISATION_STARTS)
    require_between(NOVEL_NAME, opts, "replay_steps", 1)
    for key, allowed in (("protocol", PROTOCOLS), ("champion", CHAMPION_CHOICES)):
        if opts[key] not in allowed:
            raise ConfigError(f"task '{NOVEL_NAME}' option '{key}' must be one of "
                              f"{', '.join(allowed)}, got {opts[key]!r}.")
    lenient = opts["protocol"] == "lenient"
    if lenient and options.get("champion") == "species":
        raise ConfigError(f"task '{NOVEL_NAME}' option 'champion' applies to the paper protocol; "
                          "the lenient one tests every network that balances the damping trial.")
    choice = "best" if lenient else opts["champion"]
    tested = {"best": "every generation's champion (the highest F, the paper's protocol)",
              "species": "each generation the champion of the best species not tested since its "
                         "F last rose (the paper's protocol as NEAT C++ 1.2 ran it)"}[choice]
    fitness = ("; 100 + generalisation score (of 625 starts) for every network that balances "
               "100,000 steps (lenient protocol)" if lenient
               else f" (paper protocol, champion choice '{choice}')")
    spec = TaskSpec(
        name=NOVEL_NAME,
        n_inputs=3,
        n_outputs=1,
        input_labels=NOVEL_LABELS,
        output_labels=OUTPUT_LABELS,
        frame_rate=1.0 / (RK4_STEPS_PER_ACTION * TAU),  # real time: a frame per action
        solved_at=LONG_RUN_FITNESS + opts["min_generalisation"],
        description=(
            "Balance two poles on a cart seeing only positions (NEAT paper, non-Markovian double "
            f"pole); networks must be recurrent. Fitness: Gruau's damping fitness{fitness}."
        ),
        test_protocol=(f"100,000 steps from the standard start, then >= {opts['min_generalisation']} "
                       "of the 625 generalisation starts balanced for 1,000 steps; tested: "
                       + ("champions that pass training" if lenient else tested)),
        test_every_champion=not lenient,
        champion_choice=choice,
    )
    return DoublePoleTask(spec, False, DAMPING_STEPS, opts["replay_steps"], lenient,
                          opts["min_generalisation"])
