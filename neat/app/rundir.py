"""The run directory: the one place that knows its names, states, file formats and how to read them.

```
runs/<name>/
  run.json           {"format": "neat-brain/run", "version", "run_id", "task", "created"}: written once
  config.toml        the exact config of the run (after overrides), written with tomli-w
  stats.jsonl        one StatsRow per generation, appended each generation, fsynced at each checkpoint
  champions/         gen-000042.json: generation 42's champion (a genome record, or a reference to an
                     earlier generation's record when the champion is the same genome)
  checkpoints/       gen-000042.json.gz: the population after generation 42 (see neat.app.checkpoint)
  status.json        RunStatus: state, pid, generation, updated, reason (of a failure)
  lock               held (flock) by the process evolving the run; holds its pid
```
Every file is read through `read_run_file`: a regular file inside the run folder (no symbolic link,
FIFO or device), of bounded size. Files are validated with the pydantic models below; numbers that
are not finite read as null. Writes are atomic (neat.app.atomic); run.json, config.toml and checkpoints
are also durable. This module imports neither numba nor the evolution code.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import math
import os
import re
import stat
import time
import tomllib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any, Final, Literal

import tomli_w
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from neat.app.atomic import write_atomic
from neat.errors import ConfigError, RunFileError, RunLockedError
from neat.formats import GENOME_FORMAT, GENOME_VERSION

log = logging.getLogger(__name__)

RUN_META = "run.json"
CONFIG = "config.toml"
STATS = "stats.jsonl"
STATUS = "status.json"
LOCK = "lock"
CHAMPIONS = "champions"
CHECKPOINTS = "checkpoints"
STATES = ("running", "finished", "stopped", "failed")
State = Literal["running", "finished", "stopped", "failed"]
RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
CHAMPION_FILE = re.compile(r"gen-([0-9]{6,9})\.json")
CHECKPOINT_FILE = re.compile(r"gen-([0-9]{6,9})\.json\.gz")
BEST: Final = "best"
LATEST: Final = "latest"
GenerationChoice = int | Literal["best", "latest"] | None
"""Which champion of a run: a generation number, the best one, or the newest ("latest" or None)."""
RUN_FORMAT: Final = "neat-brain/run"
GENOME_REF_FORMAT = "neat-brain/genome-ref"
GENOME_BODY = ("n_inputs", "n_outputs", "input_labels", "output_labels", "nodes", "connections")
"""Keys of a champion record that a reference record leaves to the record it points to."""

SMALL_FILE_LIMIT = 1 << 20  # run.json, config.toml, status.json
CHAMPION_LIMIT = 256 << 20
STATS_LIMIT = 1 << 30


# -- models -----------------------------------------------------------------------------------------

def _finite_or_none(value: Any) -> Any:
    """NaN and infinities (which strict JSON cannot hold) become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


Number = Annotated[float | None, BeforeValidator(_finite_or_none)]


class _Record(BaseModel):
    """A JSON object of a run directory: strict types, unknown keys kept (newer writers)."""

    model_config = ConfigDict(extra="allow", strict=True)


class SpeciesRow(_Record):
    id: int
    size: int
    age: int | None = None
    best_fitness: Number = None
    adjusted_fitness: Number = None
    stagnation: int | None = None


class StatsRow(_Record):
    """One generation of stats.jsonl."""

    generation: int = Field(ge=0)
    evaluations: int | None = None  # cumulative
    best_fitness: Number = None
    mean_fitness: Number = None
    std_fitness: Number = None
    species: int | None = None
    champion_id: int | None = None
    champion_fitness: Number = None  # the champion's training fitness (best_fitness in older rows)
    champion_hidden: int | None = None
    champion_connections: int | None = None
    solved: bool | None = None
    seconds: Number = None  # wall clock of the generation
    evaluations_per_second: Number = None
    threshold: Number = None
    species_table: list[SpeciesRow] = []
    test_score: Number = None  # the champion's score on its task's held-out test episodes
    test_solved: bool | None = None  # null when the champion was not tested
    test_episodes: int | None = None  # test episodes played so far in the run
    test_details: dict[str, Any] | None = None


class EpisodeRecord(_Record):
    """One episode a champion was scored on (fitness.task.Episode)."""

    seed: int = Field(ge=0, lt=2**64)
    label: str
    kind: str


class TestRecord(_Record):
    """A champion's test on held-out episodes (neat.report.TestResult)."""

    score: Number
    solved: bool
    episodes: int = Field(ge=0)
    details: dict[str, Any] = {}


class NodeRecord(_Record):
    id: int
    kind: Literal["input", "output", "hidden"]
    activation: str
    bias: float


class ConnectionRecord(_Record):
    innovation: int
    source: int
    target: int
    weight: float
    enabled: bool


class ChampionRecord(_Record):
    """A champion file: a genome record (neat.serialize) with the run's context."""

    format: Literal["neat-brain/genome"]
    version: Literal[1]
    key: int
    generation: int | None = None
    fitness: Number = None
    task: str | None = None
    input_labels: list[str] | None = None
    output_labels: list[str] | None = None
    n_inputs: int = Field(ge=1)
    n_outputs: int = Field(ge=1)
    nodes: list[NodeRecord]
    connections: list[ConnectionRecord]
    episodes: list[EpisodeRecord] | None = None  # the episodes its fitness is the mean score of
    test: TestRecord | None = None  # its test, when one ran


class ChampionRef(_Record):
    """A champion file whose genome is that of generation `genome_of` (stored there in full)."""

    format: Literal["neat-brain/genome-ref"]
    version: Literal[1]
    genome_of: int = Field(ge=0)
    key: int


class RunStatus(_Record):
    state: State
    pid: int | None = None
    generation: int | None = None  # last completed generation
    updated: Number = None  # seconds since the epoch
    reason: str | None = None  # why a run failed (the error's message)


class RunMeta(_Record):
    """run.json: the run's identity, written once when the run is created."""

    format: Literal["neat-brain/run"]
    version: Literal[1]
    run_id: str = Field(min_length=1)
    task: str
    created: Number = None


class RunSection(_Record):
    task: str
    seed: int
    generations: int
    stop_when_solved: bool


class PopulationSection(_Record):
    size: int


class GenomeSection(_Record):
    feed_forward: bool


class RunConfigFile(_Record):
    """What readers need of config.toml; neat.config.Config validates the rest for evolving."""

    run: RunSection
    population: PopulationSection
    genome: GenomeSection
    task: dict[str, Any] = {}


@dataclass(frozen=True)
class BestChampion:
    """A run's best champion and why it is the best: `by` is "test" (ranked by its test on
    held-out episodes) or "fitness" (no champion of the run was tested)."""

    generation: int
    by: Literal["test", "fitness"]
    fitness: float | None
    test_score: float | None = None
    test_solved: bool | None = None

    def describe(self) -> str:
        """Why it is the best, for people: 'by its test: score 487, solved; fitness 500'."""
        fitness = "-" if self.fitness is None else f"{self.fitness:.6g}"
        if self.by == "fitness":
            return f"by fitness: {fitness}; no champion was tested"
        verdict = "solved" if self.test_solved else "not solved"
        return f"by its test: score {self.test_score:.6g}, {verdict}; fitness {fitness}"


def best_champion(rows: Iterable[StatsRow]) -> BestChampion | None:
    """The run's best champion, the one `--generation best` means everywhere: among the champions
    tested on held-out episodes, those whose test solved the task first, then the highest test
    score; when no champion was tested, the highest champion fitness. Ties go to the earliest
    generation. None when no row has a score."""
    tested = [r for r in rows if r.test_score is not None]
    if tested:
        row = max(tested, key=lambda r: (bool(r.test_solved), r.test_score, -r.generation))
        return BestChampion(row.generation, "test", _champion_fitness(row), row.test_score,
                            bool(row.test_solved))
    scored = [r for r in rows if _champion_fitness(r) is not None]
    if not scored:
        return None
    row = max(scored, key=lambda r: (_champion_fitness(r), -r.generation))
    return BestChampion(row.generation, "fitness", _champion_fitness(row))


def _champion_fitness(row: StatsRow) -> float | None:
    return row.best_fitness if row.champion_fitness is None else row.champion_fitness


def parse_generation_choice(text: str | int | None) -> GenerationChoice:
    """A generation as people write it: a number, "best" or "latest" (None also means the
    newest). ConfigError says what is allowed."""
    if text is None:
        return None
    if text == BEST:
        return BEST
    if text == LATEST:
        return LATEST
    if isinstance(text, str) and text.isascii() and text.isdigit():
        text = int(text)
    if not isinstance(text, int) or isinstance(text, bool) or text < 0:
        raise ConfigError(f"generation {str(text)[:40]!r}: give a number (0 or more), '{BEST}' or "
                          f"'{LATEST}'")
    return text


def validation_problem(exc: ValidationError) -> str:
    """The first problem of a pydantic error as one short line: 'field.path: message'."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "value"
    return f"{where}: {first['msg']}"


# -- safe reading -----------------------------------------------------------------------------------

def open_run_file(folder: Path, relative: str) -> int:
    """A read-only descriptor of `folder/relative`, which must be a regular file reached without
    following any symbolic link below `folder` (and not a FIFO, socket or device: opened
    non-blocking, so a FIFO cannot hang the caller). RunFileError names the problem."""
    path = Path(folder) / relative
    parts = relative.split("/")
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for part in parts[:-1]:
                inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                                dir_fd=fd)
                os.close(fd)
                fd = inner
            file_fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                              dir_fd=fd)
        finally:
            os.close(fd)
    except OSError as exc:
        reason = ("a symbolic link (run files must be regular files inside the run folder)"
                  if exc.errno in (errno.ELOOP, errno.ENOTDIR) else (exc.strerror or str(exc)).lower())
        raise RunFileError(f"{path}: {reason}") from None
    if not stat.S_ISREG(os.fstat(file_fd).st_mode):
        os.close(file_fd)
        raise RunFileError(f"{path}: not a regular file (a FIFO, socket or device is never read)")
    return file_fd


def read_run_file(folder: Path, relative: str, limit: int) -> bytes:
    """The bytes of `folder/relative` (see open_run_file), at most `limit` of them."""
    with os.fdopen(open_run_file(folder, relative), "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise RunFileError(f"{Path(folder) / relative}: larger than {limit:,} bytes; not read")
    return data


def parse_json(data: bytes, what: str) -> Any:
    """Strict JSON; NaN, Infinity and overflowing numbers read as null."""
    try:
        return json.loads(data, parse_constant=lambda _: None, parse_float=_json_float)
    except RecursionError:
        raise RunFileError(f"{what} is nested too deeply to be a neat-brain file") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise RunFileError(f"{what} is not valid JSON ({exc})") from None


def _json_float(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


def parse_stats_line(line: bytes) -> StatsRow:
    """One stats.jsonl line as a StatsRow; ValueError (RunFileError) says why it is unusable."""
    data = parse_json(line, "the line")
    if not isinstance(data, dict):
        raise RunFileError("the line is not a JSON object")
    try:
        return StatsRow.model_validate(data)
    except ValidationError as exc:
        raise RunFileError(validation_problem(exc)) from None


def generation_files(folder: Path, pattern: re.Pattern[str]) -> list[tuple[int, Path]]:
    """(generation, path) of the files in `folder` whose names match `pattern`, oldest first."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted((int(m.group(1)), Path(folder) / m.group(0))
                  for m in map(pattern.fullmatch, names) if m)


def append_stats_row(stats: IO[str], row: dict[str, Any]) -> StatsRow:
    """Validate `row` and append it to the opened stats log as one line, flushed; the keys given
    are written (absent optional fields stay absent), non-finite numbers as null."""
    validated = StatsRow.model_validate(row)
    stats.write(validated.model_dump_json(exclude_unset=True) + "\n")
    stats.flush()
    return validated


def champion_name(generation: int) -> str:
    return f"gen-{generation:06d}.json"


def checkpoint_name(completed_generation: int) -> str:
    """File name of the checkpoint written after `completed_generation` was evaluated."""
    return f"gen-{completed_generation:06d}.json.gz"


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


# -- the run directory ------------------------------------------------------------------------------

class RunDirectory:
    """Reading and writing the files of one run directory."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock_fd: int | None = None

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
    def create(path: Path, config: dict[str, Any]) -> RunDirectory:
        """Make a new run directory and lock it: a fresh run id, the config, an empty stats log and
        a 'running' status. `config` is the nested dict of neat.config.Config.to_dict()."""
        path.mkdir(parents=True, exist_ok=False)
        run = RunDirectory(path)
        run.lock()
        run.champions.mkdir()
        run.checkpoints.mkdir()
        meta = RunMeta(format=RUN_FORMAT, version=1, run_id=uuid.uuid4().hex,
                       task=config["run"]["task"], created=time.time())
        write_atomic(path / RUN_META, meta.model_dump_json().encode())
        run.write_config(config)
        (path / STATS).touch()
        run.write_status("running", None)
        return run

    # lock

    def lock(self) -> None:
        """Take the run's exclusive lock for as long as this process lives (or until unlock()).
        The lock dies with its process, so a crashed run never leaves a stale lock; RunLockedError
        names the process that holds it."""
        fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise RunLockedError(f"run {self.path} is being evolved by process {holder}; wait for it "
                                 "to finish, or stop it (Ctrl-C or kill) first") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    @contextlib.contextmanager
    def locked(self) -> Iterator[RunDirectory]:
        self.lock()
        try:
            yield self
        finally:
            self.unlock()

    # reading

    def read(self, relative: str, limit: int = SMALL_FILE_LIMIT) -> bytes:
        """A file of the run (see read_run_file)."""
        return read_run_file(self.path, relative, limit)

    def read_meta(self) -> RunMeta | None:
        """run.json, or None for a run made before run ids existed (no run.json)."""
        if not (self.path / RUN_META).exists():
            return None
        data = parse_json(self.read(RUN_META), f"{self.path / RUN_META}")
        try:
            return RunMeta.model_validate(data)
        except ValidationError as exc:
            raise RunFileError(f"{self.path / RUN_META}: {validation_problem(exc)}") from None

    def read_config_data(self) -> dict[str, Any]:
        """config.toml as a nested dict (checked against RunConfigFile)."""
        text = self.read(CONFIG)
        try:
            data = tomllib.loads(text.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RunFileError(f"{self.path / CONFIG} is not valid TOML ({exc})") from None
        try:
            RunConfigFile.model_validate(data)
        except ValidationError as exc:
            raise RunFileError(f"{self.path / CONFIG}: {validation_problem(exc)}") from None
        return data

    def read_config(self) -> RunConfigFile:
        return RunConfigFile.model_validate(self.read_config_data())

    def read_status(self) -> RunStatus:
        """status.json; a 'running' state whose process is gone, and a missing or unreadable
        status, read as 'stopped'."""
        try:
            status = RunStatus.model_validate(parse_json(self.read(STATUS), STATUS))
        except (RunFileError, ValidationError):
            return RunStatus(state="stopped")
        if status.state == "running" and not pid_alive(status.pid):
            status.state = "stopped"
        return status

    def stats_bytes(self) -> bytes:
        """stats.jsonl as it is (empty when it does not exist)."""
        if not os.path.lexists(self.path / STATS):
            return b""
        return self.read(STATS, STATS_LIMIT)

    def stats_lines(self) -> list[bytes]:
        """The complete (newline-terminated) lines of stats.jsonl; a torn last line is left out."""
        data = self.stats_bytes()
        return data[: data.rfind(b"\n") + 1].splitlines()

    def read_stats(self) -> list[StatsRow]:
        """Every valid stats row; invalid lines are skipped with a logged notice."""
        rows = []
        for number, line in enumerate(self.stats_lines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(parse_stats_line(line))
            except RunFileError as exc:
                log.warning("%s line %d skipped: %s", self.path / STATS, number, exc)
        return rows

    def champion_generations(self) -> list[int]:
        return [g for g, _ in generation_files(self.champions, CHAMPION_FILE)]

    def checkpoint_files(self) -> list[tuple[int, Path]]:
        """(completed generation, path) of every checkpoint file, oldest first."""
        return generation_files(self.checkpoints, CHECKPOINT_FILE)

    def best_champion(self) -> BestChampion | None:
        """The run's best champion (see `best_champion`), from its stats rows."""
        return best_champion(self.read_stats())

    def champion_generation(self, choice: GenerationChoice) -> int:
        """The generation `choice` names: itself, the newest champion's ("latest" or None) or the
        best champion's ("best"). RunFileError when the run has no such champion."""
        if isinstance(choice, int):
            return choice
        generations = self.champion_generations()
        if not generations:
            raise RunFileError(f"run {self.path} has no champion files yet")
        if choice != BEST:
            return generations[-1]
        best = self.best_champion()
        if best is None:
            raise RunFileError(f"run {self.path} has no scored generation yet, so no best champion")
        return best.generation

    def read_champion(self, choice: GenerationChoice) -> tuple[int, dict[str, Any]]:
        """(generation, full champion record) of the champion `choice` names (a generation,
        "best", "latest" or None: the newest); a reference record is completed from the record it
        points to. RunFileError names the problem."""
        generation = self.champion_generation(choice)
        data = self._champion_data(generation)
        if data.get("format") == GENOME_REF_FORMAT:
            ref = self._validated(ChampionRef, data, generation)
            if ref.genome_of >= generation:
                raise RunFileError(f"{self._champion_file(generation)} refers to a later generation")
            base = self._champion_data(ref.genome_of)
            if base.get("format") != GENOME_FORMAT:
                raise RunFileError(f"{self._champion_file(generation)} refers to generation "
                                   f"{ref.genome_of}, which holds no genome record")
            extra = {k: v for k, v in data.items() if k not in ("format", "version", "genome_of")}
            data = {**base, **extra}
        self._validated(ChampionRecord, data, generation)
        return generation, data

    def champion_genome_of(self, generation: int) -> int:
        """The generation whose champion file holds `generation`'s genome in full."""
        data = self._champion_data(generation)
        if data.get("format") == GENOME_REF_FORMAT:
            return self._validated(ChampionRef, data, generation).genome_of
        return generation

    def _champion_file(self, generation: int) -> Path:
        return self.champions / champion_name(generation)

    def _champion_data(self, generation: int) -> dict[str, Any]:
        path = self._champion_file(generation)
        if not path.exists() and not path.is_symlink():
            raise RunFileError(f"run {self.path} has no champion for generation {generation}")
        data = parse_json(read_run_file(self.path, f"{CHAMPIONS}/{path.name}", CHAMPION_LIMIT),
                          f"champion {path}")
        if not isinstance(data, dict):
            raise RunFileError(f"champion {path} is not a JSON object")
        return data

    def _validated(self, model: type[BaseModel], data: dict[str, Any], generation: int) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise RunFileError(f"champion {self._champion_file(generation)}: "
                               f"{validation_problem(exc)}") from None

    # writing

    def write_config(self, config: dict[str, Any]) -> None:
        """config.toml from the nested dict of Config.to_dict() (durable)."""
        write_atomic(self.path / CONFIG, tomli_w.dumps(config).encode("utf-8"))

    def open_stats(self) -> IO[str]:
        """The stats log opened for appending (append_stats_row; fsynced at checkpoints)."""
        return open(self.path / STATS, "a", encoding="utf-8")

    def write_champion(self, generation: int, record: dict[str, Any], genome_of: int | None = None
                       ) -> Path:
        """Generation `generation`'s champion file; with `genome_of`, a reference record that keeps
        the per-generation fields of `record` and takes the genome from generation `genome_of`."""
        if genome_of is not None:
            record = {"format": GENOME_REF_FORMAT, "version": GENOME_VERSION, "genome_of": genome_of,
                      **{k: v for k, v in record.items()
                         if k not in ("format", "version", *GENOME_BODY)}}
        path = self._champion_file(generation)
        text = json.dumps(record, separators=(",", ":"))  # compact: the fast (C) encoder
        write_atomic(path, text.encode("utf-8"), durable=False)
        return path

    def write_status(self, state: State, generation: int | None, reason: str | None = None) -> None:
        status = RunStatus(state=state, pid=os.getpid(), generation=generation, updated=time.time(),
                           reason=reason)
        write_atomic(self.path / STATUS, status.model_dump_json().encode("utf-8"), durable=False)

    def write_stats_lines(self, lines: list[bytes]) -> None:
        """Replace stats.jsonl with `lines` (atomically and durably)."""
        write_atomic(self.path / STATS, b"".join(line + b"\n" for line in lines))

    def discard_after(self, completed_generation: int) -> int:
        """Delete champions and checkpoints of generations after `completed_generation` (a resume
        from that generation recomputes them), and temporary files of interrupted writes. Returns
        the number of checkpoints deleted."""
        for folder in (self.path, self.champions, self.checkpoints):
            for leftover in folder.glob(".*.tmp"):
                leftover.unlink(missing_ok=True)
        for generation, path in generation_files(self.champions, CHAMPION_FILE):
            if generation > completed_generation:
                path.unlink(missing_ok=True)
        newer = [path for generation, path in self.checkpoint_files()
                 if generation > completed_generation]
        for path in newer:
            path.unlink(missing_ok=True)
        return len(newer)

    def prune_checkpoints(self, keep: int) -> None:
        """Delete all but the newest `keep` checkpoints, and temporary files of interrupted saves."""
        for _, path in self.checkpoint_files()[:-keep]:
            path.unlink(missing_ok=True)
        for path in self.checkpoints.glob(".gen-*.tmp"):
            path.unlink(missing_ok=True)


def read_champion_file(path: Path) -> dict[str, Any]:
    """A champion file read on its own, outside a run folder: a complete genome record (a
    reference record needs the run folder that holds the genome). RunFileError names the problem."""
    try:
        with open(path, "rb") as f:
            data = f.read(CHAMPION_LIMIT + 1)
    except OSError as exc:
        raise RunFileError(f"champion {path}: {(exc.strerror or str(exc)).lower()}") from None
    if len(data) > CHAMPION_LIMIT:
        raise RunFileError(f"champion {path}: larger than {CHAMPION_LIMIT:,} bytes; not read")
    record = parse_json(data, f"champion {path}")
    if isinstance(record, dict) and record.get("format") == GENOME_REF_FORMAT:
        raise RunFileError(f"champion {path} holds no genome: it refers to generation "
                           f"{record.get('genome_of')}'s champion file; load it from its run folder")
    try:
        ChampionRecord.model_validate(record)
    except ValidationError as exc:
        raise RunFileError(f"champion {path}: {validation_problem(exc)}") from None
    return record


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
