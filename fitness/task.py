"""The task interface: what a game or benchmark declares so NEAT can evolve networks for it, score
its champions on held-out test episodes, and replay exactly the episodes a champion was scored on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from neat.errors import CheckpointError
from neat.genome import Genome
from neat.network import PackedNetworks
from neat.population import ChampionTest
from neat.report import TestResult


@dataclass(frozen=True)
class TaskSpec:
    """Name, sizes and labels of a task, what passes training, and how champions are tested."""

    name: str
    n_inputs: int
    n_outputs: int
    input_labels: tuple[str, ...]
    output_labels: tuple[str, ...]
    solved_at: float
    """Training fitness at which a genome passes training (and its test is run)."""
    input_grid: tuple[int, int] | None = None  # (rows, cols) when the first inputs form a tile grid
    description: str = ""
    presets: tuple[str, ...] = ()
    """Config overrides ("section.key=value") the task applies before the user's config, e.g.
    recurrent networks for a task that needs memory."""
    test_protocol: str = ""
    """What `test` plays and when it counts as solved, in words (shown by `neat tasks`)."""
    test_every_champion: bool = False
    """Test every new champion (not only those that pass training), e.g. for a held-out score."""
    champion_choice: str = "best"
    """Which genome is a generation's champion, the one tested (neat.population.ChampionTest's
    `choose`: "best", or "species" with test_every_champion)."""
    frame_rate: float = 60.0
    """Replay frames a second of game time: the rate a replay plays at 1x (the viewer, GIFs)."""
    output_bounds: tuple[tuple[float, float], ...] | None = None
    """(low, high) of each output's action value when the outputs are values (a gymnasium Box
    action space); None when they are buttons or choices, pressed when their action is above 0.5."""


@dataclass(frozen=True)
class Episode:
    """One episode of a task, enough to play it again exactly: its seed (start state, level or
    level variant), its kind where a task has several (a level's name, a trial), and a label for
    people."""

    seed: int
    label: str
    kind: str = ""


@dataclass
class Frame:
    """One step of a replay: what the network saw, every node's value, what it did, the world."""

    observation: list[float]
    activations: list[float]  # aligned with genome.node_id
    action: list[float]
    """One value per output: the network's outputs, where an output above 0.5 presses its button
    (platformer), or the action as the task took it: 1.0 for the chosen action and 0.0 for the
    others (an argmax), or each action value within its spec.output_bounds."""
    world: dict[str, Any] = field(default_factory=dict)  # small JSON-able drawable state
    reward: float = 0.0
    image: bytes | None = None
    """The environment's own picture of the state the network saw, a WebP image
    (fitness.gym_render), for tasks that show a gymnasium environment's rendered frames."""


class PictureSource(Protocol):
    """Pictures of a replay's frames made when they are asked for (fitness.gym_render)."""

    def get(self, indices: Sequence[int]) -> list[bytes | None]:
        """The pictures of frames `indices` (None where there is none), in that order."""
        ...


@dataclass
class EpisodeReplay:
    """An episode played again: its frames (at most the `max_frames` asked for), the score
    `evaluate` gives it, and how many steps it lasted (which may be more than len(frames))."""

    episode: Episode
    frames: list[Frame]
    score: float
    steps: int
    notice: str = ""
    """Why the frames carry no pictures of a game that has them (the environment cannot render),
    for people; empty otherwise."""
    pictures: PictureSource | None = None
    """The frames' pictures, made when asked for (rendering every frame of every replay up front
    cost a viewer following a live run a quarter of a core); None when there are none."""

    def pictured_frames(self) -> list[Frame]:
        """The frames with their pictures (all made now when they are made on demand)."""
        if self.pictures is None:
            return self.frames
        images = self.pictures.get(range(len(self.frames)))
        return [replace(f, image=image) for f, image in zip(self.frames, images, strict=True)]


class Task(Protocol):
    spec: TaskSpec

    def evaluate(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray:
        """Fitness of every packed network, shape (G,): the mean score of its `episodes`, where
        the base seed is the task's one draw from `rng` (fitness.seeding.draw_base_seed), so
        results never depend on thread count or chunking."""
        ...

    def episodes(self, base_seed: int, genome_id: int) -> list[Episode]:
        """The episodes `evaluate` scores genome `genome_id` on, in order, for `base_seed`."""
        ...

    def replay(self, genome: Genome, recurrent: bool, episode: Episode,
               max_frames: int | None = None) -> EpisodeReplay:
        """Play `episode` with `genome` and record its steps (the first `max_frames`)."""
        ...

    def test_episodes(self) -> list[Episode]:
        """The held-out episodes `test` plays (seeds training never uses)."""
        ...

    def test(self, genome: Genome, recurrent: bool) -> TestResult:
        """Score `genome` on the test episodes and say whether that solves the task."""
        ...


def mean_score(scores: Sequence[float]) -> float:
    """The fitness of a genome from its episode scores, summed in episode order as `evaluate`
    does (so a replay gives back the stored fitness bit for bit)."""
    total = 0.0
    for score in scores:
        total += score
    return total / len(scores)


def solved_mask(task: Task, packed: PackedNetworks, fitness: np.ndarray) -> np.ndarray:
    """Which genomes pass training, shape (G,) bool: the task's own `solved(packed, fitness)` test
    when it has one, else fitness >= spec.solved_at."""
    solved = getattr(task, "solved", None)
    if callable(solved):
        return np.asarray(solved(packed, fitness), dtype=bool)
    return np.asarray(fitness, dtype=np.float64) >= task.spec.solved_at


def champion_test(task: Task, recurrent: bool) -> ChampionTest:
    """How a run tests its champions on `task` (see neat.population.ChampionTest)."""
    return ChampionTest(lambda genome: task.test(genome, recurrent), task.spec.test_every_champion,
                        task.spec.champion_choice)


def episode_records(task: Task, base_seed: int, genome_id: int) -> list[dict[str, Any]]:
    """The episodes `task` scored genome `genome_id` on, as JSON-able records (champion files)."""
    return [asdict(e) for e in task.episodes(base_seed, genome_id)]


def episode_from_record(record: Any) -> Episode:
    """An Episode from a champion file's record; CheckpointError when it is malformed."""
    if (not isinstance(record, dict) or set(record) != {"seed", "label", "kind"}
            or not isinstance(record["seed"], int) or isinstance(record["seed"], bool)
            or not 0 <= record["seed"] < 2**64 or not isinstance(record["label"], str)
            or not isinstance(record["kind"], str)):
        raise CheckpointError(f"not an episode record (seed, label, kind): {str(record)[:80]}")
    return Episode(record["seed"], record["label"], record["kind"])


def replayed_fitness(task: Task, genome: Genome, recurrent: bool, records: Any) -> float:
    """The fitness of `genome` from playing again the episodes of a champion file's `records`
    (its "episodes" list): equal to the stored fitness when the replay is true."""
    if not isinstance(records, list) or not records:
        raise CheckpointError("the champion file does not record the episodes it was scored on")
    episodes = [episode_from_record(record) for record in records]
    return mean_score([task.replay(genome, recurrent, e, max_frames=0).score for e in episodes])
