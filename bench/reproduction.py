"""Speciation + reproduction speed for a large population: `python bench/reproduction.py
[--population 10000] [--generations 5]`.

Genomes have 7 inputs and 7 outputs, fully connected (49 connections) and are evolved for a few
warm-up generations with random fitness so they carry a few hidden nodes and extra links; a dynamic
compatibility threshold keeps about 50 species, so speciation does real work. Each timed
generation is one `Population.tell()`: speciation, fitness sharing, stagnation, quotas, parent
selection, crossover and mutation, and the report. Peak memory is the tracemalloc peak during those
calls (numpy buffers included). Last line: JSON with population seconds_per_generation
us_per_offspring peak_mb.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
import tracemalloc

import numpy as np

from neat.config import load_config
from neat.population import Population


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--population", type=int, default=10_000)
    parser.add_argument("--generations", type=int, default=5, help="timed generations")
    parser.add_argument("--warmup", type=int, default=8)
    args = parser.parse_args()
    config = load_config(None, [f"population.size={args.population}", "run.seed=1",
                                "mutation.add_node_rate=0.05", "mutation.add_connection_rate=0.1",
                                "speciation.threshold=1.0", "speciation.target_species=50"])
    population = Population(config, 7, 7)
    rng = np.random.default_rng(0)
    for _ in range(args.warmup):
        population.tell(rng.random(args.population))
    seconds, peaks = [], []
    for _ in range(args.generations):
        fitness = rng.random(args.population)
        tracemalloc.start()
        start = time.perf_counter()
        report = population.tell(fitness)
        seconds.append(time.perf_counter() - start)
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    # timing without tracemalloc's overhead
    untraced = []
    for _ in range(args.generations):
        fitness = rng.random(args.population)
        start = time.perf_counter()
        population.tell(fitness)
        untraced.append(time.perf_counter() - start)
    pool = population.ask()
    per_generation = statistics.median(untraced)
    figures = {
        "population": args.population,
        "seconds_per_generation": per_generation,
        "us_per_offspring": per_generation / args.population * 1e6,
        "peak_mb": max(peaks),
    }
    print(f"speciation + reproduction, population {args.population}")
    print(f"  genomes: mean {pool.conn_counts().mean():.1f} connections, "
          f"{pool.node_counts().mean():.1f} nodes; {len(report.species)} species")
    print(f"  seconds per generation  median {per_generation:.3f} (traced runs: "
          f"{statistics.median(seconds):.3f})")
    print(f"  per offspring           {figures['us_per_offspring']:.1f} us")
    print(f"  peak memory             {figures['peak_mb']:.1f} MB traced during a generation, "
          f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
