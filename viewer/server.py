"""Run the viewer: `serve()` blocks (the `neat view` command), `ViewerServer` runs it with
start()/stop() in a background thread (tests, benchmarks) or, with `process=True`, in a child process
of its own (`neat run --view`: the page's replay then never holds evolution's GIL)."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from viewer.main import create_app
from viewer.security import browse_host, choose_token, page_url

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 30.0  # seconds
CHILD_READY = "ready"  # what the child process (viewer/child.py) prints once it serves
CHILD_TOKEN = "NEAT_VIEWER_CHILD_TOKEN"  # the token reaches the child in its environment, which
# other users cannot read (its command line they can)
MAX_NICE = 19  # the lowest scheduling priority there is


def serve(runs_dir: Path | str, host: str = "127.0.0.1", port: int = 8000,
          announce: Callable[[str], None] | None = None, token: str | None = None,
          **settings: Any) -> None:
    """Serve the viewer for `runs_dir` at http://host:port/ until interrupted. Port 0 picks a free
    port; `announce` gets the page's address (with the token, see viewer/security.py) once the
    port is bound (so it is the real one)."""
    token = choose_token(host, token)
    listener = listen(host, port)
    if announce is not None:
        announce(page_url(host, listener.getsockname()[1], token))
    config = uvicorn.Config(create_app(runs_dir, host=host, token=token, **settings),
                            log_level="warning", timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[listener])


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on `host` (an IPv4 or IPv6 address or a name) and `port`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host.strip("[]"), port), family=family)


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
    """The viewer in a daemon thread, or in a child process with `process=True`. Port 0 picks a
    free port; `port` and `url` report it (the socket is bound at construction). `nice` (0 to 19,
    child process only) lowers the child's scheduling priority by that much, so that the server
    yields the CPU to a busy evolution in the parent. `token`: required of every request; one is
    generated when `host` is not a loopback address (see viewer/security.py).

    >>> with ViewerServer("runs") as server:   # doctest: +SKIP
    ...     print(server.url)
    """

    def __init__(self, runs_dir: Path | str, host: str = "127.0.0.1", port: int = 0, *,
                 process: bool = False, nice: int = 0, token: str | None = None,
                 **settings: Any):
        if not (isinstance(nice, int) and 0 <= nice <= MAX_NICE):
            raise ValueError(f"nice must be an integer from 0 to {MAX_NICE}, got {nice!r}")
        if nice and not process:
            raise ValueError("nice applies to the viewer's child process: pass process=True")
        self.runs_dir = Path(runs_dir)
        self.nice = nice
        self.host = host
        self.token = choose_token(host, token)
        self.settings = {"host": host, **settings}
        self.app = None if process else create_app(runs_dir, token=self.token, **self.settings)
        self._socket = listen(host, port)
        self.port: int = self._socket.getsockname()[1]
        self._server: _NotifyingServer | None = None
        self._thread: threading.Thread | None = None
        self._child: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        """http://host:port of the server, as reached from this machine."""
        return f"http://{browse_host(self.host)}:{self.port}"

    def page_url(self, run: str | None = None) -> str:
        """The address to open: the run list or run `run`'s page, with the token if any."""
        return page_url(self.host, self.port, self.token, run)

    def start(self) -> ViewerServer:
        """Start serving; returns once the server accepts connections."""
        if self.app is None:
            self._start_child()
        else:
            self._start_thread(self.app)
        log.info("viewer serving %s", self.url)
        return self

    def _start_thread(self, app: FastAPI) -> None:
        ready = threading.Event()
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2)
        self._server = _NotifyingServer(config, ready)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]},
            name="neat-viewer", daemon=True,
        )
        self._thread.start()
        if not ready.wait(STARTUP_TIMEOUT) or not self._server.started:
            self.stop()
            raise RuntimeError(f"the viewer did not start on {self.url}")

    def _start_child(self) -> None:
        fd = self._socket.fileno()
        settings = json.dumps(self.settings, default=str)
        self._child = subprocess.Popen(
            [sys.executable, "-m", "viewer.child", str(fd), str(self.runs_dir.resolve()), settings,
             str(self.nice)],
            pass_fds=(fd,), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
            env={**os.environ, CHILD_TOKEN: self.token or ""},
            start_new_session=True,  # a terminal's Ctrl-C stops the run, which stops the viewer
        )
        ready, started = threading.Event(), threading.Event()
        threading.Thread(target=_watch_child, args=(self._child, ready, started),
                         daemon=True).start()
        if not ready.wait(STARTUP_TIMEOUT) or not started.is_set():
            self.stop()
            raise RuntimeError(f"the viewer did not start on {self.url}")
        self._socket.close()  # the child owns the listening socket now

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread or process to finish (at most `timeout` s)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._child is not None:
            self._child.terminate()
            try:
                self._child.wait(timeout)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()
        self._socket.close()
        self._server = self._thread = self._child = None

    def __enter__(self) -> ViewerServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _watch_child(child: subprocess.Popen[str], ready: threading.Event,
                 started: threading.Event) -> None:
    """Set `started` and `ready` when the child reports that it serves, or only `ready` when it
    ends first; then drain its output."""
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == CHILD_READY:
            started.set()
            ready.set()
    ready.set()
