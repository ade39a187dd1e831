"""Reading run directories (config, stats, status, champions, checkpoints), cached by signature.

Everything here is read-only and safe to call from several threads; files are re-read only when
their size or modification time changes, and stats.jsonl is read incrementally (it only grows).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neat.genome import Genome
from neat.rundir import parse_stats_row, pid_alive
from neat.serialize import genome_from_dict
from viewer.paths import (
    UnsafePathError,
    champion_file_name,
    is_valid_run_name,
    resolve_inside,
    resolve_run_dir,
)

log = logging.getLogger(__name__)

CHAMPION_FILE = re.compile(r"gen-([0-9]{1,9})\.json")
CHECKPOINT_FILE = re.compile(r"gen-([0-9]{1,9})\.json\.gz")
RUN_STATES = ("running", "finished", "stopped", "failed")


@dataclass(frozen=True)
class RunConfig:
    """The parts of a run's config.toml the viewer needs."""

    task: str
    seed: int
    feed_forward: bool
    task_options: dict[str, Any]


@dataclass
class _StatsCache:
    inode: int = -1
    size: int = -1
    mtime_ns: int = -1
    offset: int = 0  # bytes of complete (newline-terminated) lines parsed so far
    rows: list[dict[str, Any]] = field(default_factory=list)
    tail: list[dict[str, Any]] = field(default_factory=list)  # a complete last line lacking "\n"

    def reset(self) -> None:
        self.inode = self.size = self.mtime_ns = -1
        self.offset = 0
        self.rows, self.tail = [], []


def file_signature(path: Path) -> tuple[int, int]:
    """(size, mtime in ns) of `path`, or (-1, -1) when missing."""
    try:
        st = path.stat()
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


class RunStore:
    """Read access to every run under `runs_dir`."""

    def __init__(self, runs_dir: Path):
        self.runs_dir = runs_dir.resolve()
        self._lock = threading.Lock()
        self._stats: dict[str, _StatsCache] = {}
        self._configs: dict[str, tuple[tuple[int, int], RunConfig]] = {}
        self._champions: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}

    def run_names(self) -> list[str]:
        """Names of all run directories (those holding a config.toml or stats.jsonl), sorted."""
        try:
            entries = list(os.scandir(self.runs_dir))
        except OSError:
            return []
        names = []
        for entry in entries:
            if not is_valid_run_name(entry.name):
                continue
            try:
                path = resolve_run_dir(self.runs_dir, entry.name)
            except UnsafePathError:
                continue
            if (path / "config.toml").is_file() or (path / "stats.jsonl").is_file():
                names.append(entry.name)
        return sorted(names)

    def run_dir(self, name: str) -> Path:
        """Resolved directory of run `name` (UnsafePathError if invalid or missing)."""
        return resolve_run_dir(self.runs_dir, name)

    def signature(self, name: str) -> tuple:
        """A value that changes whenever anything the viewer shows about run `name` changes."""
        try:
            path = self.run_dir(name)
        except UnsafePathError:
            return ()
        return tuple(
            file_signature(path / part)
            for part in ("config.toml", "stats.jsonl", "status.json", "champions", "checkpoints")
        )

    def config(self, name: str) -> RunConfig:
        """The run's config (ValueError naming the problem if config.toml is unreadable)."""
        path = self.run_dir(name) / "config.toml"
        sig = file_signature(path)
        cached = self._configs.get(name)
        if cached and cached[0] == sig:
            return cached[1]
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ValueError(f"run '{name}' has no readable config.toml ({exc.strerror})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"run '{name}': config.toml is not valid TOML ({exc})") from None
        run = data.get("run", {})
        genome = data.get("genome", {})
        options = data.get("task", {})
        config = RunConfig(
            task=str(run.get("task", "")),
            seed=int(run.get("seed", 0)),
            feed_forward=bool(genome.get("feed_forward", True)),
            task_options=dict(options) if isinstance(options, dict) else {},
        )
        self._configs[name] = (sig, config)
        return config

    def stats(self, name: str) -> list[dict[str, Any]]:
        """Every generation's stats row so far; a torn last line is ignored."""
        path = self.run_dir(name) / "stats.jsonl"
        with self._lock:
            cache = self._stats.setdefault(name, _StatsCache())
            _refresh_stats(path, cache)
            return cache.rows + cache.tail

    def status(self, name: str) -> dict[str, Any]:
        """status.json with `state` corrected ('running' only while the pid exists) and `live`."""
        path = self.run_dir(name) / "status.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        state = data.get("state")
        pid = data.get("pid")
        if state not in RUN_STATES:
            state = "stopped"
        if state == "running" and not pid_alive(pid):
            state = "stopped"
        return {
            "state": state,
            "live": state == "running",
            "generation": data.get("generation"),
            "updated": data.get("updated"),
        }

    def champion_generations(self, name: str) -> list[int]:
        """Generations that have a champion file, ascending."""
        return _numbered_files(self.run_dir(name) / "champions", CHAMPION_FILE)

    def newest_checkpoint(self, name: str) -> str | None:
        """File name of the newest checkpoint, if any."""
        gens = _numbered_files(self.run_dir(name) / "checkpoints", CHECKPOINT_FILE)
        return f"gen-{gens[-1]:06d}.json.gz" if gens else None

    def champion_path(self, name: str, generation: int | None) -> tuple[int, Path]:
        """(generation, file) of the champion of `generation` (None = newest); UnsafePathError
        when there is none or the file resolves outside the runs directory."""
        if generation is None:
            gens = self.champion_generations(name)
            if not gens:
                raise UnsafePathError(f"run '{name}' has no champions yet")
            generation = gens[-1]
        path = self.run_dir(name) / "champions" / champion_file_name(generation)
        resolved = resolve_inside(self.runs_dir, path)
        if resolved is None:
            raise UnsafePathError(f"run '{name}' has no champion for generation {generation}")
        return generation, resolved

    def champion(self, name: str, generation: int | None) -> tuple[int, dict[str, Any]]:
        """(generation, champion JSON) — ValueError if the file is not a valid genome record."""
        generation, path = self.champion_path(name, generation)
        sig = file_signature(path)
        cached = self._champions.get(path)
        if cached and cached[0] == sig:
            return generation, cached[1]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"champion {path.name} of run '{name}' is unreadable: {exc}") from None
        genome_from_dict(data)  # validates; raises CheckpointError (a ValueError)
        with self._lock:
            if len(self._champions) > 256:
                self._champions.clear()
            self._champions[path] = (sig, data)
        return generation, data

    def champion_genome(self, name: str, generation: int | None) -> tuple[int, Genome, dict]:
        """(generation, Genome, champion JSON)."""
        generation, data = self.champion(name, generation)
        return generation, genome_from_dict(data), data

    def summary(self, name: str) -> dict[str, Any]:
        """One line of the run list: task, progress, best fitness, state, newest checkpoint."""
        rows = self.stats(name)
        status = self.status(name)
        try:
            task, error = self.config(name).task, None
        except ValueError as exc:
            task, error = "", str(exc)
        best = [r["best_fitness"] for r in rows if _is_number(r.get("best_fitness"))]
        last = rows[-1] if rows else {}
        return {
            "name": name,
            "task": task,
            "generations": len(rows),
            "generation": last.get("generation"),
            "best_fitness": max(best) if best else None,
            "solved": any(bool(r.get("solved")) for r in rows),
            "state": status["state"],
            "live": status["live"],
            "evaluations": last.get("evaluations"),
            "evaluations_per_second": last.get("evaluations_per_second"),
            "last_checkpoint": self.newest_checkpoint(name),
            "updated": status["updated"],
            "error": error,
        }


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numbered_files(folder: Path, pattern: re.Pattern[str]) -> list[int]:
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(int(m.group(1)) for m in map(pattern.fullmatch, names) if m)


def _refresh_stats(path: Path, cache: _StatsCache) -> None:
    """Bring `cache` up to date with `path`, reading only the bytes appended since last time."""
    try:
        st = path.stat()
    except OSError:
        cache.reset()
        return
    if (st.st_ino, st.st_size, st.st_mtime_ns) == (cache.inode, cache.size, cache.mtime_ns):
        return
    if st.st_ino != cache.inode or st.st_size < cache.offset:
        cache.reset()
    cache.inode, cache.size, cache.mtime_ns = st.st_ino, st.st_size, st.st_mtime_ns
    with open(path, "rb") as f:
        f.seek(cache.offset)
        data = f.read()
    end = data.rfind(b"\n") + 1
    for line in data[:end].splitlines():
        row = parse_stats_row(line)
        if row is not None:
            cache.rows.append(row)
        elif line.strip():
            log.warning("%s: skipping a line that is not a JSON object", path)
    cache.offset += end
    tail = parse_stats_row(data[end:])
    cache.tail = [tail] if tail is not None else []
