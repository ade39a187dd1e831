"""Checkpoints: a Population's complete state as versioned, gzipped JSON (never pickle).

A checkpoint is taken right after `tell()`: it holds the new, not yet evaluated generation, so loading
it and continuing gives exactly the run that would have happened without the interruption. The file
`gen-000042.json.gz` is written after generation 42 was evaluated; its "generation" field is 43, the
next generation to evaluate.

Layout (all keys required):
    format "neat-brain/checkpoint", version 4, run_id (the run's id from run.json; null for runs
    made before run ids), task, config (Config.to_dict()), generation,
    evaluations, pool {n_inputs, n_outputs, activations, genome_ids, node_start, conn_start, node_id,
    node_kind, node_bias, node_act, conn_innov, conn_src, conn_dst, conn_weight, conn_enabled}
    (lists; node_act indexes the pool's "activations" name list, so the file survives a reordering
    of ACTIVATIONS),
    tracker {next_innovation, next_node_id}, species [{key, created, representative (genome
    record), best_fitness, last_improved, marks, fitness_history, adjusted_fitness, last_tested
    (generation the "species" champion choice last tested it, from created on; -1 never)}],
    next_species_key, next_genome_key, threshold, best_genome (genome record or null),
    best_fitness, rng (numpy PCG64 bit-generator state), test_episodes (played so far), last_test
    (null or {genome (key), score, solved, episodes, details}: the newest champion test).
Floats that may be infinite (best fitness before any improvement) are stored as the strings "inf",
"-inf" or "nan", so the file is strict JSON. Loading validates every field and raises
CheckpointError naming the file and the first problem. Version 1 files (no run_id), version 2
files (no test_episodes, last_test) and version 3 files (no species last_tested: -1) still load.

Loading never inflates blindly: the gzip stream is decompressed in chunks, and a file whose JSON
grows beyond `text_limit(population)` (population.size as declared near its start) is refused.
"""

from __future__ import annotations

import json
import math
import os
import queue
import re
import stat
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from neat.activations import ACTIVATION_IDS, ACTIVATIONS
from neat.app.atomic import write_atomic
from neat.app.memory import population_fits
from neat.config import Config
from neat.errors import CheckpointError, ConfigError
from neat.genome import CONN_FIELDS, FIELD_DTYPES, NODE_FIELDS, GenomePool
from neat.innovation import InnovationTracker
from neat.pool_check import offsets_problem, pool_problem
from neat.population import Population, PopulationState
from neat.report import TestResult
from neat.serialize import genome_from_dict, genome_to_dict
from neat.species import Species

FORMAT = "neat-brain/checkpoint"
VERSION = 4
READABLE_VERSIONS = (1, 2, 3, 4)
COMPRESS_LEVEL = 1
GZIP_WBITS = 31  # zlib writes a gzip header (mtime 0) and trailer
MAX_INT = 2**62  # ids, keys and counters stay far from int64 overflow
_NONFINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
HEAD_BYTES = 64 << 10  # the declared population.size must appear within this much JSON
TEXT_BASE = 16 << 20  # JSON bytes allowed whatever the population: config, species, counters
TEXT_PER_GENOME = 256 << 10  # and per genome (about 5,000 connections each)
INFLATE_CHUNK = 1 << 20
DECLARED_POPULATION = re.compile(rb'"population"\s*:\s*\{\s*"size"\s*:\s*([0-9]{1,12})')


@dataclass
class Checkpoint:
    """A loaded checkpoint: the run's config and task name, and the population state."""

    path: Path
    config: Config
    task: str
    run_id: str | None
    state: PopulationState

    @property
    def generation(self) -> int:
        """The next generation to evaluate."""
        return self.state.generation

    def population(self) -> Population:
        return Population.from_state(self.config, self.state)


def encode_float(value: float) -> float | str:
    """`value`, or "inf" / "-inf" / "nan" when it is not finite (strict JSON has no such numbers)."""
    if math.isfinite(value):
        return float(value)
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def checkpoint_to_dict(population: Population, task: str, run_id: str | None) -> dict[str, Any]:
    """The checkpoint record of `population` (see the module docstring)."""
    s = population.state
    pool = s.pool
    return {
        "format": FORMAT,
        "version": VERSION,
        "run_id": run_id,
        "task": task,
        "config": population.config.to_dict(),
        "generation": s.generation,
        "evaluations": s.evaluations,
        "pool": {
            "n_inputs": pool.n_inputs,
            "n_outputs": pool.n_outputs,
            "activations": list(ACTIVATIONS),
            **{name: getattr(pool, name).tolist() for name in POOL_ARRAYS},
        },
        "tracker": {"next_innovation": s.tracker.next_innovation,
                    "next_node_id": s.tracker.next_node_id},
        "species": [
            {
                "key": sp.key,
                "created": sp.created,
                "representative": genome_to_dict(representative),
                "best_fitness": encode_float(sp.best_fitness),
                "last_improved": sp.last_improved,
                "marks": sp.marks,
                "fitness_history": [encode_float(f) for f in sp.fitness_history],
                "adjusted_fitness": encode_float(sp.adjusted_fitness),
                "last_tested": sp.last_tested,
            }
            for sp, representative in zip(s.species, s.representative_genomes(), strict=True)
        ],
        "next_species_key": s.next_species_key,
        "next_genome_key": s.next_genome_key,
        "threshold": s.threshold,
        "best_genome": None if s.best_genome is None else genome_to_dict(s.best_genome),
        "best_fitness": encode_float(s.best_fitness),
        "rng": s.rng.bit_generator.state,
        "test_episodes": s.test_episodes,
        "last_test": None if s.last_test is None else {
            "genome": s.last_test[0], "score": encode_float(s.last_test[1].score),
            "solved": s.last_test[1].solved, "episodes": s.last_test[1].episodes,
            "details": s.last_test[1].details},
    }


POOL_ARRAYS = ("genome_ids", "node_start", "conn_start", *NODE_FIELDS, *CONN_FIELDS)


def encode_checkpoint(population: Population, task: str, run_id: str | None) -> bytes:
    """The gzipped JSON bytes of `population`'s checkpoint (deterministic: no timestamp inside)."""
    return gzip_json(checkpoint_to_dict(population, task, run_id), big="pool")


def gzip_json(data: dict[str, Any], big: str) -> bytes:
    """`data` as compact strict JSON, gzipped, with `data[big]` (a dict of long lists) written last.

    The long lists are encoded one by one while a worker thread compresses the text made so far
    (zlib releases the GIL), so encoding and compression overlap.
    """
    rest = {k: v for k, v in data.items() if k != big}
    pieces: queue.Queue[bytes | None] = queue.Queue()
    compressed: list[bytes] = []
    compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, GZIP_WBITS)

    def compress() -> None:
        while (piece := pieces.get()) is not None:
            compressed.append(compressor.compress(piece))
        compressed.append(compressor.flush())

    worker = threading.Thread(target=compress, name="checkpoint-gzip", daemon=True)
    worker.start()
    try:
        separator = f'{_dumps(rest)[:-1]},"{big}":{{' if rest else f'{{"{big}":{{'
        for key, value in data[big].items():
            pieces.put(f"{separator}{_dumps(key)}:{_dumps(value)}".encode())
            separator = ","
        pieces.put(b"}}")
    finally:
        pieces.put(None)
        worker.join()
    return b"".join(compressed)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def save_checkpoint(path: Path, population: Population, task: str, run_id: str | None) -> None:
    """Write `population`'s checkpoint to `path` atomically (OSError if the disk refuses)."""
    write_atomic(Path(path), encode_checkpoint(population, task, run_id))


def load_checkpoint(path: Path | str) -> Checkpoint:
    """Read and validate a checkpoint file; CheckpointError names the file and the problem."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise CheckpointError(f"cannot read checkpoint {path}: not a regular file")
            raw = f.read()
    except OSError as exc:
        raise CheckpointError(f"cannot read checkpoint {path}: {exc.strerror or exc}") from None
    try:
        return decode_checkpoint(raw, path)
    except CheckpointError as exc:
        raise CheckpointError(f"checkpoint {path} is unusable: {exc}") from None


def decode_checkpoint(raw: bytes, path: Path) -> Checkpoint:
    """Validate and decode checkpoint bytes (errors do not name the file; load_checkpoint adds it)."""
    if not raw:
        raise CheckpointError("the file is empty")
    if raw[:2] != b"\x1f\x8b":
        raise CheckpointError("not a gzip file, so not a neat-brain checkpoint")
    text = inflate(raw)
    try:
        data = json.loads(text.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CheckpointError(f"the content is not valid JSON ({exc})") from None
    return _checkpoint_from_dict(data, path)


def text_limit(population: int) -> int:
    """The most JSON bytes a checkpoint of `population` genomes may hold."""
    return TEXT_BASE + population * TEXT_PER_GENOME


def inflate(raw: bytes) -> bytearray:
    """The decompressed gzip stream, read in chunks: refused once it grows beyond the text_limit of
    the population.size its first HEAD_BYTES declare (or when that population cannot fit in this
    machine's memory), so a small file can never expand to gigabytes."""
    inflater = zlib.decompressobj(GZIP_WBITS)
    text, data, limit = bytearray(), raw, None
    try:
        while not inflater.eof:
            chunk = inflater.decompress(data, INFLATE_CHUNK)
            data = inflater.unconsumed_tail
            if not chunk and not data:
                raise CheckpointError("the file is truncated (compressed data ends early)")
            text += chunk
            if limit is None and len(text) >= HEAD_BYTES:
                limit = _declared_limit(bytes(text[:HEAD_BYTES]))
            if limit is not None and len(text) > limit:
                raise CheckpointError(f"its JSON grows beyond {limit:,} bytes, the most a checkpoint "
                                      "of its population may hold; refusing it (damaged or hostile)")
    except zlib.error as exc:
        raise CheckpointError(f"the compressed data is corrupt ({exc})") from None
    if inflater.unused_data:
        raise CheckpointError("the compressed data is corrupt (bytes after the end of the stream)")
    return text


def _declared_limit(head: bytes) -> int:
    match = DECLARED_POPULATION.search(head)
    if match is None:
        raise CheckpointError(f"its config's population.size is not within its first {HEAD_BYTES:,} "
                              "bytes, so it is not a neat-brain checkpoint")
    population = int(match.group(1))
    problem = population_fits(population)
    if problem:
        raise CheckpointError(f"it declares a population of {population:,}: {problem}")
    return text_limit(population)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _checkpoint_from_dict(data: Any, path: Path) -> Checkpoint:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise CheckpointError(f"not a neat-brain checkpoint (format {found!r}, expected '{FORMAT}')")
    if data.get("version") not in READABLE_VERSIONS:
        raise CheckpointError(f"checkpoint version {data.get('version')!r} is not supported; this "
                              f"program reads versions {', '.join(map(str, READABLE_VERSIONS))}")
    r = _Reader(data, "")
    run_id = None if data["version"] == 1 or data.get("run_id") is None else r.get("run_id", str)
    try:
        config = Config.from_dict(r.get("config", dict), source="its config")
    except ConfigError as exc:
        raise CheckpointError(str(exc)) from None
    task = r.get("task", str)
    if task != config.run.task:
        raise CheckpointError(f"task {task!r} differs from its config's run.task {config.run.task!r}")
    generation = r.integer("generation", 1)
    next_genome_key = r.integer("next_genome_key", 0)
    pool = _read_pool(r.child("pool", dict), config, next_genome_key)
    counters = r.child("tracker", dict)
    tracker = InnovationTracker.start(
        counters.integer("next_innovation", pool.n_inputs * pool.n_outputs),
        counters.integer("next_node_id", pool.n_inputs + pool.n_outputs))
    if len(pool.conn_innov) and pool.conn_innov.max() >= tracker.next_innovation:
        raise CheckpointError("tracker.next_innovation is not above every innovation number")
    if pool.node_id.max() >= tracker.next_node_id:
        raise CheckpointError("tracker.next_node_id is not above every node id")
    feed_forward = config.genome.feed_forward
    shape = (pool.n_inputs, pool.n_outputs)
    next_species_key = r.integer("next_species_key", 0)
    species = [_read_species(s, generation, next_species_key, feed_forward, shape, data["version"])
               for s in r.items("species")]
    if len({s.key for s in species}) != len(species):
        raise CheckpointError("two species share a key")
    best = data.get("best_genome")
    best_genome = None if best is None else r.genome("best_genome", feed_forward, shape)
    state = PopulationState(
        n_inputs=pool.n_inputs,
        n_outputs=pool.n_outputs,
        generation=generation,
        evaluations=r.integer("evaluations", 0),
        pool=pool,
        tracker=tracker,
        species=species,
        next_species_key=next_species_key,
        next_genome_key=next_genome_key,
        threshold=r.number("threshold", positive=True),
        best_genome=best_genome,
        best_fitness=r.number("best_fitness", finite=False),
        rng=_read_rng(r.get("rng", dict)),
        test_episodes=r.integer("test_episodes", 0) if data["version"] >= 3 else 0,
        last_test=None if data["version"] < 3 or data.get("last_test") is None else _read_test(
            r.child("last_test", dict), next_genome_key),
    )
    return Checkpoint(path, config, task, run_id, state)


def _read_test(r: _Reader, next_genome_key: int) -> tuple[int, TestResult]:
    """(genome key, result) of the run's newest champion test."""
    return r.integer("genome", 0, next_genome_key - 1), TestResult(
        r.number("score", finite=False), r.get("solved", bool), r.integer("episodes", 0),
        r.get("details", dict))


class _Reader:
    """Typed access to one JSON object; errors name the field's path inside the checkpoint."""

    def __init__(self, data: dict[str, Any], where: str):
        self.data = data
        self.where = where

    def name(self, key: str) -> str:
        return f"{self.where}{key}"

    def get(self, key: str, kind: type) -> Any:
        if key not in self.data:
            raise CheckpointError(f"field '{self.name(key)}' is missing")
        value = self.data[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise CheckpointError(f"field '{self.name(key)}' must be {kind.__name__}, got "
                                  f"{type(value).__name__}")
        return value

    def child(self, key: str, kind: type) -> _Reader:
        return _Reader(self.get(key, kind), f"{self.name(key)}.")

    def items(self, key: str) -> list[_Reader]:
        values = self.get(key, list)
        for i, v in enumerate(values):
            if not isinstance(v, dict):
                raise CheckpointError(f"field '{self.name(key)}[{i}]' must be an object")
        return [_Reader(v, f"{self.name(key)}[{i}].") for i, v in enumerate(values)]

    def integer(self, key: str, lo: int, hi: int = MAX_INT) -> int:
        value = self.get(key, int)
        if not lo <= value <= hi:
            raise CheckpointError(f"field '{self.name(key)}' = {value} is out of range {lo}..{hi}")
        return value

    def number(self, key: str, finite: bool = True, positive: bool = False) -> float:
        if key not in self.data:
            raise CheckpointError(f"field '{self.name(key)}' is missing")
        return _number(self.data[key], self.name(key), finite, positive)

    def genome(self, key: str, feed_forward: bool, shape: tuple[int, int]):
        try:
            genome = genome_from_dict(self.get(key, dict), feed_forward)
        except CheckpointError as exc:
            raise CheckpointError(f"field '{self.name(key)}': {exc}") from None
        if (genome.n_inputs, genome.n_outputs) != shape:
            raise CheckpointError(f"field '{self.name(key)}' has {genome.n_inputs} inputs and "
                                  f"{genome.n_outputs} outputs; the population has {shape}")
        return genome


def _number(value: Any, name: str, finite: bool = True, positive: bool = False) -> float:
    if isinstance(value, str) and value in _NONFINITE and not finite:
        return _NONFINITE[value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CheckpointError(f"field '{name}' must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or (positive and value <= 0):
        raise CheckpointError(f"field '{name}' = {value} must be a finite"
                              f"{' positive' if positive else ''} number")
    return value


def _array(r: _Reader, name: str) -> np.ndarray:
    """A 1-D numeric array from a JSON list, with the GenomePool dtype of `name`."""
    values = r.get(name, list)
    dtype: np.dtype[Any] = np.dtype(FIELD_DTYPES.get(name, np.int64))
    try:
        array = np.array(values)
    except (ValueError, TypeError, OverflowError):
        raise CheckpointError(f"field '{r.name(name)}' must be a flat list of numbers") from None
    if array.size == 0:
        return np.zeros(0, dtype=dtype)
    allowed = {"b": "b", "i": "iu", "f": "iuf"}[dtype.kind]
    if array.ndim != 1 or array.dtype.kind not in allowed:
        expected = {"b": "true/false values", "i": "integers", "f": "numbers"}[dtype.kind]
        raise CheckpointError(f"field '{r.name(name)}' must be a flat list of {expected}")
    if dtype.kind == "i":
        info = np.iinfo(dtype)
        lo, hi = max(info.min, -MAX_INT), min(info.max, MAX_INT)
        if array.min() < lo or array.max() > hi:
            raise CheckpointError(f"field '{r.name(name)}' has values outside {lo}..{hi}")
    return array.astype(dtype)


def _read_pool(r: _Reader, config: Config, next_genome_key: int) -> GenomePool:
    n_inputs = r.integer("n_inputs", 1, 10**6)
    n_outputs = r.integer("n_outputs", 1, 10**6)
    arrays = {name: _array(r, name) for name in POOL_ARRAYS}
    arrays["node_act"] = _remap_activations(r, arrays["node_act"])
    size = config.population.size
    if len(arrays["genome_ids"]) != size:
        raise CheckpointError(f"the pool holds {len(arrays['genome_ids'])} genomes but "
                              f"population.size is {size}")
    ids = arrays["genome_ids"]
    if ids.min() < 0 or ids.max() >= next_genome_key or len(np.unique(ids)) != len(ids):
        raise CheckpointError("pool.genome_ids must be unique and below next_genome_key")
    for start, fields in (("node_start", NODE_FIELDS), ("conn_start", CONN_FIELDS)):
        lengths = {len(arrays[f]) for f in fields}
        if len(lengths) != 1:
            raise CheckpointError(f"the pool arrays {', '.join(fields)} differ in length")
        problem = offsets_problem(arrays[start], lengths.pop(), size)
        if problem:
            raise CheckpointError(f"pool.{start}: {problem}")
    pool = GenomePool(n_inputs, n_outputs, **arrays)
    problem = pool_problem(pool, config.genome.feed_forward)
    if problem:
        raise CheckpointError(f"invalid pool: {problem}")
    return pool


def _remap_activations(r: _Reader, node_act: np.ndarray) -> np.ndarray:
    """Activation indices of the file (into its "activations" names) as this program's indices."""
    names = r.get("activations", list)
    unknown = [n for n in names if not isinstance(n, str) or n not in ACTIVATION_IDS]
    if unknown or not names:
        raise CheckpointError(f"field '{r.name('activations')}' must list known activation "
                              f"names (one of {', '.join(ACTIVATIONS)}); found {unknown[:1] or names}")
    if len(node_act) and (node_act.min() < 0 or node_act.max() >= len(names)):
        raise CheckpointError(f"field '{r.name('node_act')}' has an index outside the activations list")
    table = np.array([ACTIVATION_IDS[n] for n in names], dtype=np.int8)
    return table[node_act]


def _read_species(r: _Reader, generation: int, next_key: int, feed_forward: bool,
                  shape: tuple[int, int], version: int) -> Species:
    history = r.get("fitness_history", list)
    created = r.integer("created", 0, generation)
    last_tested = r.integer("last_tested", -1, generation - 1) if version >= 4 else -1
    if 0 <= last_tested < created:
        raise CheckpointError(f"field '{r.name('last_tested')}' = {last_tested} is before the "
                              f"species was created (generation {created}); -1 means never tested")
    return Species(
        key=r.integer("key", 0, next_key - 1),
        created=created,
        representative=r.genome("representative", feed_forward, shape),
        best_fitness=r.number("best_fitness", finite=False),
        last_improved=r.integer("last_improved", 0, generation),
        marks=r.integer("marks", 0),
        fitness_history=[_number(f, r.name("fitness_history"), finite=False) for f in history],
        adjusted_fitness=r.number("adjusted_fitness"),
        last_tested=last_tested,
    )


def _read_rng(state: dict[str, Any]) -> np.random.Generator:
    """The run's Generator, from its PCG64 bit-generator state (checked)."""
    inner = state.get("state")
    ok = (state.get("bit_generator") == "PCG64" and isinstance(inner, dict)
          and set(inner) == {"state", "inc"}
          and all(_is_int(v) and 0 <= v < 2**128 for v in inner.values())
          and state.get("has_uint32") in (0, 1) and _is_int(state.get("uinteger"))
          and 0 <= state["uinteger"] < 2**32)
    if not ok:
        raise CheckpointError("field 'rng' is not a numpy PCG64 bit-generator state")
    try:
        bit_generator: np.random.BitGenerator = np.random.PCG64()
        bit_generator.state = state
    except (ValueError, TypeError, KeyError) as exc:
        raise CheckpointError(f"field 'rng' is not a usable PCG64 state ({exc})") from None
    return np.random.Generator(bit_generator)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
