"""Exit statuses and error wording shared by the `neat` commands."""

from __future__ import annotations

from neat.errors import ConfigError

EXIT_USER_ERROR = 2
MAX_PORT = 65535


def check_port(port: int) -> None:
    """ConfigError unless `port` is a TCP port number (0: any free port)."""
    if not 0 <= port <= MAX_PORT:
        raise ConfigError(f"--port {port}: must be from 0 (any free port) to {MAX_PORT}")


def describe_os_error(exc: OSError) -> str:
    """'<reason>: <file>' for an OSError, without the errno noise."""
    reason = exc.strerror or str(exc)
    return f"{reason}: {exc.filename}" if exc.filename else reason
