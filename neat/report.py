"""What one generation produced: the GenerationReport (printed by neat.progress.ProgressDisplay)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from neat.genome import Genome


@dataclass(frozen=True)
class SpeciesRow:
    id: int
    size: int
    age: int
    best_fitness: float
    adjusted_fitness: float
    stagnation: int


@dataclass
class GenerationReport:
    """Summary of one evaluated generation."""

    generation: int
    evaluations: int  # cumulative
    best_fitness: float
    mean_fitness: float
    std_fitness: float
    champion: Genome
    solved: bool
    seconds: float  # wall clock for this generation
    species: list[SpeciesRow] = field(default_factory=list)
    threshold: float = 0.0

    @property
    def evaluations_per_second(self) -> float:
        size = sum(r.size for r in self.species)
        return size / self.seconds if self.seconds > 0 else 0.0

    def to_stats(self) -> dict[str, Any]:
        """The stats.jsonl record of this generation."""
        return {
            "generation": self.generation,
            "evaluations": self.evaluations,
            "best_fitness": self.best_fitness,
            "mean_fitness": self.mean_fitness,
            "std_fitness": self.std_fitness,
            "species": len(self.species),
            "champion_id": self.champion.key,
            "champion_hidden": self.champion.n_hidden,
            "champion_connections": self.champion.n_enabled,
            "solved": self.solved,
            "seconds": self.seconds,
            "evaluations_per_second": self.evaluations_per_second,
            "threshold": self.threshold,
            "species_table": [vars(r) for r in self.species],
        }
