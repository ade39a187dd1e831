"""Build the viewer app: settings, shared state, routers, the static page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from viewer import live, runs
from viewer.deps import ViewerState
from viewer.settings import ViewerSettings


def create_app(runs_dir: Path | str, **settings: Any) -> FastAPI:
    """The viewer app for the runs under `runs_dir`; `settings` override ViewerSettings fields."""
    state = ViewerState.build(ViewerSettings(runs_dir=Path(runs_dir), **settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await state.watcher.poll()
        state.watcher.start()
        try:
            yield
        finally:
            await state.watcher.stop()

    app = FastAPI(
        title="neat-brain viewer",
        description="Runs, stats, champions and live replays of NEAT runs.",
        lifespan=lifespan,
    )
    app.state.viewer = state
    app.include_router(runs.router)
    app.include_router(live.router)
    app.mount("/", StaticFiles(directory=state.settings.static_dir, html=True), name="static")
    return app
