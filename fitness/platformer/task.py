"""The `platformer` task: a network learns to play World 1 and levels it has never seen.

Inputs: the `grid` x `grid` tiles around the player (1 solid, -1 danger: spikes or an enemy, 0
air; labels "r-6c-6" .. "r+6c+6", row-major, r down and c right of the player), plus bias, vx,
vy, on-ground with `extra_inputs` (on by default; see observe.py). Outputs: LEFT, RIGHT, JUMP, RUN;
an output above 0.5 presses its button for that frame (one network activation per frame, 60
frames per second).

Training (a generalist objective): every generation each genome plays one variant of each named
level of `levels` and `random_levels` generated levels, drawn from the generation's base seed (the
same levels for every genome). An episode's score (episode.py) is 100 x the share of the way to
the flag reached, plus 100 at the flag, minus 0.1 per second; fitness is the mean score.

Test (what "solved" means): each new champion plays `named_variants` test variants of every
named level and `heldout_levels` generated levels (equal shares of difficulties 1, 2 and 3) whose
seeds training never uses. The test score is the share of held-out levels cleared; solved when
that share, and the share of every named level's test variants cleared, is at least `solve_rate`
(a named level counts as cleared, "World 1 cleared", when 3 of its 5 variants are by default).

Replays play any training or test episode again exactly (see level_sets.py for the episodes).
Options: see options.PlatformerOptions. Replay frames carry the world dict of render.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from fitness.platformer.episode import (
    MAX_PROGRESS_SCORE,
    buttons_from_outputs,
    distance_tiles,
    episode_fitness,
    episode_over,
    play_range,
    settings_array,
    world_arrays,
)
from fitness.platformer.level_sets import (
    HELDOUT_DIFFICULTIES,
    episode_level,
    held_out_episodes,
    training_episodes,
)
from fitness.platformer.levels import Level
from fitness.platformer.observe import input_labels, n_inputs, observe
from fitness.platformer.options import TASK_NAME, PlatformerOptions, parse_options
from fitness.platformer.physics import (
    BUTTON_NAMES,
    P_FRAME,
    make_params,
    new_enemies,
    new_player,
    step,
)
from fitness.platformer.render import world_view
from fitness.seeding import draw_base_seed
from fitness.task import Episode, EpisodeReplay, Frame, TaskSpec
from neat.errors import TaskError
from neat.genome import Genome
from neat.network import PackedNetworks, activate_with, pack_genome
from neat.parallel import for_each_chunk
from neat.report import TestResult


@dataclass
class PlatformerTask:
    """The platformer for NEAT (see the module docstring)."""

    spec: TaskSpec
    options: PlatformerOptions

    def __post_init__(self) -> None:
        self.params = make_params()
        self.settings = settings_array(self.options, self.options.blind)

    def evaluate(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray:
        """Fitness of every network, shape (G,); see `evaluate_frames`."""
        return self.evaluate_frames(packed, rng)[0]

    def evaluate_frames(self, packed: PackedNetworks,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Mean score float64 (G,) over the generation's training levels, and frames played int64
        (G,) over all of them."""
        self._check_sizes(packed)
        episodes = self.episodes(draw_base_seed(rng), 0)
        total, frames = self._play([self.world(e) for e in episodes], packed)
        return total / len(episodes), frames

    def episodes(self, base_seed: int, genome_id: int) -> list[Episode]:
        o = self.options
        return training_episodes(base_seed, o.levels, o.random_levels, o.difficulties, o.length)

    def test_episodes(self) -> list[Episode]:
        o = self.options
        return held_out_episodes(o.levels, o.named_variants, o.heldout_levels, o.length)

    def test(self, genome: Genome, recurrent: bool) -> TestResult:
        """The champion on every test episode: score = held-out clear rate; details give the
        named levels' test variants cleared and the rate by difficulty."""
        return self.test_on(genome, recurrent, self.test_episodes(), self._test_worlds)

    def test_on(self, genome: Genome, recurrent: bool, episodes: list[Episode],
                worlds: list[tuple] | None = None) -> TestResult:
        """`test` on another set of episodes made like the test set (named variants, then
        generated levels), e.g. level_sets.held_out_episodes(..., first=1_000_000)."""
        packed = pack_genome(genome, recurrent)
        self._check_sizes(packed)
        if worlds is None:
            worlds = [self.world(e) for e in episodes]
        cleared = self._cleared(worlds, packed)
        named: dict[str, int] = {name: 0 for name in self.options.levels}
        by_difficulty: dict[str, list[bool]] = {str(d): [] for d in HELDOUT_DIFFICULTIES}
        for episode, won in zip(episodes, cleared, strict=True):
            if episode.kind in named:
                named[episode.kind] += won
            else:
                by_difficulty[episode.kind.split("/")[1]].append(won)
        heldout = [won for wins in by_difficulty.values() for won in wins]
        rate = sum(heldout) / len(heldout)
        world_1 = all(n >= math.ceil(self.options.solve_rate * self.options.named_variants - 1e-9)
                      for n in named.values())
        details = {
            "named_cleared": named,
            "named_variants": self.options.named_variants,
            "world1_cleared": world_1,
            "heldout_by_difficulty": {d: sum(w) / len(w) for d, w in by_difficulty.items()},
        }
        return TestResult(rate, world_1 and rate >= self.options.solve_rate, len(episodes),
                          details)

    def replay(self, genome: Genome, recurrent: bool, episode: Episode,
               max_frames: int | None = None) -> EpisodeReplay:
        """`episode` played again frame by frame; its score is the one evaluate or test gives."""
        packed = pack_genome(genome, recurrent)
        self._check_sizes(packed)
        level = episode_level(episode)
        tiles, tile_map, spawn, start = world_arrays(level, self.options.grid)
        player, enemies = new_player(start[0], start[1]), new_enemies(spawn)
        net, values, scratch = packed.arrays, packed.new_values(), packed.new_values()
        inputs, outputs = np.empty(self.spec.n_inputs), np.empty(self.spec.n_outputs)
        frames: list[Frame] = []
        before = 0.0
        inputs[:] = 0.0
        while not episode_over(player, self.settings):
            if not self.options.blind:
                observe(tile_map, player, enemies, self.params, self.options.grid, inputs)
            activate_with(net, 0, recurrent, inputs, values, scratch, outputs)
            step(tiles, player, enemies, buttons_from_outputs(outputs), self.params)
            if max_frames is None or len(frames) < max_frames:
                score = episode_fitness(player, start)
                frames.append(Frame(inputs.tolist(), values.tolist(), outputs.tolist(),
                                    self._view(level, player, enemies), score - before))
                before = score
        return EpisodeReplay(episode, frames, episode_fitness(player, start), int(player[P_FRAME]))

    @cached_property
    def _test_worlds(self) -> list[tuple]:
        return [self.world(e) for e in self.test_episodes()]

    def world(self, episode: Episode) -> tuple:
        """The kernels' world tuple of `episode`."""
        return world_arrays(episode_level(episode), self.options.grid)

    def _play(self, worlds: list[tuple], packed: PackedNetworks) -> tuple[np.ndarray, np.ndarray]:
        """Summed score float64 (G,) over `worlds`, added level by level, and frames played."""
        total = np.zeros(len(packed))
        frames = np.zeros(len(packed), dtype=np.int64)
        fitness = np.zeros(len(packed))
        played = np.zeros(len(packed), dtype=np.int64)
        net, buffers = packed.arrays, (packed.new_values(), packed.new_values())
        for world in worlds:
            def play(first: int, last: int, world: tuple = world) -> None:
                play_range(first, last, net, packed.recurrent, world, self.params, self.settings,
                           (fitness, played), buffers)

            for_each_chunk(play, len(packed))
            total += fitness
            frames += played
        return total, frames

    def _cleared(self, worlds: list[tuple], packed: PackedNetworks) -> list[bool]:
        """Whether network 0 of `packed` reaches the flag in each of `worlds`."""
        flags = []
        for world in worlds:
            fitness, _ = self._play([world], packed)
            flags.append(bool(fitness[0] > MAX_PROGRESS_SCORE))
        return flags

    def _view(self, level: Level, player: np.ndarray, enemies: np.ndarray) -> dict[str, Any]:
        return world_view(level, player, enemies, self.params,
                          distance_tiles(player, level.start_x))

    def _check_sizes(self, packed: PackedNetworks) -> None:
        if (packed.n_inputs, packed.n_outputs) != (self.spec.n_inputs, self.spec.n_outputs):
            raise TaskError(
                f"task '{TASK_NAME}' needs networks with {self.spec.n_inputs} inputs and "
                f"{self.spec.n_outputs} outputs, got {packed.n_inputs} and {packed.n_outputs}; "
                "set the genome sizes from the task's spec."
            )


def make_task(options: dict[str, Any]) -> PlatformerTask:
    """The platformer task; options as in PlatformerOptions (all optional)."""
    o = parse_options(options)
    training = ", ".join(o.levels) + (f" and {o.random_levels} generated levels"
                                      if o.random_levels else "")
    spec = TaskSpec(
        name=TASK_NAME,
        n_inputs=n_inputs(o.grid, o.extra_inputs),
        n_outputs=len(BUTTON_NAMES),
        input_labels=input_labels(o.grid, o.extra_inputs),
        output_labels=BUTTON_NAMES,
        solved_at=math.inf,
        input_grid=(o.grid, o.grid),
        description=(
            f"Play a Mario-like platformer from a {o.grid}x{o.grid} tile view"
            + (" (blind: the view is blanked)" if o.blind else "")
            + f". Trains on {training} per generation; fitness: mean of 100 x progress to the "
            "flag + 100 at the flag."
        ),
        test_protocol=(
            f"every new champion plays {o.named_variants} test variants of each named level and "
            f"{o.heldout_levels} held-out generated levels (difficulties 1-3); solved when it "
            f"clears at least {o.solve_rate:.0%} of the held-out levels and of each named level's "
            "test variants"
        ),
        test_every_champion=True,
    )
    return PlatformerTask(spec, o)
