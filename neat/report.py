"""What one generation produced: the GenerationReport (printed by neat.app.progress.ProgressDisplay), and
the result of testing a champion on episodes that training never used."""

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


@dataclass(frozen=True)
class TestResult:
    """A champion's score on its task's test episodes (held out from training).

    score: the task's test score (e.g. the mean return over 100 fresh episodes, or the share of
    held-out levels cleared); solved: whether that meets the task's definition of solved;
    episodes: test episodes played; details: small task-specific figures (JSON-able).
    """

    score: float
    solved: bool
    episodes: int
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class GenerationReport:
    """Summary of one evaluated generation.

    `champion` is the generation's champion as the run's ChampionTest chooses it (the fittest
    genome unless `choose` says otherwise), and `test`, when set, is that genome's test: the report
    names the genome tested, and the runner writes it, with its own fitness, as the generation's
    champion file.
    """

    generation: int
    evaluations: int  # cumulative
    best_fitness: float
    mean_fitness: float
    std_fitness: float
    champion: Genome
    champion_fitness: float  # the champion's own fitness (best_fitness is the generation's top)
    solved: bool
    seconds: float  # wall clock for this generation
    species: list[SpeciesRow] = field(default_factory=list)
    threshold: float = 0.0
    test: TestResult | None = None  # the champion's test, when one ran (or was reused) this generation
    test_episodes: int = 0  # test episodes played so far in the run (cumulative)

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
            "champion_fitness": self.champion_fitness,
            "champion_hidden": self.champion.n_hidden,
            "champion_connections": self.champion.n_enabled,
            "solved": self.solved,
            "test_score": None if self.test is None else self.test.score,
            "test_solved": None if self.test is None else self.test.solved,
            "test_episodes": self.test_episodes,
            "test_details": None if self.test is None else self.test.details,
            "seconds": self.seconds,
            "evaluations_per_second": self.evaluations_per_second,
            "threshold": self.threshold,
            "species_table": [vars(r) for r in self.species],
        }
