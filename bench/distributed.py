"""Generation time of a slow gymnasium task in process vs on a Dask LocalCluster of 1 and 2 workers.

`python bench/distributed.py [--task gym:Acrobot-v1] [--population 150] [--generations 3] [--busy N]`

One "generation" is one evaluation of a fixed population of random networks (6 inputs, 3 outputs, a
few hidden nodes; they rarely swing up, so most episodes run the full 500 steps) with that
generation's Generator. Each backend gets one warm-up generation (workers import the task and load
compiled kernels), then the backends take turns for `--generations` timed generations (so changes
in background load hit them alike); the report gives each backend's median. The fitness of every backend is
checked to be identical. `--busy N` keeps N other processes busy (`while True: pass`) during the
timed generations, as other jobs on the machine would. Needs the dask extra: pip install -e
'.[dask]' in the project folder.

Last line: JSON with task population busy in_process_seconds workers_1_seconds workers_2_seconds
speedup_2_vs_1.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from fitness.backends import Evaluator, make_evaluator
from fitness.random_genomes import random_pool
from fitness.registry import make_task
from fitness.task import Task
from neat.network import PackedNetworks, pack_population

SEED = 2024
BACKENDS = ("inprocess", "local:1", "local:2")


def timed_generations(evaluators: dict[str, Evaluator], packed: PackedNetworks,
                      generations: int) -> tuple[dict[str, list[float]], dict[str, np.ndarray]]:
    """Seconds and fitness (generations, G) of every backend; a warm-up generation first, then the
    backends take turns each generation, so a change in background load hits them alike."""
    for evaluate in evaluators.values():
        evaluate(packed, np.random.default_rng([SEED, 0]))
    seconds: dict[str, list[float]] = {name: [] for name in evaluators}
    fitness: dict[str, list[np.ndarray]] = {name: [] for name in evaluators}
    for generation in range(1, generations + 1):
        for name, evaluate in evaluators.items():
            start = time.perf_counter()
            fitness[name].append(evaluate(packed, np.random.default_rng([SEED, generation])))
            seconds[name].append(time.perf_counter() - start)
    return seconds, {name: np.stack(values) for name, values in fitness.items()}


def random_population(task: Task, size: int) -> PackedNetworks:
    shape = (task.spec.n_inputs, task.spec.n_outputs, 3)
    return pack_population(random_pool(np.random.default_rng(SEED), size, shape, 16), False)


def import_dask_quietly() -> None:
    """Import dask.distributed with its INFO chatter off. This script's folder is dropped from
    sys.path first: there, this file would be imported as the `distributed` package."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    importlib.import_module("distributed")  # sets its loggers' levels from dask's config
    logging.getLogger("distributed").setLevel(logging.ERROR)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="gym:Acrobot-v1")
    parser.add_argument("--population", type=int, default=150)
    parser.add_argument("--generations", type=int, default=3)
    parser.add_argument("--busy", type=int, default=0, metavar="N",
                        help="other busy processes during the timed generations")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import_dask_quietly()
    load_before = os.getloadavg()[0]

    task = make_task(args.task, {})
    packed = random_population(task, args.population)
    with contextlib.ExitStack() as stack:
        evaluators = {backend: stack.enter_context(make_evaluator(task, backend, args.task, {}))
                      for backend in BACKENDS}
        busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(args.busy)]
        try:
            times, fitness = timed_generations(evaluators, packed, args.generations)
        finally:
            for process in busy:
                process.kill()
                process.wait()
    seconds = {backend: statistics.median(values) for backend, values in times.items()}
    for backend in BACKENDS:
        print(f"{backend:>9}: {seconds[backend]:7.2f} s per generation (each: "
              f"{', '.join(f'{t:.2f}' for t in times[backend])}; mean fitness "
              f"{fitness[backend].mean():.2f})")
    identical = all(np.array_equal(fitness["inprocess"], f) for f in fitness.values())
    speedup = seconds["local:1"] / seconds["local:2"]
    print(f"{args.task}, population {args.population}, {os.cpu_count()} cores (load average "
          f"{load_before:.1f} before the benchmark), {args.busy} busy processes,\n  median of "
          f"{args.generations} generations after a warm-up")
    print(f"2 workers vs 1: {speedup:.2f}x faster; fitness identical on every backend: {identical}")
    print(json.dumps({
        "task": args.task,
        "population": args.population,
        "busy": args.busy,
        "in_process_seconds": round(seconds["inprocess"], 3),
        "workers_1_seconds": round(seconds["local:1"], 3),
        "workers_2_seconds": round(seconds["local:2"], 3),
        "speedup_2_vs_1": round(speedup, 3),
    }))


if __name__ == "__main__":
    main()
