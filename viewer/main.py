"""Build the viewer app: settings, shared state, routers, the static page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from viewer import live, runs
from viewer.deps import ViewerState
from viewer.security import AccessGuard, AccessPolicy
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

    # /docs and /redoc from assets fastapi-offline ships: no CDN, they work offline
    app = FastAPIOffline(
        title="neat-brain viewer",
        description="Runs, stats, champions and live replays of NEAT runs.",
        lifespan=lifespan,
        favicon_url="data:,",
        swagger_ui_parameters={"validatorUrl": None},  # the default sends the schema's URL out
    )
    app.state.viewer = state
    app.include_router(runs.router)
    app.include_router(live.router)
    app.mount("/", StaticFiles(directory=state.settings.static_dir, html=True), name="static")
    app.add_middleware(AccessGuard, policy=AccessPolicy(state.settings.host, state.settings.token))
    return app
