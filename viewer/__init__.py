"""Live brain viewer: FastAPI + WebSocket server over run directories."""
