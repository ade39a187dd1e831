"""The `platformer` task: a network plays a Mario-like level the way MarI/O did.

Inputs: the `grid` x `grid` tiles around the player (1 solid, -1 enemy, 0 air; labels "r-6c-6" ..
"r+6c+6", row-major, r down and c right of the player), plus bias, vx, vy, on-ground with
`extra_inputs` (see observe.py). Outputs: LEFT, RIGHT, JUMP, RUN; an output above 0.5 presses its
button for that frame (one network activation per frame, 60 frames per second of game).

Fitness (episode.py): furthest distance right of the start in tiles, minus 0.1 tile per second
played, plus 1000 for reaching the flag, never below 0; solved_at = 1000 means "reached the flag".
An episode ends on death, on the flag, after `patience` frames without progress, or after
`max_frames` frames. Named levels are fixed; level = "random" plays a fresh level each evaluation
(built from the evaluation's seed, the same level for every genome), and `replay(genome, seed)`
replays the level of that seed.

Options: see PlatformerOptions (level, difficulty, length, grid, extra_inputs, patience,
max_frames). Replay frames carry the world dict described in render.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fitness.parallel import for_each_chunk
from fitness.platformer.episode import (
    FLAG_BONUS,
    buttons_from_outputs,
    distance_tiles,
    episode_over,
    episode_score,
    play_range,
    settings_array,
    world_arrays,
)
from fitness.platformer.levels import Level
from fitness.platformer.observe import input_labels, n_inputs, observe
from fitness.platformer.options import (
    RANDOM_LEVEL,
    TASK_NAME,
    PlatformerOptions,
    build_level,
    parse_options,
)
from fitness.platformer.physics import BUTTON_NAMES, make_params, new_enemies, new_player, step
from fitness.platformer.render import world_view
from fitness.seeding import draw_base_seed
from fitness.task import Frame, TaskSpec
from neat.errors import TaskError
from neat.genome import Genome
from neat.network import PackedNetworks, activate_with, pack_genome

PRESETS = (
    "population.size=300",
    'genome.initial_connection="none"',  # minimal start: links to 169 tile inputs are grown, not given
    # grow links to the unconnected tiles quickly; on 1-1 in 100 generations, 0.3 solved 6 of 8
    # seeds, 0.5 10 of 10 (median 44.5 generations), 0.7 10 of 10 (median 42.5, at most 56)
    "mutation.add_connection_rate=0.7",
    # divide by the gene count even for small genomes: links to 169 tiles are mostly unique, and
    # N = 1 split the population into hundreds of species (with it: 10 of 10, median 28.5)
    "speciation.small_genome_genes=0",
)


@dataclass
class PlatformerTask:
    """The platformer for NEAT (see the module docstring)."""

    spec: TaskSpec
    options: PlatformerOptions

    def __post_init__(self) -> None:
        self.params = make_params()
        self.settings = settings_array(self.options)
        self._fixed_world = (None if self.options.level == RANDOM_LEVEL
                             else world_arrays(build_level(self.options, 0), self.options.grid))

    def evaluate(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray:
        """Fitness of every network, shape (G,); see `evaluate_frames`."""
        return self.evaluate_frames(packed, rng)[0]

    def evaluate_frames(self, packed: PackedNetworks,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Fitness float64 (G,) and frames played int64 (G,) of every network."""
        self._check_sizes(packed)
        world = self._fixed_world
        if world is None:
            world = world_arrays(build_level(self.options, draw_base_seed(rng)), self.options.grid)
        fitness = np.zeros(len(packed), dtype=np.float64)
        frames = np.zeros(len(packed), dtype=np.int64)
        net, buffers = packed.arrays, (packed.new_values(), packed.new_values())
        for_each_chunk(lambda first, last: play_range(
            first, last, net, packed.recurrent, world, self.params, self.settings,
            (fitness, frames), buffers), len(packed))
        return fitness, frames

    def replay(self, genome: Genome, seed: int, recurrent: bool) -> list[Frame]:
        """The episode `evaluate` plays with `genome` (on the level of `seed` when random)."""
        packed = pack_genome(genome, recurrent)
        self._check_sizes(packed)
        level = build_level(self.options, seed)
        tiles, tile_map, spawn, start = world_arrays(level, self.options.grid)
        player, enemies = new_player(start[0], start[1]), new_enemies(spawn)
        net, values, scratch = packed.arrays, packed.new_values(), packed.new_values()
        inputs, outputs = np.empty(self.spec.n_inputs), np.empty(self.spec.n_outputs)
        frames = []
        while not episode_over(player, self.settings):
            before = episode_score(player, level.start_x)
            observe(tile_map, player, enemies, self.params, self.options.grid, inputs)
            activate_with(net, 0, recurrent, inputs, values, scratch, outputs)
            step(tiles, player, enemies, buttons_from_outputs(outputs), self.params)
            frames.append(Frame(inputs.tolist(), values.tolist(), outputs.tolist(),
                                self._world(level, player, enemies),
                                episode_score(player, level.start_x) - before))
        return frames

    def _world(self, level: Level, player: np.ndarray, enemies: np.ndarray) -> dict[str, Any]:
        return world_view(level, player, enemies, self.params, distance_tiles(player, level.start_x))

    def _check_sizes(self, packed: PackedNetworks) -> None:
        if (packed.n_inputs, packed.n_outputs) != (self.spec.n_inputs, self.spec.n_outputs):
            raise TaskError(
                f"task '{TASK_NAME}' needs networks with {self.spec.n_inputs} inputs and "
                f"{self.spec.n_outputs} outputs, got {packed.n_inputs} and {packed.n_outputs}; "
                "set the genome sizes from the task's spec."
            )


def make_task(options: dict[str, Any]) -> PlatformerTask:
    """The platformer task; options as in PlatformerOptions (all optional)."""
    opts = parse_options(options)
    level = f"level {opts.level}" if opts.level != RANDOM_LEVEL else (
        f"a random level (difficulty {opts.difficulty}, {opts.length} tiles) each generation")
    spec = TaskSpec(
        name=TASK_NAME,
        n_inputs=n_inputs(opts.grid, opts.extra_inputs),
        n_outputs=len(BUTTON_NAMES),
        input_labels=input_labels(opts.grid, opts.extra_inputs),
        output_labels=BUTTON_NAMES,
        solved_at=FLAG_BONUS,
        input_grid=(opts.grid, opts.grid),
        presets=PRESETS,
        description=(
            f"Play {level} of a Mario-like platformer from a {opts.grid}x{opts.grid} tile view. "
            "Fitness: tiles travelled right, minus 0.1 per second, plus 1000 at the flag."
        ),
    )
    return PlatformerTask(spec, opts)
