"""Search quality on a task, judged by its test: `python bench/solve.py TASK [--runs N] [--pop P]
[--generations G] [--seed S] [--set section.key=value ...] [--champion best|species]
[--no-lenient]`.

Each run evolves from the task's presets (see `neat tasks`) plus the given overrides until its
champion passes the task's test (held-out episodes: what "solved" means, see the task's
test_protocol) or the generation limit is reached. Evaluations count the genomes evaluated in
training (whole generations, the solving one included); test episodes are counted apart. For
double-pole-novel the runs are made under both protocols: the paper's (task.protocol = "paper",
the default: only each generation's champion is tested; `--champion` sets task.champion, which
network that is) and the lenient one (every network that balances the damping trial is tested
during evaluation; `--no-lenient` skips it).

Prints one line per run, a summary, and, last, a JSON line with task runs champion (the champion
choice the runs used: "best", the fittest genome, or "species", see neat.population.ChampionTest)
solved test_solved mean_evaluations median_evaluations median_generations min_test_score
mean_test_episodes; for
double-pole-novel also mean_generalisation min_generalisation (test score of the solving champion,
of 625) and, unless --no-lenient, solved_lenient mean_evaluations_lenient
median_evaluations_lenient mean_generalisation_lenient min_generalisation_lenient.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from fitness.registry import make_task, task_presets
from fitness.task import champion_test, solved_mask
from neat.config import load_config
from neat.population import Population
from neat.task import CHAMPION_CHOICES


def evolve(task_name: str, options: dict[str, Any], seed: int, overrides: list[str],
           generations: int) -> dict[str, Any]:
    """One run until the champion's test says solved or `generations` have run."""
    task = make_task(task_name, options)
    config = load_config(None, [f"run.seed={seed}", *overrides], presets=task_presets(task_name))
    population = Population(config, task.spec.n_inputs, task.spec.n_outputs)
    test = champion_test(task, population.recurrent)
    start = time.perf_counter()
    report = None
    for _ in range(generations):
        report = population.step(task.evaluate, lambda p, f: solved_mask(task, p, f), test)
        if report.solved:
            break
    assert report is not None
    return {"solved": report.solved, "evaluations": population.state.evaluations,
            "generations": population.state.generation, "seconds": time.perf_counter() - start,
            "test_score": None if report.test is None else report.test.score,
            "test_episodes": population.state.test_episodes, "hidden": report.champion.n_hidden,
            "connections": report.champion.n_enabled}


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures over runs: means and medians over the solved runs."""
    won = [r for r in results if r["solved"]] or [{"evaluations": float("nan"),
                                                    "generations": float("nan"),
                                                    "test_score": float("nan")}]
    scores = [r["test_score"] for r in results if r["test_score"] is not None]
    return {
        "solved": sum(r["solved"] for r in results),
        "mean_evaluations": statistics.fmean(r["evaluations"] for r in won),
        "median_evaluations": statistics.median(r["evaluations"] for r in won),
        "median_generations": statistics.median(r["generations"] for r in won),
        "min_test_score": min(scores) if scores else None,
        "mean_test_episodes": statistics.fmean(r["test_episodes"] for r in results),
        "generalisation": [r["test_score"] for r in won],
    }


def run_all(task_name: str, options: dict[str, Any], args: argparse.Namespace,
            label: str) -> dict[str, Any]:
    overrides = list(args.set) + ([f"population.size={args.pop}"] if args.pop else [])
    results = []
    for i in range(args.runs):
        r = evolve(task_name, options, args.seed + i, overrides, args.generations)
        results.append(r)
        print(f"{label} run {i:3d} seed {args.seed + i}: {'solved' if r['solved'] else 'NOT solved'}"
              f" after {r['generations']} generations, {r['evaluations']} evaluations, "
              f"{r['seconds']:.1f} s; test score {r['test_score']} ({r['test_episodes']} test "
              f"episodes); champion {r['hidden']} hidden, {r['connections']} links", flush=True)
    return summary(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("task")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pop", type=int, help="population size (default: the task's preset or 150)")
    parser.add_argument("--generations", type=int, default=300, help="limit per run")
    parser.add_argument("--seed", type=int, default=0, help="run i uses seed + i")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    parser.add_argument("--champion", choices=CHAMPION_CHOICES,
                        help="double-pole-novel: the paper protocol's champion choice (task.champion;"
                             " default: the task's)")
    parser.add_argument("--lenient", action=argparse.BooleanOptionalAction, default=True,
                        help="double-pole-novel: also run the lenient protocol (default: yes)")
    args = parser.parse_args()
    options = {} if args.champion is None else {"champion": args.champion}
    figures: dict[str, Any] = {"task": args.task, "runs": args.runs,
                               "champion": make_task(args.task, options).spec.champion_choice}
    main_figures = run_all(args.task, options, args, args.task)
    figures.update({k: v for k, v in main_figures.items() if k != "generalisation"})
    figures["test_solved"] = main_figures["solved"]
    if args.task == "double-pole-novel":
        scores = main_figures["generalisation"]
        figures["mean_generalisation"] = statistics.fmean(scores)
        figures["min_generalisation"] = min(scores)
    if args.task == "double-pole-novel" and args.lenient:
        lenient = run_all(args.task, {"protocol": "lenient"}, args, "lenient")
        figures["solved_lenient"] = lenient["solved"]
        figures["mean_evaluations_lenient"] = lenient["mean_evaluations"]
        figures["median_evaluations_lenient"] = lenient["median_evaluations"]
        figures["mean_generalisation_lenient"] = statistics.fmean(lenient["generalisation"])
        figures["min_generalisation_lenient"] = min(lenient["generalisation"])
    print(f"{args.task}: solved {figures['solved']}/{args.runs}; evaluations mean "
          f"{figures['mean_evaluations']:.0f}, median {figures['median_evaluations']:.0f}; median "
          f"generations {figures['median_generations']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
