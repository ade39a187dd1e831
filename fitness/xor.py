"""XOR, the NEAT paper's first test.

Inputs: the two bits (labels A, B). Output: one value, read as true above 0.5.
Fitness: (4 - sum of |output - target| over the four patterns)^2, as in the paper; at most 16.
Solved: all four outputs on the right side of 0.5. Deterministic: no episodes, no randomness.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from fitness.task import Frame, TaskSpec
from neat.borrow import borrow
from neat.errors import ConfigError
from neat.genome import Genome
from neat.network import (
    PackedNetworks,
    ReferenceNetwork,
    activate,
    activate_with,
    input_view,
    output_view,
    pack_genome,
    reset_values,
)

PATTERNS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = np.array([0.0, 1.0, 1.0, 0.0])

SPEC = TaskSpec(
    name="xor",
    n_inputs=2,
    n_outputs=1,
    input_labels=("A", "B"),
    output_labels=("A XOR B",),
    solved_at=16.0,
    description="the XOR benchmark of the NEAT paper; fitness (4 - sum of errors)^2",
)


@njit(cache=True)
def xor_outputs(net, recurrent, patterns, rows):
    """Output of networks `rows` on every pattern (each from a reset state), shape (len(rows), 4)."""
    outputs = np.empty((len(rows), len(patterns)))
    values = np.zeros(len(net[1]))
    scratch = np.zeros(len(net[1]))
    _xor_rows(net, recurrent, patterns, rows, values, scratch, outputs)
    return outputs


@njit(cache=True)
def _xor_rows(net, recurrent, patterns, rows, values, scratch, outputs):
    """The loop of `xor_outputs`, on borrowed views of its arguments (neat.borrow)."""
    net, values, scratch = borrow(net), borrow(values), borrow(scratch)
    patterns, rows, outputs = borrow(patterns), borrow(rows), borrow(outputs)
    for r in range(len(rows)):
        g = rows[r]
        inputs, output = input_view(net, g, values), output_view(net, g, values, 1)
        for p in range(len(patterns)):
            reset_values(net, g, values)
            for i in range(len(inputs)):
                inputs[i] = patterns[p, i]
            activate(net, g, recurrent, values, scratch)
            outputs[r, p] = output[0]


def xor_fitness_py(genome: Genome, recurrent: bool) -> float:
    """Pure-Python twin of the task's fitness, through ReferenceNetwork (used by tests)."""
    error = 0.0
    for pattern, target in zip(PATTERNS.tolist(), TARGETS.tolist(), strict=True):
        output = ReferenceNetwork(genome, recurrent).activate(pattern)[0]
        error += abs(output - target)
    return (4.0 - error) ** 2


class XorTask:
    spec = SPEC

    def evaluate(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray:
        """(4 - sum of |output - target|)^2 per network, shape (G,); deterministic."""
        errors = np.abs(self.outputs(packed) - TARGETS).sum(axis=1)
        return (4.0 - errors) ** 2

    def outputs(self, packed: PackedNetworks, rows: np.ndarray | None = None) -> np.ndarray:
        """Outputs of networks `rows` (default: all) on the four patterns, shape (len(rows), 4)."""
        if rows is None:
            rows = np.arange(len(packed))
        return xor_outputs(packed.arrays, packed.recurrent, PATTERNS, rows.astype(np.int64))

    def solved(self, packed: PackedNetworks, fitness: np.ndarray) -> np.ndarray:
        """True where all four outputs are on the right side of 0.5.

        Such a network errs by at most 0.5 per pattern, so its fitness is at least 4: only those
        networks are run again.
        """
        solved = np.zeros(len(packed), dtype=bool)
        candidates = np.flatnonzero(np.asarray(fitness) >= 4.0)
        if len(candidates):
            right = (self.outputs(packed, candidates) > 0.5) == (TARGETS > 0.5)
            solved[candidates] = right.all(axis=1)
        return solved

    def replay(self, genome: Genome, seed: int, recurrent: bool) -> list[Frame]:
        packed = pack_genome(genome, recurrent)
        frames = []
        for pattern, target in zip(PATTERNS, TARGETS, strict=True):
            values = packed.new_values()
            scratch = packed.new_values()
            out = np.empty(1)
            activate_with(packed.arrays, 0, recurrent, pattern, values, scratch, out)
            frames.append(Frame(
                observation=pattern.tolist(), activations=values.tolist(), action=out.tolist(),
                world={"kind": "xor", "inputs": pattern.tolist(), "target": float(target),
                       "output": float(out[0])},
                reward=-abs(float(out[0]) - float(target)),
            ))
        return frames


def make_task(options: dict[str, Any]) -> XorTask:
    if options:
        raise ConfigError(f"task 'xor' takes no options; remove {', '.join(sorted(options))} "
                          "from [task]")
    return XorTask()
