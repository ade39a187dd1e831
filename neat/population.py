"""The evolution loop. One generation reads: evaluate, speciate, adjust, select, reproduce, report,
then test the champion on held-out episodes when a test is given.

Use `run(evaluate, ...)` or `step(evaluate, ...)`, or drive evaluation yourself with `ask()` /
`tell(fitness)`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

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
    """Everything a Population is between generations, and exactly what a checkpoint stores.

    After `tell()`, `pool` is generation `generation`, not yet evaluated, and `representatives`
    holds the member of the previous generation each species' next speciation compares with.
    """

    n_inputs: int
    n_outputs: int
    generation: int
    evaluations: int
    pool: GenomePool
    tracker: InnovationTracker  # run-wide counters (the per-generation tables are cleared by breeding)
    species: list[Species]
    next_species_key: int
    next_genome_key: int
    threshold: float
    best_genome: Genome | None
    best_fitness: float
    rng: np.random.Generator  # every run-wide draw: first generation, breeding, representatives
    test_episodes: int = 0  # test episodes played so far
    last_test: tuple[int, TestResult] | None = None  # (genome key, result) of the newest test
    representatives: GenomePool | None = None
    """The species' representatives as one pool, in species order, as reproduction chose them;
    None until then and after a load (each `Species.representative` then holds its own)."""

    def representative_genomes(self) -> list[Genome]:
        """Each species' representative (views into `representatives` when it is set)."""
        if self.representatives is None:
            return [s.representative for s in self.species]
        return [self.representatives.genome(k, copy=False) for k in range(len(self.species))]

    @classmethod
    def initial(cls, config: Config, n_inputs: int, n_outputs: int) -> PopulationState:
        """Generation 0 of a run: a random first pool drawn from `config.run.seed`."""
        rng = np.random.default_rng(config.run.seed)
        pool, tracker = initial_pool(config, n_inputs, n_outputs, rng)
        return cls(n_inputs, n_outputs, generation=0, evaluations=0, pool=pool, tracker=tracker,
                   species=[], next_species_key=0, next_genome_key=len(pool),
                   threshold=config.speciation.threshold, best_genome=None, best_fitness=-np.inf,
                   rng=rng)


class Population:
    """A NEAT population: its `state` (the genomes and everything needed to breed the next ones)
    and the `config` that says how."""

    def __init__(self, config: Config, n_inputs: int, n_outputs: int):
        if n_inputs < 1 or n_outputs < 1:
            raise ConfigError(f"a network needs at least one input and one output "
                              f"(got {n_inputs} inputs, {n_outputs} outputs)")
        self.config = config
        self.state = PopulationState.initial(config, n_inputs, n_outputs)

    @classmethod
    def from_state(cls, config: Config, state: PopulationState) -> Population:
        """A Population that continues exactly where the one that produced `state` was (the
        state is used as it is, not copied)."""
        population = cls.__new__(cls)
        population.config = config
        population.state = state
        return population

    @property
    def recurrent(self) -> bool:
        return not self.config.genome.feed_forward

    def ask(self) -> GenomePool:
        """The genomes of the current generation, to be evaluated."""
        return self.state.pool

    def evaluation_rng(self) -> np.random.Generator:
        """The Generator a task uses for this generation's episodes: fixed by (seed, generation)."""
        return np.random.default_rng([self.config.run.seed, self.state.generation])

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
        s = self.state
        fitness = self._check_fitness(fitness)
        s.evaluations += len(fitness)
        best_row = int(np.argmax(fitness))
        passed = False
        if solved is not None and solved.any():
            passed = True
            best_row = int(np.flatnonzero(solved)[np.argmax(fitness[solved])])
        species_index = self._speciate()
        record_fitness(s.species, species_index, fitness, s.generation)
        adjusted = shared_fitness(s.species, species_index, fitness)
        champion_row = best_row
        if choose == "species" and not passed:
            champion_row = species_champion(s.species, fitness, s.generation)
        champion = s.pool.genome(champion_row)
        if fitness[best_row] > s.best_fitness:
            s.best_fitness = float(fitness[best_row])
            s.best_genome = champion if champion_row == best_row else s.pool.genome(best_row)
        report = self._report(fitness, champion, float(fitness[champion_row]), solved)
        self._reproduce(fitness, species_index, adjusted)
        s.generation += 1
        report.seconds = time.perf_counter() - start
        return report

    def step(self, evaluate: Evaluate, is_solved: SolvedTest | None = None,
             test: ChampionTest | None = None) -> GenerationReport:
        """Evaluate the current generation with `evaluate`, breed the next one, and test the
        champion with `test` (see ChampionTest: its `choose` picks the report's champion, the
        genome tested). `is_solved(packed, fitness)` marks the genomes that pass training; without
        a test, a generation is solved when any does."""
        start = time.perf_counter()
        packed = pack_population(self.state.pool, self.recurrent)
        fitness = np.asarray(evaluate(packed, self.evaluation_rng()), dtype=np.float64)
        passed = None if is_solved is None else np.asarray(is_solved(packed, fitness), dtype=bool)
        report = self.tell(fitness, passed, "best" if test is None else test.choose)
        if test is not None:
            report.test = self._test(report, test)
            report.solved = report.test is not None and report.test.solved
            report.test_episodes = self.state.test_episodes
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
        assert self.state.best_genome is not None
        return self.state.best_genome

    def _test(self, report: GenerationReport, test: ChampionTest) -> TestResult | None:
        """The champion's test result: reused when this genome was tested before, run when it
        passed training (or for every champion), else None."""
        s = self.state
        key = report.champion.key
        if s.last_test is not None and s.last_test[0] == key:
            return s.last_test[1]
        if not (report.solved or test.every_champion):
            return None
        result = test.run(report.champion)
        s.test_episodes += result.episodes
        s.last_test = (key, result)
        return result

    def _check_fitness(self, fitness: np.ndarray) -> np.ndarray:
        fitness = np.asarray(fitness, dtype=np.float64)
        pool = self.state.pool
        if fitness.shape != (len(pool),):
            raise FitnessError(
                f"expected one fitness value per genome, shape ({len(pool)},); got shape "
                f"{fitness.shape}")
        bad = np.flatnonzero(~np.isfinite(fitness))
        if len(bad):
            g = int(bad[0])
            raise FitnessError(
                f"fitness of genome {int(pool.genome_ids[g])} (position {g}) is "
                f"{fitness[g]}; every fitness must be a finite number ({len(bad)} bad values)")
        return fitness

    def _speciate(self) -> np.ndarray:
        """Assign the pool to species; returns each genome's species position (G,)."""
        s, cfg = self.state, self.config.speciation
        s.species, species_index, s.next_species_key = speciate(
            s.pool, s.species, s.threshold, cfg, s.generation, s.next_species_key,
            s.representatives)
        s.threshold = update_threshold(s.threshold, len(s.species), cfg)
        return species_index

    def _report(self, fitness: np.ndarray, champion: Genome, champion_fitness: float,
                solved: np.ndarray | None) -> GenerationReport:
        s = self.state
        mean = float(fitness.mean())
        spread = fitness - mean  # np.std costs more than the rest of the report together
        rows = [SpeciesRow(sp.key, len(sp.members), s.generation - sp.created,
                           sp.fitness_history[-1], sp.adjusted_fitness,
                           sp.stagnation(s.generation))
                for sp in s.species]
        return GenerationReport(
            generation=s.generation,
            evaluations=s.evaluations,
            best_fitness=float(fitness.max()),
            mean_fitness=mean,
            std_fitness=math.sqrt(float(np.dot(spread, spread)) / len(fitness)),
            champion=champion,
            champion_fitness=champion_fitness,
            solved=bool(solved is not None and solved.any()),
            seconds=0.0,  # tell() sets it once the next generation is bred
            species=rows,
            threshold=s.threshold,
        )

    def _reproduce(self, fitness: np.ndarray, species_index: np.ndarray,
                   adjusted: np.ndarray) -> None:
        """Breed the next pool from the surviving species; `adjusted` (n_species,) is their
        shared fitness."""
        s, size = self.state, self.config.population.size
        alive = surviving_species(s.species, species_index, fitness, s.generation,
                                  self.config.stagnation)
        if not alive:
            if not self.config.population.reset_on_extinction:
                raise TotalExtinctionError(
                    f"every species died at generation {s.generation}; set "
                    "population.reset_on_extinction = true to restart with a fresh population, or "
                    "raise stagnation.max_stagnation / set stagnation.protect_best = true")
            s.pool, tracker = initial_pool(self.config, s.n_inputs, s.n_outputs, s.rng,
                                           s.next_genome_key)
            s.tracker.counters[:] = np.maximum(s.tracker.counters, tracker.counters)
            s.next_genome_key += size
            s.species = []
            s.representatives = None
            return
        quotas = offspring_quotas(adjusted[alive], size)
        plan = plan_offspring(species_index, alive, quotas, fitness, self.config, s.rng)
        s.species = [s.species[k] for k in alive]
        s.representatives = choose_representatives(
            s.species, s.pool, s.rng, fitness, self.config.speciation.representative)
        new_pool = breed(s.pool, plan, s.next_genome_key, self.config, s.tracker, s.rng)
        s.next_genome_key += int(np.count_nonzero(~plan.elite))
        s.pool = new_pool


def _reaches(goal: float) -> SolvedTest:
    """The solved test `fitness >= goal`."""
    def is_solved(packed: PackedNetworks, fitness: np.ndarray) -> np.ndarray:
        return fitness >= goal
    return is_solved
