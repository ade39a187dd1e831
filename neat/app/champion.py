"""Evolved champions for users: load one from a run and run its network, compiled, on your inputs.

```python
from neat.app.champion import load_champion

net = load_champion("runs/pole", "best")       # or a file: runs/pole/champions/gen-000012.json
outputs = net.activate([0.01, 0.0, -0.02, 0.0])  # one observation -> (n_outputs,)
net.reset()                                      # forget the recurrent state (a new episode)
print(net.test().score)                          # its task's held-out test
```

The network runs the same compiled kernels as training (neat.network), so its outputs are those
the champion was scored with. Loading reads the champion file (and the one it refers to) and the
run's config.toml; the task, and with it gymnasium or the game, is imported only by the methods
that play it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from neat.app.rundir import (
    CHAMPION_FILE,
    CHAMPIONS,
    GenerationChoice,
    RunDirectory,
    champion_name,
    is_run_dir,
    parse_generation_choice,
    read_champion_file,
)
from neat.errors import CheckpointError, ConfigError, NetworkInputError, RunFileError
from neat.genome import Genome
from neat.network import activate_rows, pack_genome
from neat.report import TestResult
from neat.serialize import genome_from_dict

if TYPE_CHECKING:
    from fitness.task import Episode, EpisodeReplay, Task


class Champion:
    """A genome's network compiled for use, with what its champion file says about it.

    `activate` takes one observation, `activate_batch` a batch of B observations played by B
    independent copies of the network (B parallel episodes). A recurrent network keeps its state
    per row between calls until `reset()`; feed-forward networks keep none.
    """

    def __init__(self, genome: Genome, recurrent: bool, record: dict[str, Any] | None = None,
                 task_options: dict[str, Any] | None = None, path: Path | None = None):
        self.genome = genome
        self.recurrent = recurrent
        self.record = dict(record or {})
        """The champion file's record: generation, fitness, task, labels, episodes, test."""
        self.task_options = dict(task_options or {})
        """The run's [task] options (how its task was built)."""
        self.path = path
        packed = pack_genome(genome, recurrent)
        self._net = tuple(packed.arrays)  # a plain tuple passes in faster (docs/architecture.md)
        self._scratch = packed.new_values()
        self._values = np.zeros((0, len(self._scratch)))
        self._task: Task | None = None

    @property
    def n_inputs(self) -> int:
        return self.genome.n_inputs

    @property
    def n_outputs(self) -> int:
        return self.genome.n_outputs

    @property
    def input_labels(self) -> list[str]:
        return list(self.record.get("input_labels") or [])

    @property
    def output_labels(self) -> list[str]:
        return list(self.record.get("output_labels") or [])

    @property
    def generation(self) -> int | None:
        return self.record.get("generation")

    @property
    def fitness(self) -> float | None:
        """Its training fitness, as the champion file stores it."""
        return self.record.get("fitness")

    @property
    def task_name(self) -> str | None:
        return self.record.get("task")

    def activate(self, observation: ArrayLike) -> np.ndarray:
        """One activation: `observation` (n_inputs,) -> outputs (n_outputs,)."""
        inputs = np.asarray(observation, dtype=np.float64)
        if inputs.shape != (self.n_inputs,):
            raise NetworkInputError(f"activate takes one observation of {self._inputs_text()}, "
                                    f"got shape {inputs.shape}; use activate_batch for several")
        return self.activate_batch(inputs[None, :])[0]

    def activate_batch(self, observations: ArrayLike) -> np.ndarray:
        """One activation of B copies of the network: (B, n_inputs) -> (B, n_outputs)."""
        inputs = np.ascontiguousarray(observations, dtype=np.float64)
        if inputs.ndim != 2 or inputs.shape[1] != self.n_inputs:
            raise NetworkInputError(f"activate_batch takes rows of {self._inputs_text()} (shape "
                                    f"(B, {self.n_inputs})), got shape {inputs.shape}")
        if len(inputs) != len(self._values):
            if self.recurrent and self._values.any():
                raise NetworkInputError(
                    f"this recurrent network holds the state of {len(self._values)} episode(s); "
                    f"call reset() before activating {len(inputs)}")
            self._values = np.zeros((len(inputs), len(self._scratch)))
        outputs = np.empty((len(inputs), self.n_outputs))
        activate_rows(self._net, self.recurrent, inputs, self._values, self._scratch, outputs)
        return outputs

    def reset(self) -> None:
        """Forget the recurrent state (call it between episodes)."""
        self._values = np.zeros((0, len(self._scratch)))

    def task(self) -> Task:
        """The task it was evolved on, built as its run built it (once)."""
        if self._task is None:
            if not self.task_name:
                raise ConfigError("this champion's record names no task; pass task= yourself "
                                  "(fitness.registry.make_task)")
            from fitness.registry import make_task

            self._task = make_task(self.task_name, self.task_options)
        return self._task

    def episodes(self, test: bool = False) -> list[Episode]:
        """The episodes it was scored on (from its file), or with `test` its task's test episodes."""
        if test:
            return self.task().test_episodes()
        from fitness.task import episode_from_record

        records = self.record.get("episodes")
        if not isinstance(records, list):
            raise CheckpointError("this champion file does not record the episodes it was scored "
                                  "on (an older file); use episodes(test=True)")
        return [episode_from_record(r) for r in records]

    def play(self, episode: Episode, max_frames: int | None = 0,
             task: Task | None = None) -> EpisodeReplay:
        """Play `episode` on its task (or `task`): the score and steps, and the first `max_frames`
        frames (None: the task's default)."""
        return (task or self.task()).replay(self.genome, self.recurrent, episode, max_frames)

    def test(self, task: Task | None = None) -> TestResult:
        """Its task's (or `task`'s) test on held-out episodes, as a run tests its champions."""
        return (task or self.task()).test(self.genome, self.recurrent)

    def _inputs_text(self) -> str:
        labels = self.input_labels
        named = f" ({', '.join(labels)})" if labels and len(labels) <= 8 else ""
        return f"{self.n_inputs} inputs{named}"

    def __repr__(self) -> str:
        kind = "recurrent" if self.recurrent else "feed-forward"
        return (f"Champion(task={self.task_name!r}, generation={self.generation}, "
                f"fitness={self.fitness}, {self.n_inputs} inputs, {self.n_outputs} outputs, {kind})")


def load_champion(path: str | Path, generation: GenerationChoice | str = None, *,
                  recurrent: bool | None = None) -> Champion:
    """A champion ready to run. `path` is a run folder (then `generation`: a number, "best" or
    "latest"/None for the newest) or a champion file. A file inside a run's champions/ folder is
    read through its run (its network type and task options come from the run's config); a file
    on its own needs `recurrent` (True when its run had genome.feed_forward = false)."""
    path = Path(path)
    choice = parse_generation_choice(generation)
    if not path.exists():
        raise RunFileError(f"{path} does not exist; give a run folder or a champion file")
    if path.is_dir():
        if not is_run_dir(path):
            raise ConfigError(f"{path} is not a run folder (no config.toml or stats.jsonl)")
        return _from_run(RunDirectory(path), choice, recurrent)
    if choice is not None:
        raise ConfigError(f"{path} is a champion file: a generation is chosen only with a run folder")
    match = CHAMPION_FILE.fullmatch(path.name)
    run = path.parent.parent
    if match and path.parent.name == CHAMPIONS and is_run_dir(run):
        return _from_run(RunDirectory(run), int(match.group(1)), recurrent)
    if recurrent is None:
        raise ConfigError(f"{path} is not inside a run's champions/ folder, so its network type is "
                          "unknown: pass recurrent=True or False (its run's genome.feed_forward "
                          "= false means recurrent)")
    record = read_champion_file(path)
    return Champion(_genome(record, recurrent, path), recurrent, record, path=path)


def _from_run(run: RunDirectory, choice: GenerationChoice, recurrent: bool | None) -> Champion:
    config = run.read_config()
    if recurrent is not None and recurrent == config.genome.feed_forward:
        raise ConfigError(f"run {run.path} evolved {'feed-forward' if recurrent else 'recurrent'} "
                          f"networks (genome.feed_forward = {str(config.genome.feed_forward).lower()}"
                          "); leave recurrent out")
    generation, record = run.read_champion(choice)
    path = run.champions / champion_name(generation)
    recurrent = not config.genome.feed_forward
    return Champion(_genome(record, recurrent, path), recurrent, record, config.task, path)


def _genome(record: dict[str, Any], recurrent: bool, path: Path) -> Genome:
    try:
        return genome_from_dict(record, feed_forward=not recurrent)
    except CheckpointError as exc:
        raise CheckpointError(f"champion {path}: {exc}") from None
