"""Drive a Population generation by generation, recording everything in a run directory.

One generation: evaluate, tell, write the champion, append the stats row, checkpoint (every K
generations and at the end), update status.json, report. The evaluation function and the solved test
come from the caller, so this module knows nothing of tasks.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neat.checkpoint import checkpoint_name, prune_checkpoints, save_checkpoint
from neat.network import PackedNetworks, pack_population
from neat.population import Evaluate, Population, Reporter
from neat.report import GenerationReport
from neat.rundir import RunDirectory
from neat.serialize import genome_to_dict

SolvedMask = Callable[[PackedNetworks, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class RunPlan:
    """What to run and how to record it."""

    task: str
    generations: int  # total generations of the run (the loop stops when this many are done)
    input_labels: tuple[str, ...]
    output_labels: tuple[str, ...]
    stop_when_solved: bool = True
    checkpoint_every: int = 1
    keep_checkpoints: int = 5


@dataclass
class RunOutcome:
    """How a run ended: 'generations', 'solved' or 'stopped' (a stop was requested)."""

    reason: str
    generation: int  # last completed generation (-1 when none ran)
    checkpoint: Path | None = None  # the last checkpoint written
    seconds: float = 0.0  # wall clock of this session


class Runner:
    """Evolves `population` with `evaluate` until the plan's generation count, a solution, or a stop
    request (`should_stop()` is checked after each generation, so a generation always completes)."""

    def __init__(self, population: Population, run: RunDirectory, plan: RunPlan,
                 evaluate: Evaluate, is_solved: SolvedMask,
                 reporters: list[Reporter] | None = None,
                 should_stop: Callable[[], bool] = lambda: False):
        self.population = population
        self.run_dir = run
        self.plan = plan
        self.evaluate = evaluate
        self.is_solved = is_solved
        self.reporters = reporters or []
        self.should_stop = should_stop

    def run(self) -> RunOutcome:
        """Run generations; on an exception the status becomes 'failed' and the exception propagates
        (the last checkpoint written stays intact)."""
        pop = self.population
        outcome = RunOutcome("generations", pop.generation - 1)
        start = time.perf_counter()
        try:
            with self.run_dir.open_stats() as stats:
                while pop.generation < self.plan.generations:
                    report, champion_fitness = self._generation()
                    generation = outcome.generation = report.generation
                    self.run_dir.write_champion(generation, genome_to_dict(
                        report.champion, generation=generation, fitness=champion_fitness,
                        task=self.plan.task, input_labels=list(self.plan.input_labels),
                        output_labels=list(self.plan.output_labels)))
                    stats.write(_json_line(report))
                    stats.flush()
                    if report.solved and self.plan.stop_when_solved:
                        outcome.reason = "solved"
                    elif self.should_stop():
                        outcome.reason = "stopped"
                    last = outcome.reason != "generations" or pop.generation >= self.plan.generations
                    if last or (generation + 1) % self.plan.checkpoint_every == 0:
                        outcome.checkpoint = self._checkpoint(generation)
                    self.run_dir.write_status("running", generation)
                    for reporter in self.reporters:
                        reporter(report)
                    if last:
                        break
        except KeyboardInterrupt:
            _try_status(self.run_dir, "stopped", outcome.generation)
            raise
        except BaseException:
            _try_status(self.run_dir, "failed", outcome.generation)
            raise
        outcome.seconds = time.perf_counter() - start
        state = "stopped" if outcome.reason == "stopped" else "finished"
        self.run_dir.write_status(state, outcome.generation)
        return outcome

    def _generation(self) -> tuple[GenerationReport, float]:
        """Evaluate and breed one generation; returns its report and the champion's fitness."""
        pop = self.population
        start = time.perf_counter()
        pool = pop.ask()
        packed = pack_population(pool, pop.recurrent)
        fitness = np.asarray(self.evaluate(packed, pop.evaluation_rng()), dtype=np.float64)
        solved = np.asarray(self.is_solved(packed, fitness), dtype=bool)
        eval_seconds = time.perf_counter() - start
        report = pop.tell(fitness, solved)
        report.seconds += eval_seconds
        row = int(np.flatnonzero(pool.genome_ids == report.champion.key)[0])
        return report, float(fitness[row])

    def _checkpoint(self, generation: int) -> Path:
        path = self.run_dir.checkpoints / checkpoint_name(generation)
        save_checkpoint(path, self.population, self.plan.task)
        prune_checkpoints(self.run_dir.checkpoints, self.plan.keep_checkpoints)
        return path


def _json_line(report: GenerationReport) -> str:
    return json.dumps(report.to_stats(), separators=(",", ":")) + "\n"


def _try_status(run: RunDirectory, state: str, generation: int) -> None:
    """Record `state`, ignoring a disk that refuses (the original error matters more)."""
    with contextlib.suppress(OSError):
        run.write_status(state, generation)
