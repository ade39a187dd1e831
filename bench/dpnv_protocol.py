"""Double pole balancing without velocities under two protocols: `python bench/dpnv_protocol.py
[--runs N] [--seed S] [--generations G] [--protocol both|paper|lenient] [--champion best|species]
[--set section.key=value ...] [--log]`.

- **paper** (Stanley & Miikkulainen 2002, section 4.2, after Gruau et al. 1996): every network's
  fitness is Gruau's damping fitness F over a 1,000-step trial from the standard start. Only each
  generation's champion (highest F; the first of equals) is then tried for 100,000 steps and, if it
  balances them, on the 625-start generalisation test; the run is solved when that champion
  balances 100,000 steps and generalises to >= 200 starts. Evaluations count every network that took
  the damping trial (whole generations, the solving one included); the champion's tests are counted
  apart (`long_tests`, `generalisation_tests`).
  `--champion species` tests instead the champion that Stanley's NEAT C++ code tests (the best
  species not yet tested since its best F last rose; see SpeciesRotation): still one network a
  generation, but not always the highest F.
- **lenient** (the `double-pole-novel` task's own fitness): every network that balances the
  1,000-step trial is tried for 100,000 steps and, if it balances them, scores 100 + its
  generalisation; solved at 300.

Runs use the task's presets (population 1,000) plus the given overrides, seeds S, S+1, ... Means
and medians are over the solved runs. Prints one line per run and protocol, then, last, one JSON
line: task runs solved mean_evaluations median_evaluations mean_generations mean_generalisation
min_generalisation mean_long_tests mean_generalisation_tests (paper protocol) and solved_lenient
mean_evaluations_lenient median_evaluations_lenient mean_generations_lenient
mean_generalisation_lenient min_generalisation_lenient. `--log` prints each generation's champion
under the paper protocol.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from fitness.double_pole import (
    DAMPING_STEPS,
    JIGGLE_WINDOW,
    LONG_RUN_STEPS,
    START_STATE,
    balance,
    count_generalised,
    damping_fitness,
    make_novel_task,
)
from fitness.parallel import for_each_chunk
from neat.config import load_config
from neat.network import PackedNetworks, pack_population
from neat.population import Population

MIN_GENERALISATION = 200


@njit(cache=True, nogil=True)
def damping_range(first, last, net, recurrent, fitness, buffers):
    """Gruau's damping fitness F of networks first..last-1 into `fitness` (G,)."""
    jiggle = np.zeros(JIGGLE_WINDOW)
    for g in range(first, last):
        steps = balance(net, g, recurrent, False, START_STATE, DAMPING_STEPS, buffers, jiggle)
        fitness[g] = damping_fitness(steps, jiggle)


def damping_fitnesses(packed: PackedNetworks) -> np.ndarray:
    """F of every network of `packed`, shape (G,)."""
    fitness = np.empty(len(packed))
    net, buffers = packed.arrays, (packed.new_values(), packed.new_values())
    for_each_chunk(lambda first, last: damping_range(first, last, net, packed.recurrent, fitness,
                                                     buffers), len(packed))
    return fitness


def champion_tests(packed: PackedNetworks, g: int) -> tuple[bool, int]:
    """(balances 100,000 steps from the standard start, generalisation score or -1 if not tried)."""
    net, buffers = packed.arrays, (packed.new_values(), packed.new_values())
    jiggle = np.zeros(JIGGLE_WINDOW)
    if balance(net, g, packed.recurrent, False, START_STATE, LONG_RUN_STEPS, buffers,
               jiggle) < LONG_RUN_STEPS:
        return False, -1
    return True, int(count_generalised(net, g, packed.recurrent, buffers))


@dataclass
class RunResult:
    solved: bool
    generations: int
    evaluations: int
    long_tests: int
    generalisation_tests: int
    generalisation: int  # score of the solving network, -1 when unsolved
    hidden: int
    links: int
    seconds: float


class SpeciesRotation:
    """The champion choice of Stanley's NEAT C++ code (experiments.cpp, pole2_epoch): species are
    ranked by their best F; a species is "checked" once its champion was tested and unchecked again
    when its best F beats every earlier generation's; the champion of the best unchecked species is
    tested (of the best species when all are checked)."""

    def __init__(self) -> None:
        self.checked: dict[int, bool] = {}
        self.best_ever: dict[int, float] = {}

    def choose(self, species_keys: np.ndarray, fitness: np.ndarray) -> int:
        """Position of the genome to test; `species_keys` (G,) holds each genome's species key."""
        keys = np.unique(species_keys)
        best = {int(k): int(np.flatnonzero(species_keys == k)[np.argmax(fitness[species_keys == k])])
                for k in keys}
        ranked = sorted(best, key=lambda k: -fitness[best[k]])
        for k in ranked:
            if fitness[best[k]] > self.best_ever.get(k, 0.0):
                self.checked[k] = False
        chosen = next((k for k in ranked if not self.checked.get(k, False)), ranked[0])
        self.checked[chosen] = True
        for k in ranked:
            self.best_ever[k] = max(self.best_ever.get(k, 0.0), float(fitness[best[k]]))
        return best[chosen]


def run_paper(config, generations: int, champion_rule: str, log: bool) -> RunResult:
    """One run under the paper's protocol (module docstring); `champion_rule` "best" tests the
    highest F, "species" the C++ code's choice (SpeciesRotation)."""
    population = Population(config, 3, 1)
    rotation = SpeciesRotation()
    start = time.perf_counter()
    long_tests = generalisation_tests = 0
    for _ in range(generations):
        pool = population.ask()
        packed = pack_population(pool, population.recurrent)
        fitness = damping_fitnesses(packed)
        report = population.tell(fitness)
        if champion_rule == "best":
            champion = int(np.argmax(fitness))
        else:
            keys = np.array([row.id for row in report.species])[population.species_index]
            champion = rotation.choose(keys, fitness)
        long_tests += 1
        passed, score = champion_tests(packed, champion)
        generalisation_tests += passed
        genome = pool.genome(champion)
        if log:
            print(f"  gen {report.generation:3d} best F {fitness.max():9.4f} mean "
                  f"{fitness.mean():7.4f} species {len(report.species):3d}; tested F "
                  f"{fitness[champion]:9.4f} {genome.n_hidden} hidden {genome.n_enabled} links: "
                  f"{'100k ok' if passed else '100k failed'}"
                  + (f", generalisation {score}" if passed else ""), flush=True)
        if passed and score >= MIN_GENERALISATION:
            return RunResult(True, population.generation, population.evaluations, long_tests,
                             generalisation_tests, score, genome.n_hidden, genome.n_enabled,
                             time.perf_counter() - start)
    return RunResult(False, population.generation, population.evaluations, long_tests,
                     generalisation_tests, -1, 0, 0, time.perf_counter() - start)


def run_lenient(config, generations: int) -> RunResult:
    """One run with the task's own per-network tests (module docstring)."""
    task = make_novel_task({})
    population = Population(config, 3, 1)
    start = time.perf_counter()
    for _ in range(generations):
        packed = pack_population(population.ask(), population.recurrent)
        fitness = task.evaluate(packed, population.evaluation_rng())
        solved = fitness >= task.spec.solved_at
        report = population.tell(fitness, solved=solved)
        if report.solved:
            genome = report.champion
            return RunResult(True, population.generation, population.evaluations, 0, 0,
                             round(float(fitness[solved].max())) - 100, genome.n_hidden,
                             genome.n_enabled, time.perf_counter() - start)
    return RunResult(False, population.generation, population.evaluations, 0, 0, -1, 0, 0,
                     time.perf_counter() - start)


def summarise(results: list[RunResult], suffix: str) -> dict:
    won = [r for r in results if r.solved]
    evaluations = [r.evaluations for r in won] or [float("nan")]
    scores = [r.generalisation for r in won] or [float("nan")]
    out = {
        f"solved{suffix}": len(won),
        f"mean_evaluations{suffix}": statistics.fmean(evaluations),
        f"median_evaluations{suffix}": statistics.median(evaluations),
        f"mean_generations{suffix}": statistics.fmean([r.generations for r in won] or [np.nan]),
        f"mean_generalisation{suffix}": statistics.fmean(scores),
        f"min_generalisation{suffix}": min(scores),
    }
    if not suffix:
        out["mean_long_tests"] = statistics.fmean([r.long_tests for r in results])
        out["mean_generalisation_tests"] = statistics.fmean(
            [r.generalisation_tests for r in results])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0, help="run i uses seed + i")
    parser.add_argument("--generations", type=int, default=300, help="limit per run")
    parser.add_argument("--protocol", choices=("both", "paper", "lenient"), default="both")
    parser.add_argument("--champion", choices=("best", "species"), default="best",
                        help="paper protocol: test the highest F (default) or the C++ code's pick")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    parser.add_argument("--log", action="store_true", help="print every generation's champion")
    args = parser.parse_args()
    presets = make_novel_task({}).spec.presets
    protocols = ("paper", "lenient") if args.protocol == "both" else (args.protocol,)
    results: dict[str, list[RunResult]] = {p: [] for p in protocols}
    for i in range(args.runs):
        config = load_config(None, [f"run.seed={args.seed + i}", *args.set], presets=presets)
        for protocol in protocols:
            if protocol == "paper":
                result = run_paper(config, args.generations, args.champion, args.log)
            else:
                result = run_lenient(config, args.generations)
            results[protocol].append(result)
            print(f"{protocol:7s} run {i:2d} seed {args.seed + i}: "
                  f"{'solved' if result.solved else 'NOT solved'} after {result.generations} "
                  f"generations, {result.evaluations} evaluations"
                  + (f", {result.long_tests} long tests, {result.generalisation_tests} "
                     "generalisation tests" if protocol == "paper" else "")
                  + (f"; generalisation {result.generalisation}/625, {result.hidden} hidden, "
                     f"{result.links} links" if result.solved else "")
                  + f" ({result.seconds:.1f} s)", flush=True)
    figures: dict = {"task": "double-pole-novel", "runs": args.runs}
    if "paper" in results:
        figures.update(summarise(results["paper"], ""))
    if "lenient" in results:
        figures.update(summarise(results["lenient"], "_lenient"))
    if args.set:
        figures["overrides"] = args.set
    if args.champion != "best":
        figures["champion"] = args.champion
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
