"""The viewer's access to run directories: neat.app.rundir's reader, with run names checked against
the runs folder and results cached by file signature.

Everything here is read-only and safe to call from several threads; files are re-read only when
their size or modification time changes, and stats.jsonl is read incrementally (it only grows).
Every file is opened by neat.app.rundir.open_run_file: a symbolic link, FIFO or device in a run folder
is never followed or read. A stats line that is not a valid row is skipped with a logged notice,
and a run whose files cannot be read is listed with its error, never hiding the other runs.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neat.app.rundir import (
    CHAMPIONS,
    CHECKPOINTS,
    CONFIG,
    STATS,
    STATUS,
    BestChampion,
    RunConfigFile,
    RunDirectory,
    StatsRow,
    best_champion,
    champion_name,
    open_run_file,
    parse_stats_line,
)
from neat.errors import NeatError, RunFileError
from viewer.paths import UnsafePathError, is_valid_run_name, resolve_run_dir

log = logging.getLogger(__name__)


@dataclass
class _StatsCache:
    inode: int = -1
    size: int = -1
    mtime_ns: int = -1
    offset: int = 0  # bytes of complete (newline-terminated) lines parsed so far
    rows: list[dict[str, Any]] = field(default_factory=list)
    tail: list[dict[str, Any]] = field(default_factory=list)  # a complete last line lacking "\n"
    problem: str | None = None  # why the file cannot be read (logged once)

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
        self._configs: dict[str, tuple[tuple[int, int], RunConfigFile]] = {}
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
            if os.path.lexists(path / CONFIG) or os.path.lexists(path / STATS):
                names.append(entry.name)
        return sorted(names)

    def run_dir(self, name: str) -> Path:
        """Resolved directory of run `name` (UnsafePathError if invalid or missing)."""
        return resolve_run_dir(self.runs_dir, name)

    def run(self, name: str) -> RunDirectory:
        return RunDirectory(self.run_dir(name))

    def signature(self, name: str) -> tuple:
        """A value that changes whenever anything the viewer shows about run `name` changes."""
        try:
            path = self.run_dir(name)
        except UnsafePathError:
            return ()
        return tuple(file_signature(path / part)
                     for part in (CONFIG, STATS, STATUS, CHAMPIONS, CHECKPOINTS))

    def config(self, name: str) -> RunConfigFile:
        """The run's config (RunFileError, a ValueError, naming the problem if unreadable)."""
        path = self.run_dir(name) / CONFIG
        sig = file_signature(path)
        cached = self._configs.get(name)
        if cached and cached[0] == sig:
            return cached[1]
        config = self.run(name).read_config()
        self._configs[name] = (sig, config)
        return config

    def stats(self, name: str) -> list[dict[str, Any]]:
        """Every generation's valid stats row so far; a torn last line is ignored."""
        folder = self.run_dir(name)
        with self._lock:
            cache = self._stats.setdefault(name, _StatsCache())
            _refresh_stats(folder, cache)
            return cache.rows + cache.tail

    def status(self, name: str) -> dict[str, Any]:
        """status.json with `state` corrected ('running' only while the pid exists) and `live`."""
        status = self.run(name).read_status()
        return {"state": status.state, "live": status.state == "running",
                "generation": status.generation, "updated": status.updated,
                "reason": status.reason if status.state == "failed" else None}

    def champion_generations(self, name: str) -> list[int]:
        """Generations that have a champion file, ascending."""
        return self.run(name).champion_generations()

    def best_champion(self, name: str) -> BestChampion | None:
        """The run's best champion (neat.app.rundir.best_champion) from the cached stats rows."""
        return best_champion(StatsRow.model_construct(**row) for row in self.stats(name))

    def newest_checkpoint(self, name: str) -> str | None:
        """File name of the newest checkpoint, if any."""
        files = self.run(name).checkpoint_files()
        return files[-1][1].name if files else None

    def champion_path(self, name: str, generation: int | None) -> tuple[int, Path]:
        """(generation, file) of the champion of `generation` (None = newest); UnsafePathError
        when there is none."""
        if generation is None:
            gens = self.champion_generations(name)
            if not gens:
                raise UnsafePathError(f"run '{name}' has no champions yet")
            generation = gens[-1]
        path = self.run_dir(name) / CHAMPIONS / champion_name(generation)
        if not os.path.lexists(path):
            raise UnsafePathError(f"run '{name}' has no champion for generation {generation}")
        return generation, path

    def champion(self, name: str, generation: int | None) -> tuple[int, dict[str, Any]]:
        """(generation, complete champion record); RunFileError (a ValueError) if the file is
        unreadable or not a champion record."""
        generation, path = self.champion_path(name, generation)
        sig = file_signature(path)
        cached = self._champions.get(path)
        if cached and cached[0] == sig:
            return generation, cached[1]
        _, data = self.run(name).read_champion(generation)
        with self._lock:
            if len(self._champions) > 256:
                self._champions.clear()
            self._champions[path] = (sig, data)
        return generation, data

    def summary(self, name: str) -> dict[str, Any]:
        """One line of the run list: task, progress, best fitness, state, newest checkpoint. A run
        whose files cannot be read gets its error in `error`, never an exception."""
        try:
            rows = self.stats(name)
            error = self._stats[name].problem
        except (NeatError, OSError) as exc:
            rows, error = [], str(exc)
        try:
            task = self.config(name).run.task
        except (NeatError, OSError) as exc:
            task, error = "", error or str(exc)
        status = self.status(name)
        best = [r["best_fitness"] for r in rows if r["best_fitness"] is not None]
        last = rows[-1] if rows else {}
        return {
            "name": name,
            "task": task,
            "generations": len(rows),
            "generation": last.get("generation"),
            "best_fitness": max(best) if best else None,
            "solved": any(r["solved"] for r in rows),
            "state": status["state"],
            "live": status["live"],
            "reason": status["reason"],
            "evaluations": last.get("evaluations"),
            "evaluations_per_second": last.get("evaluations_per_second"),
            "last_checkpoint": self.newest_checkpoint(name),
            "updated": status["updated"],
            "error": error,
        }


def _refresh_stats(folder: Path, cache: _StatsCache) -> None:
    """Bring `cache` up to date with folder/stats.jsonl, reading only the bytes appended since."""
    try:
        fd = open_run_file(folder, STATS)
    except RunFileError as exc:
        cache.reset()
        if str(exc) != cache.problem and os.path.lexists(folder / STATS):
            log.warning("%s", exc)
        cache.problem = str(exc)
        return
    cache.problem = None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if (st.st_ino, st.st_size, st.st_mtime_ns) == (cache.inode, cache.size, cache.mtime_ns):
            return
        if st.st_ino != cache.inode or st.st_size < cache.offset:
            cache.reset()
        cache.inode, cache.size, cache.mtime_ns = st.st_ino, st.st_size, st.st_mtime_ns
        f.seek(cache.offset)
        data = f.read(max(0, st.st_size - cache.offset))
    end = data.rfind(b"\n") + 1
    for line in data[:end].splitlines():
        if not line.strip():
            continue
        try:
            cache.rows.append(parse_stats_line(line).model_dump())
        except RunFileError as exc:
            log.warning("%s: skipping a stats line (%s)", folder / STATS, exc)
    cache.offset += end
    try:
        cache.tail = [parse_stats_line(data[end:]).model_dump()] if data[end:].strip() else []
    except RunFileError:
        cache.tail = []
