"""Evaluation backends: where a task's `evaluate` runs (in this process, a process pool, a Dask cluster).

`make_evaluator(task, spec, task_name, task_options)` returns an `Evaluator`, called like
`task.evaluate(packed, rng)`. Specs:

- None or "inprocess": `task.evaluate` right here (compiled kernels use every core).
- "process:N": a local pool of N spawned worker processes, which die with the process that started
  them, even when it is killed with SIGKILL (Linux parent-death signal, plus a watchdog thread
  that polls the parent's pid elsewhere).
- "local:N": a Dask LocalCluster of N single-threaded worker processes, closed with the evaluator.
- "tcp://HOST:PORT" (any Dask scheduler address): the workers of a running Dask cluster.

Chunked backends split the population into contiguous genome ranges (`split_packed`, several chunks
per worker) and each worker evaluates its chunk with a task it builds once from
(task_name, task_options) through `fitness.registry.make_task`.

Determinism: every chunk gets a Generator in the caller's `rng` state, and the caller's `rng` ends in the
state the chunks leave theirs in, exactly as after one in-process `task.evaluate(packed, rng)`. So the
fitness is identical for every backend and worker count, given the task contract:

    a task draws its randomness from `rng` only through `fitness.seeding.draw_base_seed` (at most once
    per evaluate, never depending on the population), and derives each episode's seed from
    (base seed, genome id, episode).

A chunk whose generator ends in a different state from the others breaks that contract and raises
TaskError.

Faults: Dask reruns the chunks of a lost worker on the others, so a killed worker changes nothing but
the time; a lost scheduler raises ClusterError (the run stops, the last checkpoint stays intact).
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import ctypes.util
import functools
import importlib
import itertools
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, Self

import numba
import numpy as np

from fitness.registry import make_task
from fitness.task import Task
from neat.errors import TaskError
from neat.network import PackedNetworks

logger = logging.getLogger(__name__)

CHUNKS_PER_WORKER = 4
CONNECT_TIMEOUT_SECONDS = 5
WORKER_WAIT_SECONDS = 30
TASK_RETRIES = 2
PARENT_CHECK_SECONDS = 1.0
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
INSTALL_HINT = ("from the project folder (a clone) run `pip install -e '.[dask]'`; where neat-brain "
                "came from a wheel, `pip install 'dask[distributed]'`")
RESUME_HINT = (
    "The run stopped; its last checkpoint is intact. Restart the cluster (or drop --dask) and "
    "continue with `neat resume RUN_DIR`."
)


class ClusterError(TaskError):
    """A process pool or Dask cluster cannot be reached or was lost during a run."""


class Evaluator(Protocol):
    """Fitness of packed networks, like `Task.evaluate`, plus `close()` (also a context manager)."""

    def __call__(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray: ...

    def close(self) -> None: ...

    def __enter__(self) -> Evaluator: ...

    def __exit__(self, *exc: object) -> None: ...


class _ClosingContext:
    """Context-manager methods for evaluators: `with make_evaluator(...) as evaluate:`."""

    def close(self) -> None:
        """Release workers; the in-process evaluator has none."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class InProcessEvaluator(_ClosingContext):
    """Calls `task.evaluate` in this process."""

    task: Task

    def __call__(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray:
        return self.task.evaluate(packed, rng)


@dataclass(frozen=True)
class ChunkJob:
    """What a worker needs to evaluate one chunk: the task recipe, the networks, the rng state."""

    task_name: str
    task_options: bytes  # pickled options dict; bytes so workers can cache the built task by it
    packed: PackedNetworks
    rng_state: Mapping[str, Any]  # numpy bit-generator state
    numba_threads: int  # threads for compiled kernels on the worker; 0 leaves its default


def evaluate_chunk(job: ChunkJob) -> tuple[np.ndarray, Mapping[str, Any]]:
    """Fitness of the chunk (G_chunk,) and the state the task left its generator in (runs on workers)."""
    if job.numba_threads:
        most: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # set at run time
        numba.set_num_threads(min(job.numba_threads, most))
    rng = generator_from_state(job.rng_state)
    fitness = cached_task(job.task_name, job.task_options).evaluate(job.packed, rng)
    return np.asarray(fitness, dtype=np.float64), rng.bit_generator.state


@functools.lru_cache(maxsize=8)
def cached_task(task_name: str, task_options: bytes) -> Task:
    """The task built once per worker process for each (name, pickled options)."""
    return make_task(task_name, pickle.loads(task_options))


def generator_from_state(state: Mapping[str, Any]) -> np.random.Generator:
    """A new Generator whose bit generator (named in `state`) is in `state`."""
    bit_generator = getattr(np.random, state["bit_generator"])()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def split_packed(packed: PackedNetworks, n_chunks: int) -> list[PackedNetworks]:
    """`packed` cut into `n_chunks` contiguous genome ranges (sizes differ by at most one).

    Each chunk is self-contained, with offsets and node indices rebased to start at zero, and equals
    packing that range of genomes on its own. 1 <= n_chunks <= max(1, len(packed)).
    """
    size = len(packed)
    if not 1 <= n_chunks <= max(1, size):
        raise ValueError(f"cannot split {size} genomes into {n_chunks} non-empty chunks")
    bounds = (np.arange(n_chunks + 1) * size // n_chunks).tolist()
    used_entry, used_conn, entry_owner = _used_slots(packed)
    return [
        _slice_packed(packed, a, b, used_entry, used_conn, entry_owner)
        for a, b in itertools.pairwise(bounds)
    ]


def _used_slots(packed: PackedNetworks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of the evaluation entries (N,) and connection slots (C,) that networks read, and the
    genome owning each node position (N,)."""
    n_nodes, n_conns = len(packed.node_bias), len(packed.in_src)
    entry_owner = np.searchsorted(packed.node_start, np.arange(n_nodes), side="right") - 1
    used_entry = np.zeros(n_nodes, dtype=np.bool_)
    if n_nodes:
        used_entry = np.arange(n_nodes) < packed.eval_end[entry_owner]
    edges = np.zeros(n_conns + 1, dtype=np.int64)
    np.add.at(edges, packed.in_start[used_entry], 1)
    np.add.at(edges, packed.in_end[used_entry], -1)
    used_conn = np.cumsum(edges[:-1]) > 0
    return used_entry, used_conn, entry_owner


def _slice_packed(packed: PackedNetworks, a: int, b: int, used_entry: np.ndarray,
                  used_conn: np.ndarray, entry_owner: np.ndarray) -> PackedNetworks:
    """Genomes a..b-1 of `packed` as their own PackedNetworks."""
    n_lo, n_hi = int(packed.node_start[a]), int(packed.node_start[b])
    c_lo, c_hi = _conn_cut(packed, a, used_entry, entry_owner), _conn_cut(packed, b, used_entry,
                                                                         entry_owner)
    entries = used_entry[n_lo:n_hi]
    conns = used_conn[c_lo:c_hi]
    return PackedNetworks(
        n_inputs=packed.n_inputs,
        n_outputs=packed.n_outputs,
        recurrent=packed.recurrent,
        genome_ids=packed.genome_ids[a:b].copy(),
        node_start=packed.node_start[a : b + 1] - n_lo,
        node_bias=packed.node_bias[n_lo:n_hi].copy(),
        node_act=packed.node_act[n_lo:n_hi].copy(),
        eval_start=packed.eval_start[a:b] - n_lo,
        eval_end=packed.eval_end[a:b] - n_lo,
        eval_node=np.where(entries, packed.eval_node[n_lo:n_hi] - n_lo, 0),
        in_start=np.where(entries, packed.in_start[n_lo:n_hi] - c_lo, 0),
        in_end=np.where(entries, packed.in_end[n_lo:n_hi] - c_lo, 0),
        in_src=np.where(conns, packed.in_src[c_lo:c_hi] - n_lo, 0),
        in_weight=np.where(conns, packed.in_weight[c_lo:c_hi], 0.0),
    )


def _conn_cut(packed: PackedNetworks, g: int, used_entry: np.ndarray, entry_owner: np.ndarray) -> int:
    """First connection slot of genome g (the slot of its first read connection, or of a later
    genome's, or the end)."""
    later = np.flatnonzero(used_entry & (entry_owner >= g))
    return int(packed.in_start[later[0]]) if len(later) else len(packed.in_src)


class _ChunkRunner(Protocol):
    """Runs `evaluate_chunk` on jobs somewhere and counts the workers available."""

    def workers(self) -> int: ...

    def run(self, jobs: list[ChunkJob]) -> list[tuple[np.ndarray, Mapping[str, Any]]]: ...

    def close(self) -> None: ...


@dataclass
class ChunkedEvaluator(_ClosingContext):
    """Splits the population into chunks, runs them on `runner`, joins the fitness in order."""

    runner: _ChunkRunner
    task_name: str
    task_options: bytes
    numba_threads: int

    def __call__(self, packed: PackedNetworks, rng: np.random.Generator) -> np.ndarray:
        n_chunks = max(1, min(len(packed), CHUNKS_PER_WORKER * self.runner.workers()))
        state = rng.bit_generator.state
        jobs = [ChunkJob(self.task_name, self.task_options, chunk, state, self.numba_threads)
                for chunk in split_packed(packed, n_chunks)]
        results = self.runner.run(jobs)
        end_states = [end for _, end in results]
        if any(end != end_states[0] for end in end_states[1:]):
            raise TaskError(
                f"task '{self.task_name}' drew a different amount of randomness for different "
                "chunks of the population, so distributed results would differ from in-process "
                "ones; tasks must draw from rng only via fitness.seeding.draw_base_seed."
            )
        rng.bit_generator.state = end_states[0]
        return np.concatenate([fitness for fitness, _ in results])

    def close(self) -> None:
        self.runner.close()


def die_with_parent(parent: int) -> None:
    """Worker initializer: end this process when `parent` ends, however it ends. On Linux the
    kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG); a daemon thread that polls
    the parent's pid covers other systems (and a parent that died before the prctl)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_exit_when_orphaned, args=(parent,), name="parent-watch",
                     daemon=True).start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


class ProcessPoolRunner:
    """A local pool of spawned worker processes that die with this process."""

    def __init__(self, n_workers: int):
        self.n_workers = n_workers
        self.pool = concurrent.futures.ProcessPoolExecutor(
            n_workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=die_with_parent, initargs=(os.getpid(),),
        )

    def workers(self) -> int:
        return self.n_workers

    def run(self, jobs: list[ChunkJob]) -> list[tuple[np.ndarray, Mapping[str, Any]]]:
        try:
            return list(self.pool.map(evaluate_chunk, jobs))
        except concurrent.futures.process.BrokenProcessPool as error:
            raise ClusterError(f"a worker process of the local pool died: {error}. {RESUME_HINT}") \
                from error

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


class DaskRunner:
    """The workers of a Dask cluster, through a Client (and the LocalCluster it owns, if any)."""

    def __init__(self, client: Any, address: str, cluster: Any = None):
        self.client = client
        self.address = address
        self.cluster = cluster

    def workers(self) -> int:
        if self.client.status != "running":
            raise self._lost(f"client status '{self.client.status}'")
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def run(self, jobs: list[ChunkJob]) -> list[tuple[np.ndarray, Mapping[str, Any]]]:
        futures = self.client.map(evaluate_chunk, jobs, retries=TASK_RETRIES, pure=False)
        try:
            return self.client.gather(futures)
        except concurrent.futures.CancelledError as error:  # how Dask reports a lost scheduler
            raise self._lost(repr(error)) from error

    def _lost(self, detail: str) -> ClusterError:
        return ClusterError(
            f"lost the Dask scheduler at {self.address} during an evaluation ({detail}). {RESUME_HINT}"
        )

    def close(self) -> None:
        self.client.close(timeout=CONNECT_TIMEOUT_SECONDS)
        if self.cluster is not None:
            self.cluster.close(timeout=CONNECT_TIMEOUT_SECONDS)


def make_evaluator(task: Task, backend: str | None, task_name: str,
                   task_options: dict[str, Any]) -> Evaluator:
    """The evaluator for `backend` spec (see the module docstring); `task` is task_name built with
    task_options, used as is in process and rebuilt by workers elsewhere."""
    if backend in (None, "", "inprocess"):
        return InProcessEvaluator(task)
    options = pickle.dumps(dict(task_options))
    if backend.startswith("process:"):
        n_workers = _worker_count(backend)
        return ChunkedEvaluator(ProcessPoolRunner(n_workers), task_name, options,
                                _threads_per_worker(n_workers))
    if backend.startswith("local:"):
        n_workers = _worker_count(backend)
        return ChunkedEvaluator(_local_cluster_runner(n_workers), task_name, options,
                                _threads_per_worker(n_workers))
    if "://" in backend:
        return ChunkedEvaluator(_remote_runner(backend), task_name, options, 0)
    raise TaskError(
        f"unknown evaluation backend '{backend}'. Use 'inprocess', 'process:N', 'local:N' (a Dask "
        "LocalCluster of N workers) or a Dask scheduler address such as 'tcp://HOST:8786'."
    )


def _worker_count(backend: str) -> int:
    kind, _, count = backend.partition(":")
    if not count.isdigit() or int(count) < 1:
        raise TaskError(f"backend '{backend}' needs a worker count >= 1, e.g. '{kind}:4'.")
    return int(count)


def _threads_per_worker(n_workers: int) -> int:
    """Compiled-kernel threads per local worker, so N workers share this machine's cores."""
    return max(1, (os.cpu_count() or 1) // n_workers)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as error:
        raise TaskError(
            f"Dask backends need dask.distributed, which is not installed: {INSTALL_HINT}"
        ) from error
    return distributed


def _local_cluster_runner(n_workers: int) -> DaskRunner:
    distributed = _import_distributed()
    cluster = distributed.LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster)
    logger.info("started a Dask LocalCluster of %d workers at %s", n_workers, cluster.scheduler_address)
    return DaskRunner(client, cluster.scheduler_address, cluster)


def _remote_runner(address: str) -> DaskRunner:
    distributed = _import_distributed()
    how_to_start = (
        f"Start a scheduler with `dask scheduler` (it listens on port 8786) and workers with "
        f"`dask worker {address}`, or use --dask local:N for a cluster on this machine."
    )
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT_SECONDS)
    except OSError as error:
        raise ClusterError(
            f"cannot reach a Dask scheduler at {address} within {CONNECT_TIMEOUT_SECONDS} s. "
            f"{how_to_start}"
        ) from error
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
    except TimeoutError as error:
        client.close()
        raise ClusterError(
            f"the Dask scheduler at {address} has no workers after {WORKER_WAIT_SECONDS} s. "
            f"{how_to_start}"
        ) from error
    try:
        client.run(importlib.import_module, __name__)
    except ImportError as error:
        client.close()
        raise ClusterError(
            f"the Dask workers of {address} cannot import this project ({error}). Install the same "
            "neat-brain version, and the packages your task needs, in the workers' environment."
        ) from error
    logger.info("connected to the Dask scheduler at %s", address)
    return DaskRunner(client, address)
