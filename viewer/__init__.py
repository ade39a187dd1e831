"""Live brain viewer: FastAPI + WebSocket server over run directories, and the page in static/.

`serve(runs_dir)` blocks; `ViewerServer(runs_dir, port=0).start()` runs it in a thread;
`create_app(runs_dir)` builds the ASGI app (for TestClient or another server). They are loaded
on first use, so importing the run reader (`viewer.rundir`) does not load the server or numba.
"""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = {"ViewerServer": "viewer.server", "create_app": "viewer.main", "serve": "viewer.server"}

__all__ = sorted(_MODULES)


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'viewer' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
