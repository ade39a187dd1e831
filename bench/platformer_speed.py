"""Frames per second of the compiled platformer evaluator: a population of 300 small networks
(169 inputs, 4 outputs, 30 connections) playing level 1-1 (a variant per generation), game step +
network per frame.

Prints a readable report, then one JSON line with `frames_per_second` (median over repeated
evaluations, all threads) and the one-thread figure.
"""

from __future__ import annotations

import json
import time

import numba
import numpy as np

from fitness.platformer.task import PlatformerTask, make_task
from fitness.random_genomes import random_pool
from neat.network import PackedNetworks, pack_population

POPULATION = 300
CONNECTIONS = 30
REPEATS = 10


def benchmark_population() -> tuple[PlatformerTask, PackedNetworks]:
    """Level 1-1 and 300 random feed-forward networks, most of which walk right."""
    task = make_task({"levels": ["1-1"], "random_levels": 0})
    n_in = task.spec.n_inputs
    pool = random_pool(np.random.default_rng(0), POPULATION, (n_in, 4, 0), CONNECTIONS)
    pool.node_bias[pool.node_start[:-1] + n_in + 1] = 1.5  # RIGHT pressed unless inputs say no
    return task, pack_population(pool, recurrent=False)


def time_evaluations(task: PlatformerTask, packed: PackedNetworks) -> tuple[int, list[float]]:
    """Frames played per evaluation and the wall-clock seconds of REPEATS evaluations."""
    rng = np.random.default_rng(0)
    task.evaluate_frames(packed, rng)  # compile or load the cache
    timings, frames = [], 0
    for _ in range(REPEATS):
        start = time.perf_counter()
        _, played = task.evaluate_frames(packed, rng)
        timings.append(time.perf_counter() - start)
        frames = int(played.sum())
    return frames, timings


def measure_frames_per_second() -> float:
    """Median frames per second of whole-population evaluations with all threads."""
    frames, timings = time_evaluations(*benchmark_population())
    return frames / float(np.median(timings))


def main() -> None:
    task, packed = benchmark_population()
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    frames, one_thread = time_evaluations(task, packed)
    numba.set_num_threads(threads)
    frames, timings = time_evaluations(task, packed)
    median, best = float(np.median(timings)), min(timings)
    print(f"platformer speed: population {POPULATION}, {task.spec.n_inputs} inputs, 4 outputs, "
          f"{CONNECTIONS} connections, level 1-1, {threads} threads")
    print(f"  frames per evaluation: {frames} (mean {frames / POPULATION:.0f} per genome)")
    print(f"  evaluation: median {median * 1e3:.1f} ms, best {best * 1e3:.1f} ms")
    print(f"  frames per second: median {frames / median:,.0f}, best {frames / best:,.0f}")
    print(f"  one thread: median {frames / np.median(one_thread):,.0f} frames per second")
    print(json.dumps({"frames_per_second": round(frames / median),
                      "frames_per_second_best": round(frames / best),
                      "frames_per_second_one_thread": round(frames / np.median(one_thread)),
                      "population": POPULATION, "frames": frames, "threads": threads}))


if __name__ == "__main__":
    main()
