"""Does NEAT master the platformer, on levels it never trained on? `python bench/generalist.py
[--runs 5] [--seed 0] [--minutes 30] [--generations N] [--no-ablation] [--blind-generations 200]
[--set section.key=value ...]`.

Each run evolves the default platformer task (its presets, population 300) with seed `seed + i`
until its champion's test says solved (World 1's test variants all cleared and the held-out clear
rate at least task.solve_rate) or the time or generation budget ends; the final champion's test
is what counts. The ablation repeats each run with the speciation setting the preset leaves out:
a dynamic compatibility threshold that keeps about 10 species alive (ABLATION). The blind
controls play the same test levels: the battery of fitness.platformer.blind, and a NEAT run whose
networks see nothing (task.blind = true).

Prints one line per run and, last, a JSON line with runs, world1_cleared,
median_generations_world1, heldout_clear_rate, min_heldout_clear_rate,
heldout_clear_rate_by_difficulty, blind_best_clear_rate, blind_named_flags, species_mean,
seconds_per_generation, median_minutes_per_run, ablation_heldout_clear_rate, and
confirmation_clear_rate / confirmation_world1_cleared: the final champions on a second held-out set
(new generated levels and named variants) that neither training nor the stopping rule ever used.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass, field

import numpy as np

from fitness.platformer.blind import battery_array, flags
from fitness.platformer.episode import world_arrays
from fitness.platformer.level_sets import held_out_episodes
from fitness.platformer.levels import NAMED_LEVELS, named_level
from fitness.platformer.task import PlatformerTask, make_task
from fitness.registry import task_presets
from fitness.task import solved_mask
from neat.config import load_config
from neat.population import Population
from neat.report import TestResult
from neat.task import ChampionTest

BLIND_TRAINING_VARIANTS = 20  # named-level variants like training's, besides the test variants


ABLATION = "speciation.target_species=10"  # many species kept alive, against the preset's one or two
CONFIRMATION_FIRST = 1_000_000  # a second held-out set, used neither for training nor stopping


@dataclass
class RunResult:
    seed: int
    generations: int
    seconds: float
    test: TestResult
    world1_generation: int | None  # first generation whose champion cleared World 1's test
    confirmation: TestResult | None = None  # the final champion on the confirmation set
    species: list[int] = field(default_factory=list)
    generation_seconds: list[float] = field(default_factory=list)


def evolve(task: PlatformerTask, seed: int, overrides: list[str], minutes: float,
           generations: int, label: str) -> RunResult:
    """One run until its champion's test says solved, or the budget ends."""
    config = load_config(None, [f"run.seed={seed}", *overrides], presets=task_presets("platformer"))
    population = Population(config, task.spec.n_inputs, task.spec.n_outputs)
    test = ChampionTest(lambda genome: task.test(genome, population.recurrent),
                        task.spec.test_every_champion)
    result = RunResult(seed, 0, 0.0, TestResult(0.0, False, 0), None)
    start = time.perf_counter()
    while result.generations < generations and time.perf_counter() - start < minutes * 60:
        report = population.step(task.evaluate, lambda p, f: solved_mask(task, p, f), test)
        result.generations += 1
        result.species.append(len(report.species))
        result.generation_seconds.append(report.seconds)
        assert report.test is not None  # the platformer tests every new champion
        result.test = report.test
        if result.world1_generation is None and report.test.details["world1_cleared"]:
            result.world1_generation = report.generation
        if report.generation % 50 == 0:
            print(f"  {label} seed {seed} generation {report.generation}: best "
                  f"{report.best_fitness:.1f}, species {len(report.species)}, held-out "
                  f"{report.test.score:.3f}, World 1 {report.test.details['named_cleared']}",
                  flush=True)
        if report.solved:
            break
    result.seconds = time.perf_counter() - start
    o = task.options
    result.confirmation = task.test_on(report.champion, population.recurrent, held_out_episodes(
        o.levels, o.named_variants, o.heldout_levels, o.length, CONFIRMATION_FIRST))
    return result


def describe(result: RunResult, label: str) -> str:
    d = result.test.details
    confirmed = result.confirmation
    assert confirmed is not None
    return (f"{label} seed {result.seed}: {result.generations} generations, "
            f"{result.seconds / 60:.1f} min; held-out {result.test.score:.3f} "
            f"{d['heldout_by_difficulty']}; World 1 {d['named_cleared']} (cleared at generation "
            f"{result.world1_generation}); species mean {statistics.fmean(result.species):.1f}; "
            f"confirmation set {confirmed.score:.3f}, World 1 "
            f"{confirmed.details['named_cleared']}")


def blind_controls(task: PlatformerTask, seed: int, generations: int) -> tuple[float, int]:
    """(best clear rate of a blind policy on the held-out levels, flags blind policies reach on
    the named levels): the battery, then a NEAT run that sees nothing."""
    episodes = task.test_episodes()
    named = [task.world(e) for e in episodes if e.kind in NAMED_LEVELS]
    named += [world_arrays(named_level(name, variant), task.options.grid)
              for name in NAMED_LEVELS for variant in range(BLIND_TRAINING_VARIANTS)]
    heldout = [task.world(e) for e in episodes if e.kind not in NAMED_LEVELS]
    patterns = battery_array(task.options.max_frames)
    named_flags = sum(int(flags(patterns, w, task.params, task.settings).sum()) for w in named)
    cleared = sum(flags(patterns, w, task.params, task.settings).astype(int) for w in heldout)
    best_battery = float(np.max(cleared)) / len(heldout)
    print(f"blind battery: {len(patterns)} patterns, {named_flags} flags on {len(named)} named "
          f"level variants, best held-out clear rate {best_battery:.3f}", flush=True)
    blind_task = make_task({"blind": True})
    result = evolve(blind_task, seed, [], float("inf"), generations, "blind NEAT")
    neat_flags = sum(result.test.details["named_cleared"].values())
    print(describe(result, "blind NEAT"), flush=True)
    return max(best_battery, result.test.score), named_flags + neat_flags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="run i uses seed + i")
    parser.add_argument("--minutes", type=float, default=30.0, help="time budget per run")
    parser.add_argument("--generations", type=int, default=10**6, help="generation cap per run")
    parser.add_argument("--no-ablation", action="store_true", help="skip the ablation runs")
    parser.add_argument("--blind-generations", type=int, default=200,
                        help="generations of the blind NEAT control (0 skips the blind controls)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    args = parser.parse_args()
    task = make_task({key[5:].split("=")[0]: json.loads(key.split("=", 1)[1])
                      for key in args.set if key.startswith("task.")})
    overrides = [s for s in args.set if not s.startswith("task.")]
    results = []
    for i in range(args.runs):
        results.append(evolve(task, args.seed + i, overrides, args.minutes, args.generations,
                              "run"))
        print(describe(results[-1], "run"), flush=True)
    ablation = []
    if not args.no_ablation:
        for i in range(args.runs):
            ablation.append(evolve(task, args.seed + i, [*overrides, ABLATION], args.minutes,
                                   args.generations, "ablation"))
            print(describe(ablation[-1], "ablation"), flush=True)
    blind_rate, blind_flags = (blind_controls(task, args.seed, args.blind_generations)
                               if args.blind_generations else (float("nan"), -1))
    rates = [r.test.score for r in results]
    world1 = [r.world1_generation for r in results if r.world1_generation is not None]
    by_difficulty = {d: statistics.fmean(r.test.details["heldout_by_difficulty"][d]
                                         for r in results)
                     for d in results[0].test.details["heldout_by_difficulty"]}
    figures = {
        "runs": args.runs,
        "world1_cleared": sum(r.test.details["world1_cleared"] for r in results),
        "median_generations_world1": statistics.median(world1) if world1 else None,
        "heldout_clear_rate": statistics.fmean(rates),
        "min_heldout_clear_rate": min(rates),
        "heldout_clear_rate_by_difficulty": by_difficulty,
        "blind_best_clear_rate": blind_rate,
        "blind_named_flags": blind_flags,
        "species_mean": statistics.fmean(s for r in results for s in r.species),
        "seconds_per_generation": statistics.median(
            s for r in results for s in r.generation_seconds),
        "median_minutes_per_run": statistics.median(r.seconds / 60 for r in results),
        "ablation_heldout_clear_rate": (statistics.fmean(r.test.score for r in ablation)
                                        if ablation else None),
        "confirmation_clear_rate": statistics.fmean(r.confirmation.score for r in results),
        "confirmation_world1_cleared": sum(r.confirmation.details["world1_cleared"]
                                           for r in results),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
