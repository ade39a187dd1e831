"""Drive a Population generation by generation, recording everything in a run directory.

One generation: step (evaluate, tell, test the champion), write the champion (with the episodes it
was scored on and its test), append the stats row, checkpoint (when due: at most every
`checkpoint_seconds` and/or every `checkpoint_every` generations, and always at the end and on a
stop), update status.json (at most once a second while running), report. A champion that is the
same genome as the previous generation's is stored as a reference to the file holding its genome.
How generations are scored comes from the caller (`Scoring`), so this module knows nothing of
tasks.

Before the first generation is written the runner touches no file of a resumed run: `prepare` (a
resume's clean-up) runs only once that generation has been evaluated. A run that fails is marked
'failed' in status.json with the error as its reason.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from neat.app.checkpoint import save_checkpoint
from neat.app.rundir import RunDirectory, State, append_stats_row, checkpoint_name
from neat.draws import draw_seed
from neat.errors import NeatError
from neat.genome import Genome
from neat.network import PackedNetworks
from neat.population import Evaluate, Population, Reporter
from neat.report import GenerationReport
from neat.serialize import genome_to_dict
from neat.task import ChampionTest

SolvedMask = Callable[[PackedNetworks, np.ndarray], np.ndarray]
ScoredEpisodes = Callable[[int, int], list[dict[str, Any]]]
"""(base seed of the generation, genome key) -> the episodes that genome was scored on, as
JSON-able records a replay plays again exactly."""
STATUS_SECONDS = 1.0  # status.json ("running", generation) is rewritten at most this often


@dataclass(frozen=True)
class RunPlan:
    """What to run and how to record it."""

    task: str
    generations: int  # total generations of the run (the loop stops when this many are done)
    input_labels: tuple[str, ...]
    output_labels: tuple[str, ...]
    stop_when_solved: bool = True
    checkpoint_every: int | None = None  # generations between checkpoints (None: by time only)
    checkpoint_seconds: float | None = 30.0  # at most this often (None: by generations only)
    keep_checkpoints: int = 5
    run_id: str | None = None  # the run's identity, stored in every checkpoint


@dataclass(frozen=True)
class Scoring:
    """How a run scores its generations: the evaluation, which genomes pass training, how
    champions are tested, and what a champion file records of the episodes it was scored on."""

    evaluate: Evaluate
    is_solved: SolvedMask
    test: ChampionTest | None
    scored_episodes: ScoredEpisodes


@dataclass
class RunOutcome:
    """How a run ended: 'generations', 'solved' or 'stopped' (a stop was requested)."""

    reason: str
    generation: int  # last completed generation (-1 when none ran)
    checkpoint: Path | None = None  # the last checkpoint written
    seconds: float = 0.0  # wall clock of this session


class Runner:
    """Evolves `population` as `scoring` says until the plan's generation count, a solution, or a stop
    request (`should_stop()` is checked after each generation, so a generation always completes).
    `previous_champion` is (genome, generation whose file holds it) of the generation before the
    first one run here, when known (a resume)."""

    def __init__(self, population: Population, run: RunDirectory, plan: RunPlan,
                 scoring: Scoring, reporters: list[Reporter] | None = None,
                 should_stop: Callable[[], bool] = lambda: False,
                 prepare: Callable[[], None] | None = None,
                 previous_champion: tuple[Genome, int] | None = None):
        self.population = population
        self.run_dir = run
        self.plan = plan
        self.scoring = scoring
        self.reporters = reporters or []
        self.should_stop = should_stop
        self.prepare = prepare
        self.previous_champion = previous_champion

    def run(self) -> RunOutcome:
        """Run generations; on an exception the status becomes 'failed' with the error as its
        reason (for a resume, once its clean-up has run) and the exception propagates (the last
        checkpoint stays intact)."""
        pop = self.population
        outcome = RunOutcome("generations", pop.state.generation - 1)
        start = last_checkpoint = time.perf_counter()
        last_status = -math.inf
        started = False
        try:
            with contextlib.ExitStack() as files:
                while pop.state.generation < self.plan.generations:
                    report, record = self._generation()
                    if not started:
                        if self.prepare is not None:
                            self.prepare()
                        stats = files.enter_context(self.run_dir.open_stats())
                        started = True
                    generation = outcome.generation = report.generation
                    self._write_champion(report.champion, generation, record)
                    append_stats_row(stats, report.to_stats())
                    if report.solved and self.plan.stop_when_solved:
                        outcome.reason = "solved"
                    elif self.should_stop():
                        outcome.reason = "stopped"
                    last = (outcome.reason != "generations"
                            or pop.state.generation >= self.plan.generations)
                    if last or self._checkpoint_due(generation, last_checkpoint):
                        os.fsync(stats.fileno())
                        outcome.checkpoint = self._checkpoint(generation)
                        last_checkpoint = time.perf_counter()
                    if time.perf_counter() - last_status >= STATUS_SECONDS:
                        self.run_dir.write_status("running", generation)
                        last_status = time.perf_counter()
                    for reporter in self.reporters:
                        reporter(report)
                    if last:
                        break
        except KeyboardInterrupt:
            if started:
                _try_status(self.run_dir, "stopped", outcome.generation)
            raise
        except BaseException as error:
            if started or self.prepare is None:
                _try_status(self.run_dir, "failed", outcome.generation, failure_reason(error))
            raise
        outcome.seconds = time.perf_counter() - start
        state: State = "stopped" if outcome.reason == "stopped" else "finished"
        self.run_dir.write_status(state, outcome.generation)
        return outcome

    def _generation(self) -> tuple[GenerationReport, dict[str, Any]]:
        """Evaluate, breed and test one generation; returns its report and the champion record,
        which lists the episodes the champion was scored on and its test."""
        pop, scoring = self.population, self.scoring
        base_seed = draw_seed(pop.evaluation_rng())  # the draw every task's evaluate makes first
        report = pop.step(scoring.evaluate, scoring.is_solved, scoring.test)
        record = genome_to_dict(
            report.champion, generation=report.generation, fitness=report.champion_fitness,
            task=self.plan.task, input_labels=list(self.plan.input_labels),
            output_labels=list(self.plan.output_labels),
            episodes=scoring.scored_episodes(base_seed, report.champion.key),
            test=None if report.test is None else dataclasses.asdict(report.test))
        return report, record

    def _write_champion(self, champion: Genome, generation: int, record: dict[str, Any]) -> None:
        """The champion file: a reference when the genome is the previous generation's."""
        previous = self.previous_champion
        genome_of = None
        if previous is not None and previous[0].key == champion.key and previous[0].equals(champion):
            genome_of = previous[1]
        self.run_dir.write_champion(generation, record, genome_of=genome_of)
        if genome_of is None:
            self.previous_champion = (champion, generation)

    def _checkpoint_due(self, generation: int, last_checkpoint: float) -> bool:
        every, seconds = self.plan.checkpoint_every, self.plan.checkpoint_seconds
        return bool((every and (generation + 1) % every == 0)
                    or (seconds is not None and time.perf_counter() - last_checkpoint >= seconds))

    def _checkpoint(self, generation: int) -> Path:
        path = self.run_dir.checkpoints / checkpoint_name(generation)
        save_checkpoint(path, self.population, self.plan.task, self.plan.run_id)
        self.run_dir.prune_checkpoints(self.plan.keep_checkpoints)
        return path


def _try_status(run: RunDirectory, state: State, generation: int, reason: str | None = None) -> None:
    """Record `state`, ignoring a disk that refuses (the original error matters more)."""
    with contextlib.suppress(OSError):
        run.write_status(state, generation, reason)


def failure_reason(error: BaseException) -> str:
    """The reason recorded for a run that failed with `error`: the project's own message, or the
    exception's type and message for anything else."""
    if isinstance(error, NeatError):
        return str(error)
    return f"{type(error).__name__}: {error}"
