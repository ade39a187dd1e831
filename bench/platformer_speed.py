"""Frames per second of the compiled platformer evaluator: a population of 300 small networks
(169 inputs, 4 outputs, ~30 connections) playing level 1-1, game step + network per frame.

Prints a readable report, then one JSON line with `frames_per_second`.
"""

from __future__ import annotations

import json
import time

import numba
import numpy as np

from fitness.platformer.task import make_task
from fitness.random_genomes import random_pool
from neat.network import pack_population

POPULATION = 300
CONNECTIONS = 30
REPEATS = 10


def main() -> None:
    task = make_task({"level": "1-1"})
    n_in = task.spec.n_inputs
    pool = random_pool(np.random.default_rng(0), POPULATION, (n_in, 4, 0), CONNECTIONS)
    pool.node_bias[pool.node_start[:-1] + n_in + 1] = 1.5  # most walk right, as evolved ones do
    packed = pack_population(pool, recurrent=False)
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    task.evaluate_frames(packed, rng)
    compile_seconds = time.perf_counter() - start
    timings, frames = [], 0
    for _ in range(REPEATS):
        start = time.perf_counter()
        _, played = task.evaluate_frames(packed, rng)
        timings.append(time.perf_counter() - start)
        frames = int(played.sum())
    best, median = min(timings), float(np.median(timings))
    fps = frames / median
    print(f"platformer speed: population {POPULATION}, {n_in} inputs, 4 outputs, "
          f"{CONNECTIONS} connections, level 1-1, {numba.get_num_threads()} threads")
    print(f"  first call (compile or cache load): {compile_seconds:.2f} s")
    print(f"  frames per evaluation: {frames} (mean {frames / POPULATION:.0f} per genome)")
    print(f"  evaluation: median {median * 1e3:.1f} ms, best {best * 1e3:.1f} ms")
    print(f"  frames per second: median {fps:,.0f}, best {frames / best:,.0f}")
    print(json.dumps({"frames_per_second": round(fps), "frames_per_second_best": round(frames / best),
                      "population": POPULATION, "frames": frames,
                      "threads": numba.get_num_threads()}))


if __name__ == "__main__":
    main()
