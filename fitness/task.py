"""What every task shares: scoring by episodes, the solved test, champion tests and episode records.

The interface itself (`Task`, `TaskSpec`, `Episode`, ...) belongs to the algorithm core
(`neat.task`); it is re-exported here, where tasks import it from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np

from neat.errors import CheckpointError
from neat.task import ChampionTest, Episode, EpisodeReplay, Frame, Task, TaskSpec

__all__ = ["ChampionTest", "Episode", "EpisodeReplay", "Frame", "Task", "TaskSpec", "champion_test",
           "episode_from_record", "episode_records", "mean_score", "replayed_fitness", "solved_mask"]

if TYPE_CHECKING:  # annotations only: the registry and these helpers load no numba
    from neat.genome import Genome
    from neat.network import PackedNetworks


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
    """How a run tests its champions on `task` (see neat.task.ChampionTest)."""
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
