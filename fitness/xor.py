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
from neat.errors import ConfigError
from neat.genome import Genome
from neat.network import PackedNetworks, activate, pack_genome, reset_values

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
def _xor_outputs(net, recurrent, patterns):
    """Output of every network on every pattern, shape (G, 4)."""
    n = len(net[0]) - 1
    outputs = np.empty((n, len(patterns)))
    values = np.zeros(len(net[1]))
    scratch = np.zeros(len(net[1]))
    for g in range(n):
        out = np.empty(1)
        for p in range(len(patterns)):
            reset_values(net, g, values)
            activate(net, g, recurrent, patterns[p], values, scratch, out)
            outputs[g, p] = out[0]
    return outputs


def xor_outputs_py(outputs_of: Any) -> np.ndarray:
    """Pure-Python twin of the evaluation: `outputs_of(pattern)` gives one network's output."""
    return np.array([outputs_of(list(p))[0] for p in PATTERNS])


class XorTask:
    spec = SPEC

    def evaluate(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray:
        errors = np.abs(self.outputs(packed) - TARGETS).sum(axis=1)
        return (4.0 - errors) ** 2

    def outputs(self, packed: PackedNetworks) -> np.ndarray:
        return _xor_outputs(packed.arrays, packed.recurrent, PATTERNS)

    def solved(self, packed: PackedNetworks, fitness: np.ndarray) -> np.ndarray:
        return ((self.outputs(packed) > 0.5) == (TARGETS > 0.5)).all(axis=1)

    def replay(self, genome: Genome, seed: int, recurrent: bool) -> list[Frame]:
        packed = pack_genome(genome, recurrent)
        frames = []
        for pattern, target in zip(PATTERNS, TARGETS, strict=True):
            values = packed.new_values()
            scratch = packed.new_values()
            out = np.empty(1)
            activate(packed.arrays, 0, recurrent, pattern, values, scratch, out)
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
