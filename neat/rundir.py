"""A run directory on disk: config, stats log, champions, checkpoints and status.

```
runs/<name>/
  config.toml        the exact config of the run (after overrides)
  stats.jsonl        one JSON object per generation, appended and flushed each generation
  champions/         gen-000042.json: the best genome of generation 42 (genome record)
  checkpoints/       gen-000042.json.gz: the population after generation 42 (see neat.checkpoint)
  status.json        {"state": running|finished|stopped|failed, "pid", "generation", "updated"}
```
Champions, checkpoints, config and status are written atomically (checkpoints and config also
durably, with fsync: a champion or status lost to a power cut is rewritten by the resume); stats.jsonl
only grows, except that `repair_stats` rewrites it (atomically) before a resume.
"""

from __future__ import annotations

import json
import os
import re
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from neat.atomic import write_atomic
from neat.checkpoint import checkpoint_files
from neat.config import Config, config_to_toml

CONFIG = "config.toml"
STATS = "stats.jsonl"
STATUS = "status.json"
CHAMPIONS = "champions"
CHECKPOINTS = "checkpoints"
STATES = ("running", "finished", "stopped", "failed")
RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
CHAMPION_FILE = re.compile(r"gen-([0-9]{6,9})\.json")


def champion_name(generation: int) -> str:
    return f"gen-{generation:06d}.json"


def is_run_dir(path: Path) -> bool:
    """True for a folder that looks like a run directory (has config.toml or stats.jsonl)."""
    return (path / CONFIG).is_file() or (path / STATS).is_file()


def pid_alive(pid: Any) -> bool:
    """True when `pid` is a positive int naming a process that exists."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


@dataclass
class RunDirectory:
    """Reading and writing the files of one run directory."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def champions(self) -> Path:
        return self.path / CHAMPIONS

    @property
    def checkpoints(self) -> Path:
        return self.path / CHECKPOINTS

    @staticmethod
    def create(path: Path, config: Config) -> RunDirectory:
        """Make a new run directory with its config and an empty stats log."""
        path.mkdir(parents=True, exist_ok=False)
        run = RunDirectory(path)
        run.champions.mkdir()
        run.checkpoints.mkdir()
        run.write_config(config)
        (path / STATS).touch()
        return run

    def write_config(self, config: Config) -> None:
        write_atomic(self.path / CONFIG, config_to_toml(config).encode("utf-8"))

    def open_stats(self) -> IO[str]:
        """The stats log opened for appending (line-buffered writes are flushed by the caller)."""
        return open(self.path / STATS, "a", encoding="utf-8")

    def write_champion(self, generation: int, record: dict[str, Any]) -> Path:
        path = self.champions / champion_name(generation)
        write_atomic(path, json.dumps(record, indent=1).encode("utf-8"), durable=False)
        return path

    def write_status(self, state: str, generation: int | None) -> None:
        assert state in STATES
        status = {"state": state, "pid": os.getpid(), "generation": generation,
                  "updated": time.time()}
        write_atomic(self.path / STATUS, json.dumps(status).encode("utf-8"), durable=False)

    def read_status(self) -> dict[str, Any]:
        """status.json, with a 'running' state whose process is gone reported as 'stopped'."""
        try:
            data = json.loads((self.path / STATUS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        if data.get("state") not in STATES:
            data["state"] = "unknown"
        if data["state"] == "running" and not pid_alive(data.get("pid")):
            data["state"] = "stopped"
        return data

    def read_stats(self) -> list[dict[str, Any]]:
        """Every complete stats row; a torn or unparsable line is skipped."""
        try:
            text = (self.path / STATS).read_bytes()
        except OSError:
            return []
        return [row for line in text.split(b"\n") if (row := parse_stats_row(line)) is not None]

    def repair_stats(self, next_generation: int) -> int:
        """Keep only complete rows of generations below `next_generation` (the checkpoint's), so a
        resumed run appends exactly one row per generation. Returns the number of rows dropped."""
        path = self.path / STATS
        try:
            text = path.read_bytes()
        except FileNotFoundError:
            text = b""
        kept, dropped = [], 0
        complete, _, torn = text.rpartition(b"\n")
        lines = complete.split(b"\n") if complete else []
        for line in lines:
            row = parse_stats_row(line)
            if row is not None and _generation(row) is not None and _generation(row) < next_generation:
                kept.append(line + b"\n")
            elif line.strip():
                dropped += 1
        dropped += bool(torn.strip())
        write_atomic(path, b"".join(kept))
        return dropped

    def champion_generations(self) -> list[int]:
        try:
            names = os.listdir(self.champions)
        except OSError:
            return []
        return sorted(int(m.group(1)) for m in map(CHAMPION_FILE.fullmatch, names) if m)

    def champion_path(self, generation: int | None) -> Path:
        """The champion file of `generation`, or of the newest generation when None."""
        if generation is None:
            generations = self.champion_generations()
            if not generations:
                raise FileNotFoundError(f"run {self.path} has no champion files yet")
            generation = generations[-1]
        path = self.champions / champion_name(generation)
        if not path.is_file():
            raise FileNotFoundError(f"run {self.path} has no champion for generation {generation}")
        return path

    def discard_after(self, completed_generation: int) -> int:
        """Delete champions and checkpoints of generations after `completed_generation` (they are
        recomputed by a resume from that generation's checkpoint), and temporary files left by
        writes that were interrupted. Returns the number of checkpoints deleted."""
        for folder in (self.path, self.champions, self.checkpoints):
            for leftover in folder.glob(".*.tmp"):
                leftover.unlink(missing_ok=True)
        for generation in self.champion_generations():
            if generation > completed_generation:
                (self.champions / champion_name(generation)).unlink(missing_ok=True)
        newer = [path for generation, path in checkpoint_files(self.checkpoints)
                 if generation > completed_generation]
        for path in newer:
            path.unlink(missing_ok=True)
        return len(newer)

    def read_task_name(self) -> str:
        """run.task from config.toml ('' when unreadable)."""
        try:
            data = tomllib.loads((self.path / CONFIG).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return ""
        task = data.get("run", {}).get("task", "") if isinstance(data.get("run"), dict) else ""
        return task if isinstance(task, str) else ""


def parse_stats_row(line: bytes) -> dict[str, Any] | None:
    """One stats.jsonl line as a dict, or None when it is not a complete JSON object (a torn line)."""
    try:
        row = json.loads(line)
    except ValueError:
        return None
    return row if isinstance(row, dict) else None


def _generation(row: dict[str, Any]) -> int | None:
    g = row.get("generation")
    return g if isinstance(g, int) and not isinstance(g, bool) else None


def unique_run_path(runs_dir: Path, base: str) -> Path:
    """runs_dir/base, or base-2, base-3 ... when taken."""
    path, n = runs_dir / base, 1
    while path.exists():
        n += 1
        path = runs_dir / f"{base}-{n}"
    return path


def default_run_name(task: str, when: float | None = None) -> str:
    """`<task>-YYYYmmdd-HHMMSS`, with characters not allowed in run names replaced by '-'."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", task).strip("-.") or "run"
    return f"{slug}-{stamp}"
