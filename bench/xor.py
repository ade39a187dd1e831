"""XOR search quality and speed: `python bench/xor.py --runs 100 [--seed S]`.

Prints a readable report, then one JSON line: runs solved mean_evaluations median_evaluations
mean_generations mean_hidden mean_connections seconds_per_run ms_per_generation.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from fitness.registry import make_task
from neat.config import load_config
from neat.population import Population


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0, help="seed of the first run; run i uses seed+i")
    parser.add_argument("--generations", type=int, default=300, help="limit per run")
    args = parser.parse_args()
    task = make_task("xor")
    Population(load_config(), 2, 1).run(task.evaluate, 2, is_solved=task.solved)  # compile kernels
    evaluations, generations, hidden, connections, seconds, solved = [], [], [], [], [], 0
    for i in range(args.runs):
        config = load_config(None, [f"run.seed={args.seed + i}"])
        population = Population(config, 2, 1)
        start = time.perf_counter()
        reports = []
        champion = population.run(task.evaluate, args.generations, is_solved=task.solved,
                                  reporters=[reports.append])
        seconds.append(time.perf_counter() - start)
        generations.append(population.state.generation)
        if reports[-1].solved:
            solved += 1
            evaluations.append(population.state.evaluations)
            hidden.append(champion.n_hidden)
            connections.append(champion.n_enabled)
    figures = {
        "runs": args.runs,
        "solved": solved,
        "mean_evaluations": statistics.fmean(evaluations),
        "median_evaluations": statistics.median(evaluations),
        "mean_generations": statistics.fmean(generations),
        "mean_hidden": statistics.fmean(hidden),
        "mean_connections": statistics.fmean(connections),
        "seconds_per_run": statistics.fmean(seconds),
        "ms_per_generation": 1000 * sum(seconds) / sum(generations),
    }
    std = statistics.pstdev(evaluations)
    hidden_error = statistics.stdev(hidden) / len(hidden) ** 0.5 if len(hidden) > 1 else 0.0
    print(f"XOR, population 150, {args.runs} runs (seeds {args.seed}..{args.seed + args.runs - 1})")
    print(f"  solved                 {solved}/{args.runs}")
    print(f"  evaluations to solve   mean {figures['mean_evaluations']:.0f}  median "
          f"{figures['median_evaluations']:.0f}  std {std:.0f}   (paper: mean 4,755)")
    print(f"  generations            mean {figures['mean_generations']:.1f}")
    print(f"  solution size          {figures['mean_hidden']:.2f} (standard error "
          f"{hidden_error:.2f}) hidden nodes, "
          f"{figures['mean_connections']:.2f} enabled connections   (paper: 2.35 hidden)")
    print(f"  time                   {figures['seconds_per_run'] * 1000:.1f} ms per run, "
          f"{figures['ms_per_generation']:.3f} ms per generation")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
