"""The task interface: what a game or benchmark declares so NEAT can evolve networks for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from neat.genome import Genome
from neat.network import PackedNetworks


@dataclass(frozen=True)
class TaskSpec:
    """Name, sizes and labels of a task, and the fitness that counts as solved."""

    name: str
    n_inputs: int
    n_outputs: int
    input_labels: tuple[str, ...]
    output_labels: tuple[str, ...]
    solved_at: float
    input_grid: tuple[int, int] | None = None  # (rows, cols) when the first inputs form a tile grid
    description: str = ""
    presets: tuple[str, ...] = ()
    """Config overrides ("section.key=value") the task applies before the user's config, e.g.
    recurrent networks for a task that needs memory."""


@dataclass
class Frame:
    """One step of a replay: what the network saw, every node's value, what it did, the world."""

    observation: list[float]
    activations: list[float]  # aligned with genome.node_id
    action: list[float]  # the network's outputs (or the buttons pressed)
    world: dict[str, Any] = field(default_factory=dict)  # small JSON-able drawable state
    reward: float = 0.0


class Task(Protocol):
    spec: TaskSpec

    def evaluate(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray:
        """Fitness of every packed network, shape (G,). Episode seeds come from `rng` and the
        genome ids only, so results never depend on thread count or chunking."""
        ...

    def replay(self, genome: Genome, seed: int, recurrent: bool) -> list[Frame]:
        """Play one episode with `genome` and record every step."""
        ...


def solved_mask(task: Task, packed: PackedNetworks, fitness: np.ndarray) -> np.ndarray:
    """Which genomes solve `task`, shape (G,) bool: the task's own `solved(packed, fitness)` test
    when it has one, else fitness >= spec.solved_at."""
    solved = getattr(task, "solved", None)
    if callable(solved):
        return np.asarray(solved(packed, fitness), dtype=bool)
    return np.asarray(fitness, dtype=np.float64) >= task.spec.solved_at

