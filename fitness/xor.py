"""XOR, the NEAT paper's first test.

Inputs: the two bits (labels A, B). Output: one value, read as true above 0.5.
Fitness: (4 - sum of |output - target| over the four patterns)^2, as in the paper; at most 16.
Solved: all four outputs on the right side of 0.5. Deterministic: one episode (the four patterns,
each from a reset network), no randomness, so the test is the training evaluation itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from fitness.task import Episode, EpisodeReplay, Frame, TaskSpec
from neat.borrow import borrow
from neat.errors import ConfigError
from neat.genome import Genome
from neat.network import (
    NetworkArrays,
    PackedNetworks,
    ReferenceNetwork,
    activate,
    activate_with,
    input_view,
    network_count,
    output_view,
    pack_genome,
    reset_values,
)
from neat.report import TestResult

PATTERNS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = np.array([0.0, 1.0, 1.0, 0.0])

SPEC = TaskSpec(
    name="xor",
    n_inputs=2,
    n_outputs=1,
    input_labels=("A", "B"),
    output_labels=("A XOR B",),
    solved_at=16.0,
    frame_rate=2.0,  # each pattern shown half a second
    description="the XOR benchmark of the NEAT paper; fitness (4 - sum of errors)^2",
    test_protocol="the four patterns (deterministic, so the test is training itself): solved when "
                  "all four outputs are on the right side of 0.5",
)
EPISODE = Episode(0, "the four patterns")


@njit(cache=True)
def xor_scores(net, recurrent, patterns, targets):
    """Fitness (4 - sum of |output - target|)^2 of every network, shape (G,), and whether all its
    outputs are on the right side of 0.5, shape (G,); each pattern from a reset state. `net`: the
    NetworkArrays as a plain tuple, as Python passes records every generation
    (docs/architecture.md)."""
    net = NetworkArrays(*net)
    n_genomes = network_count(net)
    fitness = np.empty(n_genomes)
    right = np.empty(n_genomes, dtype=np.bool_)
    values = np.zeros(len(net.node_bias))
    scratch = np.zeros(len(net.node_bias))
    _score_all(net, recurrent, patterns, targets, values, scratch, fitness, right)
    return fitness, right


@njit(cache=True)
def _score_all(net, recurrent, patterns, targets, values, scratch, fitness, right):
    """The loop of `xor_scores`, on borrowed views of its arguments (neat.borrow)."""
    net, values, scratch = borrow(net), borrow(values), borrow(scratch)
    patterns, targets = borrow(patterns), borrow(targets)
    fitness, right = borrow(fitness), borrow(right)
    for g in range(len(fitness)):
        inputs, output = input_view(net, g, values), output_view(net, g, values, 1)
        error = 0.0
        right[g] = True
        for p in range(len(patterns)):
            reset_values(net, g, values)
            for i in range(len(inputs)):
                inputs[i] = patterns[p, i]
            activate(net, g, recurrent, values, scratch)
            error += abs(output[0] - targets[p])
            if (output[0] > 0.5) != (targets[p] > 0.5):
                right[g] = False
        fitness[g] = (4.0 - error) ** 2


def xor_fitness_py(genome: Genome, recurrent: bool) -> float:
    """Pure-Python twin of the task's fitness, through ReferenceNetwork (used by tests)."""
    error = 0.0
    for pattern, target in zip(PATTERNS.tolist(), TARGETS.tolist(), strict=True):
        output = ReferenceNetwork(genome, recurrent).activate(pattern)[0]
        error += abs(output - target)
    return (4.0 - error) ** 2


class XorTask:
    spec = SPEC

    def __init__(self) -> None:
        self._last: tuple[PackedNetworks, np.ndarray] | None = None  # networks, solved flags

    def evaluate(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray:
        """(4 - sum of |output - target|)^2 per network, shape (G,); deterministic."""
        fitness, right = xor_scores(tuple(packed.arrays), packed.recurrent, PATTERNS, TARGETS)
        self._last = (packed, right)
        return fitness

    def solved(self, packed: PackedNetworks, fitness: np.ndarray) -> np.ndarray:
        """True where all four outputs are on the right side of 0.5 (kept from the evaluation of
        the same networks when there was one)."""
        if self._last is not None and self._last[0] is packed:
            return self._last[1]
        return xor_scores(tuple(packed.arrays), packed.recurrent, PATTERNS, TARGETS)[1]

    def episodes(self, base_seed: int, genome_id: int) -> list[Episode]:
        return [EPISODE]

    def test_episodes(self) -> list[Episode]:
        return [EPISODE]

    def test(self, genome: Genome, recurrent: bool) -> TestResult:
        """The four patterns again: score (4 - sum of errors)^2, solved when all four are right."""
        fitness, right = xor_scores(tuple(pack_genome(genome, recurrent).arrays), recurrent,
                                    PATTERNS, TARGETS)
        return TestResult(float(fitness[0]), bool(right[0]), 1)

    def replay(self, genome: Genome, recurrent: bool, episode: Episode,
               max_frames: int | None = None) -> EpisodeReplay:
        """The four patterns, one frame each; the score is the fitness."""
        packed = pack_genome(genome, recurrent)
        frames = []
        error = 0.0
        for pattern, target in zip(PATTERNS, TARGETS, strict=True):
            values = packed.new_values()
            scratch = packed.new_values()
            out = np.empty(1)
            activate_with(packed.arrays, 0, recurrent, pattern, values, scratch, out)
            error += abs(out[0] - target)
            frames.append(Frame(
                observation=pattern.tolist(), activations=values.tolist(), action=out.tolist(),
                world={"kind": "xor", "inputs": pattern.tolist(), "target": float(target),
                       "output": float(out[0])},
                reward=-abs(float(out[0]) - float(target)),
            ))
        return EpisodeReplay(episode, frames[:max_frames], float((4.0 - error) ** 2), len(frames))


def make_task(options: dict[str, Any]) -> XorTask:
    if options:
        raise ConfigError(f"task 'xor' takes no options; remove {', '.join(sorted(options))} "
                          "from [task]")
    return XorTask()
