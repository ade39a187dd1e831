"""Shared state and request dependencies: the stores, validated run names and generations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException
from starlette.requests import HTTPConnection

from neat.app.rundir import BEST
from viewer.paths import UnsafePathError, parse_generation
from viewer.replay import ReplayStore, TaskCache
from viewer.rundir import RunStore
from viewer.settings import ViewerSettings
from viewer.watcher import RunWatcher


@dataclass
class ViewerState:
    """Everything the routes share; one per app (`app.state.viewer`)."""

    settings: ViewerSettings
    store: RunStore
    tasks: TaskCache
    replays: ReplayStore
    watcher: RunWatcher

    @classmethod
    def build(cls, settings: ViewerSettings) -> ViewerState:
        store = RunStore(settings.runs_dir)
        tasks = TaskCache(store)
        replays = ReplayStore(store, tasks, settings.max_replay_frames, settings.replay_cache_size)
        return cls(settings, store, tasks, replays, RunWatcher(store, settings.poll_interval))


def get_state(connection: HTTPConnection) -> ViewerState:
    return connection.app.state.viewer


State = Annotated[ViewerState, Depends(get_state)]


def valid_run(run: str, state: State) -> str:
    """The run name from the path, 404 unless it names a run directory inside the runs folder."""
    try:
        state.store.run_dir(run)
    except UnsafePathError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return run


Run = Annotated[str, Depends(valid_run)]


def valid_generation(run: Run, gen: str, state: State) -> int | None:
    """The generation from the path: a number, None for 'latest', the run's best champion's for
    'best' (neat.app.rundir.best_champion); 400 if it is none of them, 404 without a best champion."""
    try:
        choice = parse_generation(gen)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    if choice != BEST:
        return choice
    best = state.store.best_champion(run)
    if best is None:
        raise HTTPException(status_code=404, detail=f"run '{run}' has no scored generation yet")
    return best.generation


Generation = Annotated[int | None, Depends(valid_generation)]
