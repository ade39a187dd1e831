"""The evolution loop. One generation reads: evaluate, speciate, adjust, select, reproduce, report,
then test the champion on held-out episodes when a test is given.

Use `run(evaluate, ...)` or `step(evaluate, ...)`, or drive evaluation yourself with `ask()` /
`tell(fitness)`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from neat.config import Config
from neat.errors import ConfigError, FitnessError
from neat.genome import Genome, GenomePool
from neat.initial import initial_pool
from neat.innovation import InnovationTracker
from neat.network import PackedNetworks, pack_population
from neat.report import GenerationReport, SpeciesRow, TestResult
from neat.reproduction import breed, offspring_quotas, plan_offspring, shared_fitness
from neat.species import (
    Species,
    choose_representatives,
    record_fitness,
    speciate,
    species_champion,
    surviving_species,
    update_threshold,
)
from neat.task import CHAMPION_CHOICES, ChampionTest

Evaluate = Callable[[PackedNetworks, np.random.Generator], np.ndarray]
Reporter = Callable[[GenerationReport], None]
SolvedTest = Callable[[PackedNetworks, np.ndarray], np.ndarray]


class TotalExtinctionError(FitnessError):
    """Every species died and the config does not allow a fresh start."""


@dataclass
class PopulationState:
    """Everything a Population needs to continue exactly (what a checkpoint stores).

    Taken right after `tell()`: `pool` is the new, not yet evaluated generation `generation`.
    """

    n_inputs: int
    n_outputs: int
    generation: int
    evaluations: int
    pool: GenomePool
    innovation_counters: np.ndarray  # int64 (2,): next innovation number, next node id
    species: list[Species]
    next_species_key: int
    next_genome_key: int
    threshold: float
    best_genome: Genome | None
    best_fitness: float
    rng_state: Mapping[str, Any]  # the bit generator's state
    test_episodes: int = 0  # test episodes played so far
    last_test: tuple[int, TestResult] | None = None  # (genome key, result) of the newest test


class Population:
    """A NEAT population: the current genomes plus everything needed to breed the next ones."""

    def __init__(self, config: Config, n_inputs: int, n_outputs: int):
        if n_inputs < 1 or n_outputs < 1:
            raise ConfigError(f"a network needs at least one input and one output "
                              f"(got {n_inputs} inputs, {n_outputs} outputs)")
        self.config = config
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        self.rng = np.random.default_rng(config.run.seed)
        self.generation = 0
        self.evaluations = 0
        self.pool, self.tracker = initial_pool(config, n_inputs, n_outputs, self.rng)
        self.next_genome_key = len(self.pool)
        self.species: list[Species] = []
        self.species_index = np.zeros(0, dtype=np.int64)  # species position of each genome
        self.representatives: GenomePool | None = None  # the species' representatives, in order
        self.next_species_key = 0
        self.threshold = config.speciation.threshold
        self.best_genome: Genome | None = None
        self.best_fitness = -np.inf
        self.test_episodes = 0
        self.last_test: tuple[int, TestResult] | None = None

    @property
    def recurrent(self) -> bool:
        return not self.config.genome.feed_forward

    def state(self) -> PopulationState:
        """The population's state (shared arrays, not copies): see `from_state`."""
        if self.representatives is not None:
            for k, s in enumerate(self.species):
                s.representative = self.representatives.genome(k, copy=False)
        return PopulationState(
            self.n_inputs, self.n_outputs, self.generation, self.evaluations, self.pool,
            self.tracker.counters, self.species, self.next_species_key, self.next_genome_key,
            self.threshold, self.best_genome, self.best_fitness, self.rng.bit_generator.state,
            self.test_episodes, self.last_test)

    @classmethod
    def from_state(cls, config: Config, state: PopulationState) -> Population:
        """A Population that continues exactly where the one that produced `state` was.

        Skips __init__'s random first generation. The innovation tables of the last generation are
        not needed: breeding clears them before use.
        """
        population = cls.__new__(cls)
        population.config = config
        population.n_inputs = state.n_inputs
        population.n_outputs = state.n_outputs
        population.rng = np.random.default_rng(config.run.seed)
        population.rng.bit_generator.state = state.rng_state
        population.generation = state.generation
        population.evaluations = state.evaluations
        population.pool = state.pool
        population.tracker = InnovationTracker.start(*(int(c) for c in state.innovation_counters))
        population.next_genome_key = state.next_genome_key
        population.species = state.species
        population.species_index = np.zeros(0, dtype=np.int64)  # set by the next speciation
        population.representatives = None  # rebuilt from the species by the next speciation
        population.next_species_key = state.next_species_key
        population.threshold = state.threshold
        population.best_genome = state.best_genome
        population.best_fitness = state.best_fitness
        population.test_episodes = state.test_episodes
        population.last_test = state.last_test
        return population

    def ask(self) -> GenomePool:
        """The genomes of the current generation, to be evaluated."""
        return self.pool

    def evaluation_rng(self) -> np.random.Generator:
        """The Generator a task uses for this generation's episodes: fixed by (seed, generation)."""
        return np.random.default_rng([self.config.run.seed, self.generation])

    def tell(self, fitness: np.ndarray, solved: np.ndarray | None = None,
             choose: str = "best") -> GenerationReport:
        """Take the fitness of every genome from `ask()` and breed the next generation.

        `solved` optionally marks the genomes that solve the task. `choose` picks the report's
        champion (see ChampionTest; "species" marks the chosen species tested, so pass it only
        when that champion is then tested).
        """
        if choose not in CHAMPION_CHOICES:
            raise ValueError(f"choose must be one of {', '.join(CHAMPION_CHOICES)}, got {choose!r}")
        start = time.perf_counter()
        fitness = self._check_fitness(fitness)
        self.evaluations += len(fitness)
        best_row = int(np.argmax(fitness))
        passed = False
        if solved is not None and solved.any():
            passed = True
            best_row = int(np.flatnonzero(solved)[np.argmax(fitness[solved])])
        self._speciate()
        record_fitness(self.species, self.species_index, fitness, self.generation)
        champion_row = best_row
        if choose == "species" and not passed:
            champion_row = species_champion(self.species, fitness, self.generation)
        champion = self.pool.genome(champion_row)
        if fitness[best_row] > self.best_fitness:
            self.best_fitness = float(fitness[best_row])
            self.best_genome = champion if champion_row == best_row else self.pool.genome(best_row)
        report = self._report(fitness, champion, float(fitness[champion_row]), solved, start)
        self._reproduce(fitness)
        self.generation += 1
        report.seconds += time.perf_counter() - start
        return report

    def step(self, evaluate: Evaluate, is_solved: SolvedTest | None = None,
             test: ChampionTest | None = None) -> GenerationReport:
        """Evaluate the current generation with `evaluate`, breed the next one, and test the
        champion with `test` (see ChampionTest: its `choose` picks the report's champion, the
        genome tested). `is_solved(packed, fitness)` marks the genomes that pass training; without
        a test, a generation is solved when any does."""
        start = time.perf_counter()
        packed = pack_population(self.pool, self.recurrent)
        fitness = np.asarray(evaluate(packed, self.evaluation_rng()), dtype=np.float64)
        passed = None if is_solved is None else np.asarray(is_solved(packed, fitness), dtype=bool)
        report = self.tell(fitness, passed, "best" if test is None else test.choose)
        if test is not None:
            report.test = self._test(report, test)
            report.solved = report.test is not None and report.test.solved
            report.test_episodes = self.test_episodes
        report.seconds = time.perf_counter() - start
        return report

    def run(self, evaluate: Evaluate, generations: int, fitness_goal: float | None = None,
            is_solved: SolvedTest | None = None, reporters: list[Reporter] | None = None,
            test: ChampionTest | None = None) -> Genome:
        """Evolve until `generations` generations have run here or a generation is solved (see
        `step`; `fitness_goal` is a shortcut for is_solved = fitness >= goal). Returns the solving
        champion, else the best genome found."""
        if is_solved is None and fitness_goal is not None:
            is_solved = _reaches(fitness_goal)
        for _ in range(generations):
            report = self.step(evaluate, is_solved, test)
            for reporter in reporters or []:
                reporter(report)
            if report.solved:
                return report.champion
        assert self.best_genome is not None
        return self.best_genome

    def _test(self, report: GenerationReport, test: ChampionTest) -> TestResult | None:
        """The champion's test result: reused when this genome was tested before, run when it
        passed training (or for every champion), else None."""
        key = report.champion.key
        if self.last_test is not None and self.last_test[0] == key:
            return self.last_test[1]
        if not (report.solved or test.every_champion):
            return None
        result = test.run(report.champion)
        self.test_episodes += result.episodes
        self.last_test = (key, result)
        return result

    def _check_fitness(self, fitness: np.ndarray) -> np.ndarray:
        fitness = np.asarray(fitness, dtype=np.float64)
        if fitness.shape != (len(self.pool),):
            raise FitnessError(
                f"expected one fitness value per genome, shape ({len(self.pool)},); got shape "
                f"{fitness.shape}")
        bad = np.flatnonzero(~np.isfinite(fitness))
        if len(bad):
            g = int(bad[0])
            raise FitnessError(
                f"fitness of genome {int(self.pool.genome_ids[g])} (position {g}) is "
                f"{fitness[g]}; every fitness must be a finite number ({len(bad)} bad values)")
        return fitness

    def _speciate(self) -> None:
        cfg = self.config.speciation
        self.species, self.species_index, self.next_species_key = speciate(
            self.pool, self.species, self.threshold, cfg, self.generation, self.next_species_key,
            self.representatives)
        self.threshold = update_threshold(self.threshold, len(self.species), cfg)

    def _report(self, fitness: np.ndarray, champion: Genome, champion_fitness: float,
                solved: np.ndarray | None, start: float) -> GenerationReport:
        shared_fitness(self.species, self.species_index, fitness)
        mean = float(fitness.mean())
        spread = fitness - mean  # np.std costs more than the rest of the report together
        rows = [SpeciesRow(s.key, len(s.members), self.generation - s.created,
                           s.fitness_history[-1], s.adjusted_fitness, s.stagnation(self.generation))
                for s in self.species]
        return GenerationReport(
            generation=self.generation,
            evaluations=self.evaluations,
            best_fitness=float(fitness.max()),
            mean_fitness=mean,
            std_fitness=math.sqrt(float(np.dot(spread, spread)) / len(fitness)),
            champion=champion,
            champion_fitness=champion_fitness,
            solved=bool(solved is not None and solved.any()),
            seconds=time.perf_counter() - start,
            species=rows,
            threshold=self.threshold,
        )

    def _reproduce(self, fitness: np.ndarray) -> None:
        size = self.config.population.size
        alive = surviving_species(self.species, self.species_index, fitness, self.generation,
                                  self.config.stagnation)
        if not alive:
            if not self.config.population.reset_on_extinction:
                raise TotalExtinctionError(
                    f"every species died at generation {self.generation}; set "
                    "population.reset_on_extinction = true to restart with a fresh population, or "
                    "raise stagnation.max_stagnation / set stagnation.protect_best = true")
            self.pool, tracker = initial_pool(self.config, self.n_inputs, self.n_outputs, self.rng,
                                              self.next_genome_key)
            self.tracker.counters[:] = np.maximum(self.tracker.counters, tracker.counters)
            self.next_genome_key += size
            self.species = []
            self.representatives = None
            return
        adjusted = np.array([self.species[k].adjusted_fitness for k in alive])
        quotas = offspring_quotas(adjusted, size)
        plan = plan_offspring(self.species_index, alive, quotas, fitness, self.config, self.rng)
        self.species = [self.species[k] for k in alive]
        self.representatives = choose_representatives(self.species, self.pool, self.rng, fitness,
                                                      self.config.speciation.representative)
        new_pool = breed(self.pool, plan, self.next_genome_key, self.config, self.tracker, self.rng)
        self.next_genome_key += int(np.count_nonzero(~plan.elite))
        self.pool = new_pool


def _reaches(goal: float) -> SolvedTest:
    """The solved test `fitness >= goal`."""
    def is_solved(packed: PackedNetworks, fitness: np.ndarray) -> np.ndarray:
        return fitness >= goal
    return is_solved
