"""The task interface of the algorithm core: what a game or benchmark declares so NEAT can evolve
networks for it, score its champions on held-out test episodes, and replay exactly the episodes a
champion was scored on. Tasks (`fitness/`) implement it; the app and the viewer use it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:  # annotations only: the interface loads no numba
    from neat.genome import Genome
    from neat.network import PackedNetworks
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
    test_protocol: str = ""
    """What `test` plays and when it counts as solved, in words (shown by `neat tasks`)."""
    test_every_champion: bool = False
    """Test every new champion (not only those that pass training), e.g. for a held-out score."""
    champion_choice: str = "best"
    """Which genome is a generation's champion, the one tested (ChampionTest's `choose`: "best",
    or "species" with test_every_champion)."""
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

    failed: str
    """Why the environment stopped giving pictures, for people; empty while it gives them."""

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


CHAMPION_CHOICES = ("best", "species")


@dataclass(frozen=True)
class ChampionTest:
    """How a run tests its champions: `run(genome)` plays the task's held-out test episodes.

    A champion is tested when it passes training (the solved test of `step`), or, with
    `every_champion`, whenever the generation's champion is a genome not tested yet. "Solved" then
    means the test says so.

    `choose` says which genome is the generation's champion (and so the one tested) while none
    passes training (when some do, it is the fittest of those):
      - "best": the fittest genome (the NEAT paper's "generation champion").
      - "species" (needs `every_champion`): a rotation over species, as NEAT C++ 1.2's double
        pole experiment chooses the network it tests: the champion of the best species (by its
        best fitness this generation) not tested since its best fitness last rose, or of the best
        species when all were (see neat.species.species_champion). A lineage that holds the top
        without passing the test then gives way to the next species.
    """

    run: Callable[[Genome], TestResult]
    every_champion: bool = False
    choose: str = "best"

    def __post_init__(self) -> None:
        if self.choose not in CHAMPION_CHOICES:
            raise ValueError(f"ChampionTest.choose must be one of {', '.join(CHAMPION_CHOICES)}, "
                             f"got {self.choose!r}")
        if self.choose == "species" and not self.every_champion:
            raise ValueError('ChampionTest.choose = "species" tests a champion every generation, '
                             "so it needs every_champion = True")
