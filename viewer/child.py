"""The viewer's child process (`ViewerServer(..., process=True)`): serve an inherited listening
socket in a process of its own, so a page's replay never competes with evolution for the GIL.

Usage (by ViewerServer only): python -m viewer.child FD RUNS_DIR SETTINGS_JSON NICE
NICE lowers the process's scheduling priority (see `lower_priority`) before anything else
starts; the token (if any) comes in the environment variable NEAT_VIEWER_CHILD_TOKEN. Writes
"ready" on standard output once it accepts connections; exits on SIGTERM/SIGINT or when the parent
process is gone.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

import uvicorn

from viewer.main import create_app
from viewer.server import CHILD_READY, CHILD_TOKEN

PARENT_CHECK_SECONDS = 1.0


class _ReadyServer(uvicorn.Server):
    """Tells the parent on standard output once it accepts connections."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            sys.stdout.write(CHILD_READY + "\n")
            sys.stdout.flush()


def _exit_with_parent(parent: int) -> None:
    """Stop serving (gracefully, by SIGTERM) once the parent process has exited."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)


def lower_priority(nice: int) -> None:
    """Lower this process's scheduling priority by `nice` (0: leave it). Besides its own nice value,
    on Linux: its autogroup's (the child starts a session of its own, and where the kernel groups
    processes by session it shares the CPU between groups first, so a niced process alone in its
    group would still compete with evolution's group as an equal), and the batch policy, whose
    wake-ups never preempt the process running (evolution) but wait for its time slice to end."""
    if nice <= 0:
        return
    os.nice(nice)
    with suppress(OSError):  # no autogroups (kernel option, or not Linux)
        Path("/proc/self/autogroup").write_text(str(nice))
    if hasattr(os, "SCHED_BATCH"):
        with suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def main(argv: Sequence[str] | None = None) -> None:
    fd, runs_dir, settings_json, nice = argv if argv is not None else sys.argv[1:]
    lower_priority(int(nice))
    settings = json.loads(settings_json)
    if "static_dir" in settings:
        settings["static_dir"] = Path(settings["static_dir"])
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), name="parent-watch",
                     daemon=True).start()
    listener = socket.socket(fileno=int(fd))
    token = os.environ.pop(CHILD_TOKEN, "") or None
    config = uvicorn.Config(create_app(runs_dir, token=token, **settings), log_level="warning",
                            timeout_graceful_shutdown=2)
    _ReadyServer(config).run(sockets=[listener])


if __name__ == "__main__":
    main()
