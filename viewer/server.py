"""Run the viewer: `serve()` blocks (the `neat view` command), `ViewerServer` runs it in a
background thread with start()/stop() (tests, benchmarks and `neat run --view`)."""

from __future__ import annotations

import logging
import socket
import threading
from pathlib import Path
from typing import Any

import uvicorn

from viewer.main import create_app

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 30.0  # seconds


def serve(runs_dir: Path | str, host: str = "127.0.0.1", port: int = 8000, **settings: Any) -> None:
    """Serve the viewer for `runs_dir` at http://host:port/ until interrupted."""
    uvicorn.run(create_app(runs_dir, **settings), host=host, port=port, log_level="warning")


class _NotifyingServer(uvicorn.Server):
    """A uvicorn server that sets `ready` once it accepts connections (or failed to start)."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event):
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.ready.set()


class ViewerServer:
    """The viewer in a daemon thread. Port 0 picks a free port; `port` and `url` report it.

    >>> with ViewerServer("runs") as server:   # doctest: +SKIP
    ...     print(server.url)
    """

    def __init__(self, runs_dir: Path | str, host: str = "127.0.0.1", port: int = 0,
                 **settings: Any):
        self.app = create_app(runs_dir, **settings)
        self.host = host
        self._socket = socket.create_server((host, port))
        self.port: int = self._socket.getsockname()[1]
        self._server: _NotifyingServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ViewerServer:
        """Start serving; returns once the server accepts connections."""
        ready = threading.Event()
        config = uvicorn.Config(self.app, log_level="warning", timeout_graceful_shutdown=2)
        self._server = _NotifyingServer(config, ready)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]},
            name="neat-viewer", daemon=True,
        )
        self._thread.start()
        if not ready.wait(STARTUP_TIMEOUT) or not self._server.started:
            self.stop()
            raise RuntimeError(f"the viewer did not start on {self.url}")
        log.info("viewer serving %s", self.url)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread to finish (at most `timeout` seconds)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._socket.close()
        self._server = self._thread = None

    def __enter__(self) -> ViewerServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
