"""Drive a Population generation by generation, recording everything in a run directory.

One generation: step (evaluate, tell, test the champion), write the champion, append the stats row,
checkpoint (every K generations and at the end), update status.json, report. The evaluation
function, the solved test, the champion test and what a champion file records of its episodes come
from the caller, so this module knows nothing of tasks.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from neat.checkpoint import checkpoint_name, prune_checkpoints, save_checkpoint
from neat.draws import draw_seed
from neat.network import PackedNetworks
from neat.population import ChampionTest, Evaluate, Population, Reporter
from neat.report import GenerationReport
from neat.rundir import RunDirectory
from neat.serialize import genome_to_dict

SolvedMask = Callable[[PackedNetworks, np.ndarray], np.ndarray]
ScoredEpisodes = Callable[[int, int], list[dict[str, Any]]]
"""(base seed of the generation, genome key) -> the episodes that genome was scored on, as
JSON-able records a replay plays again exactly."""


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
                 evaluate: Evaluate, is_solved: SolvedMask, test: ChampionTest | None,
                 scored_episodes: ScoredEpisodes,
                 reporters: list[Reporter] | None = None,
                 should_stop: Callable[[], bool] = lambda: False):
        self.population = population
        self.run_dir = run
        self.plan = plan
        self.evaluate = evaluate
        self.is_solved = is_solved
        self.test = test
        self.scored_episodes = scored_episodes
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
                    report, record = self._generation()
                    generation = outcome.generation = report.generation
                    self.run_dir.write_champion(generation, record)
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

    def _generation(self) -> tuple[GenerationReport, dict[str, Any]]:
        """Evaluate, breed and test one generation; returns its report and the champion record,
        which lists the episodes the champion was scored on and its test."""
        pop = self.population
        base_seed = draw_seed(pop.evaluation_rng())  # the draw every task's evaluate makes first
        report = pop.step(self.evaluate, self.is_solved, self.test)
        record = genome_to_dict(
            report.champion, generation=report.generation, fitness=report.champion_fitness,
            task=self.plan.task, input_labels=list(self.plan.input_labels),
            output_labels=list(self.plan.output_labels),
            episodes=self.scored_episodes(base_seed, report.champion.key),
            test=None if report.test is None else dataclasses.asdict(report.test))
        return report, record

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
