"""A fake task, and run directories for the viewer tests written by the real run-directory writer
(neat.app.rundir) without evolving.

The fake task has a 3x3 input grid plus one extra input, three buttons, and replays a short
platformer-like episode whose inputs change every step, so activations visibly change.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from fitness.random_genomes import random_genome
from fitness.task import Episode, EpisodeReplay, Frame, TaskSpec
from neat.app.checkpoint import save_checkpoint
from neat.app.rundir import RunDirectory, StatsRow, append_stats_row, checkpoint_name
from neat.config import Config
from neat.errors import ConfigError
from neat.genome import Genome
from neat.network import ReferenceNetwork
from neat.population import Population
from neat.serialize import genome_to_dict

GRID = (3, 3)
N_INPUTS = GRID[0] * GRID[1] + 1
BUTTONS = ("LEFT", "RIGHT", "JUMP")
SPEC = TaskSpec(
    name="fake-grid",
    n_inputs=N_INPUTS,
    n_outputs=len(BUTTONS),
    input_labels=(*(f"tile {r},{c}" for r in range(GRID[0]) for c in range(GRID[1])), "bias"),
    output_labels=BUTTONS,
    solved_at=10.0,
    input_grid=GRID,
)
LEVEL_ROWS, LEVEL_COLS, VIEW_COLS = 14, 60, 20
EPISODE = Episode(0, "the fake level")


class FakeGridTask:
    """Replays `steps` frames; evaluation is not needed by the viewer."""

    spec = SPEC

    def __init__(self, steps: int):
        self.steps = steps

    def evaluate(self, packed: Any, rng: np.random.Generator) -> np.ndarray:
        return np.zeros(len(packed))

    def episodes(self, base_seed: int, genome_id: int) -> list[Episode]:
        return [EPISODE]

    def test_episodes(self) -> list[Episode]:
        return [Episode(1, "the fake level, once more")]  # one frame longer (see replay)

    def replay(self, genome: Genome, recurrent: bool, episode: Episode,
               max_frames: int | None = None) -> EpisodeReplay:
        net = ReferenceNetwork(genome, recurrent)
        level = np.zeros((LEVEL_ROWS, LEVEL_COLS), dtype=np.int64)
        level[12:, :] = 1
        level[9, 10:14] = 5
        level[10:12, 25] = 3
        level[3:12, LEVEL_COLS - 3] = 4
        frames = []
        steps = self.steps + episode.seed
        for t in range(steps):
            inputs = [math.sin(0.3 * t + i) for i in range(N_INPUTS - 1)] + [1.0]
            action = net.activate(inputs)
            x = 2.0 + 0.25 * t
            x0 = max(0, min(int(x) - 6, LEVEL_COLS - VIEW_COLS))
            world = {
                "kind": "platformer", "x0": x0, "y0": 0,
                "tiles": level[:, x0 : x0 + VIEW_COLS].tolist(),
                "player": {"x": x, "y": 11.0 - abs(math.sin(0.2 * t)) * 2, "w": 0.8, "h": 1.0},
                "enemies": [{"x": 14.0 - 0.05 * t, "y": 11.0, "w": 1.0, "h": 1.0}],
                "frame": t + 1, "distance": x, "dead": False, "won": False,  # frames played
            }
            activations = [net.values[n] for n in genome.node_id.tolist()]
            frames.append(Frame(inputs, activations, action, world, 1.0))
        return EpisodeReplay(episode, frames[:max_frames], float(steps), steps)


def make_task(options: dict[str, Any]) -> FakeGridTask:
    unknown = set(options) - {"steps"}
    if unknown:
        raise ConfigError(f"unknown fake task option(s) {sorted(unknown)}; valid: steps")
    return FakeGridTask(int(options.get("steps", 40)))


def fake_genome(key: int, n_hidden: int, n_connections: int, seed: int = 0) -> Genome:
    """A random feed-forward genome with the fake task's inputs and outputs."""
    rng = np.random.default_rng(seed)
    return random_genome(rng, key, (N_INPUTS, len(BUTTONS), n_hidden), n_connections)


def stats_row(generation: int, n_species: int = 3) -> dict[str, Any]:
    """A plausible stats row for `generation`, with every field the run-directory model has."""
    best = 1.0 + generation * 0.5
    fields = {
        "generation": generation, "evaluations": 150 * (generation + 1), "best_fitness": best,
        "mean_fitness": best / 2, "std_fitness": 0.3, "species": n_species,
        "champion_id": 1000 + generation, "solved": False, "seconds": 0.05,
        "evaluations_per_second": 3000.0,
        "species_table": [
            {"id": s + 1, "size": 50 // n_species + s, "age": generation, "best_fitness": best - s,
             "adjusted_fitness": 0.1 * s, "stagnation": s}
            for s in range(n_species)
        ],
    }
    return StatsRow.model_validate(fields).model_dump()


def write_run(runs_dir: Path, name: str, task: str, generations: int, *,
              state: str = "finished", pid: int = 0, n_hidden: int = 2,
              n_connections: int = 20, options: dict[str, Any] | None = None) -> Path:
    """A run directory made by the run-directory writer: `generations` stats rows, one champion per
    generation, a checkpoint named after the last generation, and a status of `state` written by
    this process (`pid` 0), or by a process that has since exited (any other `pid`)."""
    config = Config()
    config.run.task, config.run.seed, config.population.size = task, 3, 4
    config.task = dict(options or {})
    run = RunDirectory.create(runs_dir / name, config.to_dict())
    run.unlock()
    for generation in range(generations):
        append_generation(run.path, generation, task, n_hidden + generation, n_connections)
    population = Population(config, N_INPUTS, len(BUTTONS))
    meta = run.read_meta()
    save_checkpoint(run.checkpoints / checkpoint_name(max(generations - 1, 0)), population, task,
                    meta.run_id if meta else None)
    write_status(run.path, state, pid, generations - 1 if generations else None)
    return run.path


def append_generation(run: Path, generation: int, task: str, n_hidden: int,
                      n_connections: int) -> Genome:
    """Write generation `generation`'s champion, then its stats row (the order the runner uses)."""
    genome = fake_genome(1000 + generation, n_hidden, n_connections, seed=generation)
    write_champion(run, generation, genome, task)
    append_row(run, stats_row(generation))
    return genome


def append_row(run: Path, row: dict[str, Any]) -> None:
    with RunDirectory(run).open_stats() as stats:
        append_stats_row(stats, row)


def write_champion(run: Path, generation: int, genome: Genome, task: str) -> None:
    record = genome_to_dict(genome, generation=generation, fitness=1.0 + generation * 0.5,
                            task=task, input_labels=list(SPEC.input_labels),
                            output_labels=list(SPEC.output_labels),
                            episodes=[dataclasses.asdict(EPISODE)], test=None)
    RunDirectory(run).write_champion(generation, record)


def write_status(run: Path, state: str, pid: int, generation: int | None) -> None:
    """status.json as the runner writes it: by this process, or (`pid` not 0 nor ours) by a
    short-lived process that has exited when this returns."""
    if pid in (0, os.getpid()):
        RunDirectory(run).write_status(state, generation)
        return
    subprocess.run([sys.executable, "-c", "import json, sys; from neat.app.rundir import RunDirectory; "
                    "RunDirectory(sys.argv[1]).write_status(sys.argv[2], json.loads(sys.argv[3]))",
                    str(run), state, json.dumps(generation)], check=True,
                   cwd=Path(__file__).parents[1])
