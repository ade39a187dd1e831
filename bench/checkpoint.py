"""Benchmark of checkpoint save and load for a large population.

A population of 10,000 random feed-forward genomes (8 inputs, 4 outputs, 8 hidden nodes, 50
connections each) in 20 species is saved (encode + gzip + atomic durable write) and loaded (read +
gunzip + parse + full validation + rebuild) three times each; the medians are reported.

Then what checkpointing costs a whole run: a default platformer run (population 300, checkpoints
at most every 30 s, run.stop_when_solved = false) of 200 generations is evolved by the runner the
`neat` command uses, and its wall time (the generation loop with every champion, stats row,
status and checkpoint written) is compared with the sum of its generations' `seconds`.

Prints a readable report, then one JSON line: population, save_seconds, load_seconds, megabytes,
platformer_wall_overhead (= wall / sum of seconds - 1), platformer_wall_seconds,
platformer_evolution_seconds. Targets: save and load at most 1 s each; overhead at most 0.10.

Run: .venv/bin/python bench/checkpoint.py [--population N] [--generations G]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from fitness.random_genomes import random_genome
from fitness.registry import make_task, task_presets
from fitness.task import solved_mask
from neat.app.checkpoint import load_checkpoint, save_checkpoint
from neat.app.rundir import RunDirectory
from neat.app.runner import Runner, RunPlan
from neat.config import load_config
from neat.genome import GenomePool
from neat.innovation import InnovationTracker
from neat.population import Population, PopulationState
from neat.species import Species

SHAPE = (8, 4, 8)  # inputs, outputs, hidden nodes
CONNECTIONS = 50
SPECIES = 20
REPEATS = 3


def build_population(size: int, seed: int = 0) -> Population:
    """A Population of `size` random genomes with realistic ids, species and counters."""
    rng = np.random.default_rng(seed)
    n_nodes = sum(SHAPE)
    genomes = []
    for key in range(size):
        genome = random_genome(rng, key, SHAPE, CONNECTIONS)
        genome.conn_innov = genome.conn_src * n_nodes + genome.conn_dst  # sorted, unique per pair
        genomes.append(genome)
    pool = GenomePool.from_genomes(genomes)
    config = load_config(None, [f"population.size={size}", "run.task=cartpole"])
    species = [
        Species(key=k, created=k, representative=genomes[k * size // SPECIES], best_fitness=100.0 + k,
                last_improved=k, fitness_history=[float(f) for f in rng.uniform(0, 500, 40)],
                adjusted_fitness=float(rng.uniform(0, 50)))
        for k in range(SPECIES)
    ]
    state = PopulationState(
        n_inputs=SHAPE[0], n_outputs=SHAPE[1], generation=40, evaluations=40 * size, pool=pool,
        tracker=InnovationTracker.start(n_nodes * n_nodes, n_nodes),
        species=species, next_species_key=SPECIES, next_genome_key=size, threshold=3.0,
        best_genome=genomes[0], best_fitness=480.0,
        rng=np.random.default_rng(seed))
    return Population.from_state(config, state)


def median_seconds(run: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def platformer_run(folder: Path, generations: int) -> tuple[float, float]:
    """(wall seconds of the generation loop, sum of the generations' seconds) of a default
    platformer run, recorded in `folder` with the default checkpoint cadence."""
    overrides = ['run.task="platformer"', "run.stop_when_solved=false",
                 f"run.generations={generations}"]
    config = load_config(None, overrides, presets=task_presets("platformer"))
    task = make_task("platformer", config.task)
    run = RunDirectory.create(folder / "platformer", config.to_dict())
    plan = RunPlan(task="platformer", generations=generations,
                   input_labels=task.spec.input_labels, output_labels=task.spec.output_labels,
                   stop_when_solved=False, run_id=run.read_meta().run_id)
    runner = Runner(Population(config, task.spec.n_inputs, task.spec.n_outputs), run, plan,
                    task.evaluate, lambda packed, fitness: solved_mask(task, packed, fitness))
    wall = runner.run().seconds
    evolution = sum(row.seconds for row in run.read_stats())
    run.unlock()
    return wall, evolution


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=10_000)
    parser.add_argument("--generations", type=int, default=200, help="of the platformer run")
    args = parser.parse_args()
    population = build_population(args.population)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gen-000039.json.gz"
        save_checkpoint(path, population, "cartpole", None)
        load_checkpoint(path)  # compile the validation kernels once
        save = median_seconds(lambda: save_checkpoint(path, population, "cartpole", None))
        load = median_seconds(lambda: load_checkpoint(path))
        megabytes = path.stat().st_size / 1e6
        restored = load_checkpoint(path).state.pool
        wall, evolution = platformer_run(Path(folder), args.generations)
    overhead = wall / evolution - 1
    assert np.array_equal(restored.conn_weight, population.state.pool.conn_weight)
    connections = len(population.state.pool.conn_innov)
    print(f"checkpoint of {args.population:,} genomes, {connections:,} connections "
          f"({connections / args.population:.0f} per genome), {SPECIES} species")
    print(f"  save  {save:6.3f} s   (median of {REPEATS}; target <= 1 s)")
    print(f"  load  {load:6.3f} s   (median of {REPEATS}, full validation; target <= 1 s)")
    print(f"  size  {megabytes:6.2f} MB  (gzip level 1)")
    print(f"platformer run of {args.generations} generations (default checkpoint cadence): "
          f"{wall:.2f} s wall, {evolution:.2f} s of evolution, overhead {overhead:.3f} "
          "(target <= 0.10)")
    print(json.dumps({"population": args.population, "save_seconds": round(save, 4),
                      "load_seconds": round(load, 4), "megabytes": round(megabytes, 3),
                      "platformer_wall_overhead": round(overhead, 4),
                      "platformer_wall_seconds": round(wall, 3),
                      "platformer_evolution_seconds": round(evolution, 3)}))


if __name__ == "__main__":
    main()
