"""Live brain viewer: FastAPI + WebSocket server over run directories, and the page in static/.

`serve(runs_dir)` blocks; `ViewerServer(runs_dir, port=0).start()` runs it in a thread;
`create_app(runs_dir)` builds the ASGI app (for TestClient or another server).
"""

from viewer.main import create_app
from viewer.server import ViewerServer, serve

__all__ = ["ViewerServer", "create_app", "serve"]
