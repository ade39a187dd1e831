"""Search quality on a task: `python bench/solve.py TASK [--runs N] [--pop P] [--generations G]
[--seed S] [--set section.key=value ...]`.

Each run evolves from the task's presets (see `neat tasks`) plus the given overrides until a genome
solves the task or the generation limit is reached. Prints one line per run, a summary, and, last, a
JSON line with task runs solved mean_evaluations median_evaluations median_generations; for
double-pole-novel also mean_generalisation min_generalisation (score of the solving genome out of
625); for platformer also frames_per_second (from bench/platformer_speed.py's measurement).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from fitness.registry import make_task
from fitness.task import solved_mask
from neat.config import load_config
from neat.network import pack_genome
from neat.population import Population


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("task")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pop", type=int, help="population size (default: the task's preset or 150)")
    parser.add_argument("--generations", type=int, default=200, help="limit per run")
    parser.add_argument("--seed", type=int, default=0, help="run i uses seed + i")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    args = parser.parse_args()
    task = make_task(args.task)
    spec = task.spec
    overrides = list(args.set) + ([f"population.size={args.pop}"] if args.pop else [])
    results = []
    for i in range(args.runs):
        config = load_config(None, [f"run.seed={args.seed + i}", *overrides], presets=spec.presets)
        population = Population(config, spec.n_inputs, spec.n_outputs)
        reports = []
        start = time.perf_counter()
        champion = population.run(task.evaluate, args.generations,
                                  is_solved=lambda p, f: solved_mask(task, p, f),
                                  reporters=[reports.append])
        solved = reports[-1].solved
        result = {"solved": solved, "evaluations": population.evaluations,
                  "generations": population.generation, "seconds": time.perf_counter() - start,
                  "hidden": champion.n_hidden, "connections": champion.n_enabled}
        if args.task == "double-pole-novel" and solved:
            from fitness.double_pole import generalisation_score

            result["generalisation"] = generalisation_score(
                pack_genome(champion, population.recurrent), 0)
        results.append(result)
        print(f"run {i:3d} seed {args.seed + i}: {'solved' if solved else 'NOT solved'} after "
              f"{result['generations']} generations, {result['evaluations']} evaluations, "
              f"{result['seconds']:.1f} s; champion {champion.n_hidden} hidden, "
              f"{champion.n_enabled} links"
              + (f", generalisation {result['generalisation']}/625" if "generalisation" in result
                 else ""), flush=True)
    won = [r for r in results if r["solved"]]
    evaluations = [r["evaluations"] for r in won] or [float("nan")]
    generations = [r["generations"] for r in won] or [float("nan")]
    figures = {
        "task": args.task,
        "runs": args.runs,
        "solved": len(won),
        "mean_evaluations": statistics.fmean(evaluations),
        "median_evaluations": statistics.median(evaluations),
        "median_generations": statistics.median(generations),
    }
    if args.task == "double-pole-novel":
        scores = [r["generalisation"] for r in won] or [float("nan")]
        figures["mean_generalisation"] = statistics.fmean(scores)
        figures["min_generalisation"] = min(scores)
    if args.task == "platformer":
        from platformer_speed import measure_frames_per_second  # bench/ is on sys.path

        figures["frames_per_second"] = measure_frames_per_second()
    print(f"{args.task}: solved {len(won)}/{args.runs}; evaluations mean "
          f"{figures['mean_evaluations']:.0f}, median {figures['median_evaluations']:.0f}; median "
          f"generations {figures['median_generations']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
