"""Champion replays: build each run's task once, replay a champion, encode its frames as JSON.

A replay (layout plus every frame) is computed in a worker thread once per champion file and
episode and shared by every client; a small LRU keeps the most recent ones. A frame is encoded as
JSON the first time a client asks for it: a page following a live run switches to each new
champion long before its episode ends, so most frames of most replays are never sent. Pictures of
a gymnasium environment's frames are likewise made only when a batch of frames is first sent (the
task's PictureSource renders them, in a worker thread); a frame's JSON carries its picture in
base64.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fitness.registry import make_task
from fitness.task import Frame, Task, TaskSpec, episode_from_record
from neat.errors import NeatError
from neat.genome import Genome
from neat.serialize import genome_from_dict
from neat.task import PictureSource
from viewer.layout import compute_layout
from viewer.rundir import RunStore, file_signature

log = logging.getLogger(__name__)


class EncodedFrames:
    """A replayed episode's frames, each encoded as compact JSON when first asked for.

    Activations, actions and rewards are kept as arrays (rounded to 4 decimals, NaN and infinities
    as 0), the world dicts as the task made them, pictures as their encoded bytes; observations are
    dropped (the page never shows them). Indexing returns the JSON text of one frame: its
    "activations", "action", "world", "reward" and, for a frame with a picture, "image" (base64).
    """

    def __init__(self, frames: Sequence[Frame], source: PictureSource | None = None):
        self.activations = _rounded([f.activations for f in frames])
        self.actions = _rounded([f.action for f in frames])
        self.rewards = _rounded([f.reward for f in frames])
        self.worlds = [f.world for f in frames]
        self.images = [f.image for f in frames]
        self.source = source  # makes the pictures on demand (prepare)
        self._encoded: list[str | None] = [None] * len(frames)

    def __len__(self) -> int:
        return len(self._encoded)

    @property
    def pictures(self) -> bool:
        """Whether the frames carry pictures (a rendered gymnasium environment)."""
        return self.source is not None or any(image is not None for image in self.images)

    @property
    def pictures_failed(self) -> str:
        """Why the frames from some point on carry no picture (the environment failed to draw
        one), for people; empty while pictures come."""
        return "" if self.source is None else self.source.failed

    def prepare(self, indices: Sequence[int]) -> None:
        """Make the pictures of frames `indices` that the source makes on demand (blocking: call
        it in a worker thread) before they are indexed."""
        if self.source is None:
            return
        wanted = [k for k in indices if self.images[k] is None and self._encoded[k] is None]
        if wanted:
            for k, image in zip(wanted, self.source.get(wanted), strict=True):
                self.images[k] = image

    def __getitem__(self, index: int) -> str:
        text = self._encoded[index]
        if text is None:
            image = self.images[index]
            picture = "" if image is None else f',"image":"{base64.b64encode(image).decode()}"'
            text = self._encoded[index] = (
                f'{{"activations":{_json_list(self.activations[index])},'
                f'"action":{_json_list(self.actions[index])},'
                f'"world":{encode_world(self.worlds[index])},"reward":{float(self.rewards[index])!r}'
                f"{picture}}}"
            )
        return text


SCORED, TEST = "scored", "test"
EpisodeChoice = tuple[str, int]
"""Which episode a page replays: (SCORED, k), the k-th episode the champion's fitness is the mean
score of, or (TEST, k), the k-th episode of its task's test."""


@dataclass(frozen=True)
class Replay:
    """One champion's drawable layout and one of its episodes (scored or test), played again."""

    run: str
    generation: int
    champion_id: int
    fitness: float | None
    layout: dict[str, Any]
    frames: EncodedFrames
    error: str | None  # why there are no frames (task unavailable, replay failed)
    choice: EpisodeChoice = (SCORED, 0)
    episode: str = ""  # the episode's label
    episode_score: float | None = None  # its score, as the evaluation (or the test) counts it
    scored: tuple[str, ...] = ()  # labels of the episodes the fitness is the mean score of
    test_episodes: tuple[str, ...] = ()  # labels of the task's test episodes
    test: dict[str, Any] | None = None  # the champion's test result, when it was tested
    notice: str = ""  # why the game is not shown as it looks (an environment that cannot render)
    frame_rate: float = TaskSpec.frame_rate  # frames a second of game time (the task's)
    output_bounds: tuple[tuple[float, float], ...] | None = None  # the task's, for value outputs


class TaskCache:
    """One task object per run, rebuilt when the run's config.toml changes."""

    def __init__(self, store: RunStore):
        self.store = store
        self._lock = threading.Lock()
        self._tasks: dict[str, tuple[tuple, Task | None, str | None]] = {}

    def task(self, run: str) -> Task:
        """The run's task; ValueError (with the reason) when it cannot be built."""
        sig = file_signature(self.store.run_dir(run) / "config.toml")
        with self._lock:
            cached = self._tasks.get(run)
            if cached is None or cached[0] != sig:
                try:
                    config = self.store.config(run)
                    cached = (sig, make_task(config.run.task, config.task), None)
                except (NeatError, ValueError, ImportError) as exc:
                    cached = (sig, None, f"task unavailable: {exc}")
                self._tasks[run] = cached
        if cached[1] is None:
            raise ValueError(cached[2])
        return cached[1]

    def spec(self, run: str) -> TaskSpec | None:
        try:
            return self.task(run).spec
        except ValueError:
            return None


def champion_genome(store: RunStore, run: str, generation: int | None
                    ) -> tuple[int, Genome, dict[str, Any]]:
    """(generation, Genome, champion record) of `generation` (None: the newest); ValueError when
    the record is not a valid genome."""
    generation, champion = store.champion(run, generation)
    return generation, genome_from_dict(champion), champion


def champion_layout(
    genome: Genome, champion: dict[str, Any], spec: TaskSpec | None
) -> dict[str, Any]:
    """Layout labelled by the task's spec, or by the labels stored in the champion file."""
    if spec is not None:
        return compute_layout(genome, spec.input_labels, spec.output_labels, spec.input_grid)
    return compute_layout(
        genome, champion.get("input_labels") or (), champion.get("output_labels") or ()
    )


class ReplayStore:
    """Replays by (run, generation, episode choice), computed once in a worker thread and shared by
    all clients."""

    def __init__(self, store: RunStore, tasks: TaskCache, max_frames: int, cache_size: int):
        self.store = store
        self.tasks = tasks
        self.max_frames = max_frames
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple, Replay] = OrderedDict()
        self._pending: dict[tuple, asyncio.Future[Replay]] = {}

    async def get(self, run: str, generation: int, choice: EpisodeChoice = (SCORED, 0)) -> Replay:
        """The replay of the champion of `generation` on episode `choice` (UnsafePathError if it
        has none, ValueError if the champion file is invalid)."""
        return await asyncio.shield(self.load(run, generation, choice))

    def load(self, run: str, generation: int, choice: EpisodeChoice = (SCORED, 0)
             ) -> asyncio.Future[Replay]:
        """The replay as a future: done at once when it is cached, else when the worker thread
        computing it (started now, or by an earlier call) finishes; UnsafePathError at once if the
        champion does not exist. Callers may go on with other work while it is computed."""
        _, path = self.store.champion_path(run, generation)
        key = (run, generation, choice, file_signature(path))
        if key in self._cache:
            self._cache.move_to_end(key)
            done: asyncio.Future[Replay] = asyncio.get_running_loop().create_future()
            done.set_result(self._cache[key])
            return done
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(
                asyncio.to_thread(self._compute, run, generation, choice))
            self._pending[key] = pending
            pending.add_done_callback(lambda done: self._finish(key, done))
        return pending

    def _finish(self, key: tuple, done: asyncio.Future[Replay]) -> None:
        self._pending.pop(key, None)
        if done.cancelled() or done.exception() is not None:
            return
        self._cache[key] = done.result()
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _compute(self, run: str, generation: int, choice: EpisodeChoice) -> Replay:
        generation, genome, champion = champion_genome(self.store, run, generation)
        fitness = champion.get("fitness")
        fitness = float(fitness) if isinstance(fitness, int | float) else None
        test = champion.get("test") if isinstance(champion.get("test"), dict) else None
        try:
            task = self.tasks.task(run)
        except ValueError as exc:
            layout = champion_layout(genome, champion, None)
            return Replay(run, generation, genome.key, fitness, layout, EncodedFrames([]),
                          str(exc), test=test)
        layout = champion_layout(genome, champion, task.spec)
        records = champion.get("episodes")
        if not isinstance(records, list) or not records:
            return Replay(run, generation, genome.key, fitness, layout, EncodedFrames([]),
                          "this champion file does not record the episodes it was scored on "
                          "(written by an older version), so there is nothing true to replay",
                          test=test)
        try:
            scored = [episode_from_record(record) for record in records]
            tests = task.test_episodes()
            kind, index = choice
            episodes = scored if kind == SCORED else tests
            if not 0 <= index < len(episodes):
                kind, index = SCORED, 0
            episode = (scored if kind == SCORED else tests)[index]
            config = self.store.config(run)
            replay = task.replay(genome, not config.genome.feed_forward, episode, self.max_frames)
        except Exception as exc:  # a task's own bug must not take the viewer down
            log.exception("replay of run %s generation %d failed", run, generation)
            return Replay(run, generation, genome.key, fitness, layout, EncodedFrames([]),
                          f"replay failed: {type(exc).__name__}: {exc}", test=test)
        return Replay(run, generation, genome.key, fitness, layout,
                      EncodedFrames(replay.frames, replay.pictures),
                      None, (kind, index), episode.label, replay.score,
                      tuple(e.label for e in scored), tuple(e.label for e in tests), test,
                      replay.notice, task.spec.frame_rate, task.spec.output_bounds)


def encode_world(world: dict[str, Any]) -> str:
    """A frame's world dict as compact JSON: numpy values made plain, non-finite numbers as 0.
    Worlds made of plain values (the usual case) go straight to the C encoder."""
    try:
        return json.dumps(world, separators=(",", ":"), allow_nan=False, default=_plain_numpy)
    except ValueError:  # a NaN or infinity somewhere
        return json.dumps(_jsonable(world), separators=(",", ":"), allow_nan=False)


def _rounded(values: Sequence[Any]) -> np.ndarray:
    """`values` (numbers or equal-length rows) as a float array rounded to 4 decimals, NaN and
    infinities as 0."""
    array = np.asarray(values, dtype=np.float64)
    return np.round(np.where(np.isfinite(array), array, 0.0), 4)


def _json_list(row: np.ndarray) -> str:
    return json.dumps(row.tolist(), separators=(",", ":"))


def _plain_numpy(value: Any) -> Any:
    """json.dumps' fallback for numpy arrays and scalars."""
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _finite(value: Any) -> float:
    value = float(value)
    return round(value, 4) if math.isfinite(value) else 0.0


def _jsonable(value: Any) -> Any:
    """`value` with numpy arrays and scalars turned into plain lists and numbers, floats rounded
    to 4 decimals and non-finite ones made 0."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return _finite(value)
    return value
