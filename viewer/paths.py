"""Path safety: map run names and generation numbers to files, never outside the runs directory."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from neat.app.rundir import BEST, LATEST, RUN_NAME

GENERATION = re.compile(r"[0-9]{1,9}")


class UnsafePathError(LookupError):
    """A name or file that does not exist inside the runs directory (or tries to leave it)."""


def is_valid_run_name(name: str) -> bool:
    """True for names made of letters, digits, '.', '_' and '-' (no '..', no slashes)."""
    return RUN_NAME.fullmatch(name) is not None and ".." not in name


def resolve_run_dir(runs_dir: Path, name: str) -> Path:
    """The directory of run `name`, fully resolved; raises UnsafePathError if it is not a run
    directory inside `runs_dir` (bad name, missing, or a symlink pointing elsewhere)."""
    if not is_valid_run_name(name):
        raise UnsafePathError(f"'{name}' is not a valid run name")
    root = runs_dir.resolve()
    path = (root / name).resolve()
    if path.parent != root or not path.is_dir():
        raise UnsafePathError(f"no run named '{name}'")
    return path


def parse_generation(text: str) -> int | Literal["best"] | None:
    """A generation from a URL: digits, 'latest' (returned as None) or 'best' (returned as is)."""
    if text == LATEST:
        return None
    if text == BEST:
        return BEST
    if GENERATION.fullmatch(text) is None:
        raise ValueError(f"generation must be a number, '{BEST}' or '{LATEST}', got '{text[:40]}'")
    return int(text)

