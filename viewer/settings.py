"""The viewer's settings, in one place: where runs live, who may connect, polling and timeout
intervals (seconds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import viewer


def find_static_dir() -> Path:
    """The page's folder: the repo's top-level static/, or, in an installed wheel, viewer/static
    (pyproject maps static/ to the package `viewer.static`)."""
    package = Path(viewer.__file__).resolve().parent
    source_tree = package.parent / "static"
    if (source_tree / "index.html").is_file():
        return source_tree
    return package / "static"


@dataclass(frozen=True)
class ViewerSettings:
    """Everything the server can be tuned with. Times are in seconds."""

    runs_dir: Path
    host: str = "127.0.0.1"  # the address listened on; decides which Host headers are served
    token: str | None = None  # required of every request when set (viewer/security.py)
    poll_interval: float = 0.5  # how often the shared watcher looks at run directories
    send_timeout: float = 5.0  # a client that takes longer to accept one message is dropped
    heartbeat_interval: float = 10.0  # server -> client {"type": "ping"} period
    heartbeat_timeout: float = 40.0  # close a connection that sent nothing for this long
    follow_switch_seconds: float = 8.0  # when following the newest champion, longest replay shown
    max_replay_frames: int = 5000  # longer episodes are cut (keeps memory per replay bounded)
    replay_cache_size: int = 8  # replays (all frames of one champion) kept in memory
    static_dir: Path = field(default_factory=find_static_dir)

    def __post_init__(self) -> None:
        object.__setattr__(self, "runs_dir", Path(self.runs_dir).resolve())
