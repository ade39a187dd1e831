"""Evaluation backends: chunking, identical fitness on every backend, missing Dask, cluster faults."""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from fitness import backends
from fitness.backends import ClusterError, make_evaluator, split_packed
from fitness.random_genomes import random_pool
from fitness.registry import make_task
from neat.errors import TaskError
from neat.network import PackedNetworks, pack_population

distributed = pytest.importorskip("distributed")

TASKS = {
    "cartpole": {"episodes": 3},
    "gym:CartPole-v1": {"episodes": 2},
    # a plugin environment: workers import its module from the task options
    "gym:neat-test/Countdown-v0": {"episodes": 2, "imports": ["tests.gym_plugins"]},
}
SLOW_CARTPOLE = {"episodes": 15000}  # a few seconds of work for the worker-fault tests
PACKED_FIELDS = [f for f in PackedNetworks.__dataclass_fields__ if f not in
                 ("n_inputs", "n_outputs", "recurrent")]


def population(size: int, seed: int = 7, recurrent: bool = False) -> PackedNetworks:
    """Random 4-input 2-output networks, a fifth of their links disabled, genome ids 100.."""
    pool = random_pool(np.random.default_rng(seed), size, (4, 2, 3), 12, recurrent)
    pool.conn_enabled[::5] = False
    pool.genome_ids += 100
    return pack_population(pool, recurrent)


def in_process(task_name: str, options: dict, packed: PackedNetworks, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return make_task(task_name, options).evaluate(packed, rng)


@pytest.fixture(scope="module")
def cluster():
    """One Dask LocalCluster of two single-threaded worker processes, shared by this module."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=logging.ERROR) as local:
        yield local


@pytest.mark.parametrize("recurrent", [False, True])
@pytest.mark.parametrize("n_chunks", [1, 3, 11])
def test_split_packed_equals_packing_each_range(recurrent: bool, n_chunks: int) -> None:
    pool = random_pool(np.random.default_rng(3), 11, (3, 2, 4), 10, recurrent)
    pool.conn_enabled[1::4] = False
    chunks = split_packed(pack_population(pool, recurrent), n_chunks)
    sizes = [len(c) for c in chunks]
    assert len(sizes) == n_chunks and sum(sizes) == 11 and max(sizes) - min(sizes) <= 1
    start = 0
    for chunk in chunks:
        alone = pack_population(pool.take(np.arange(start, start + len(chunk))), recurrent)
        for name in PACKED_FIELDS:
            np.testing.assert_array_equal(getattr(chunk, name), getattr(alone, name), err_msg=name)
        start += len(chunk)


def test_split_packed_rejects_empty_chunks() -> None:
    packed = population(3)
    with pytest.raises(ValueError, match="non-empty"):
        split_packed(packed, 4)
    with pytest.raises(ValueError, match="non-empty"):
        split_packed(packed, 0)


@pytest.mark.parametrize("task_name", list(TASKS))
def test_evaluating_chunks_equals_evaluating_the_whole(task_name: str) -> None:
    task = make_task(task_name, TASKS[task_name])
    packed = population(23)
    whole = task.evaluate(packed, np.random.default_rng(5))
    chunks = [task.evaluate(chunk, np.random.default_rng(5)) for chunk in split_packed(packed, 4)]
    np.testing.assert_array_equal(np.concatenate(chunks), whole)


@pytest.mark.parametrize("task_name", list(TASKS))
def test_backends_give_identical_fitness_and_rng_state(task_name: str, cluster) -> None:
    options = TASKS[task_name]
    task = make_task(task_name, options)
    packed = population(30)
    reference_rng = np.random.default_rng(11)
    expected = task.evaluate(packed, reference_rng)
    for spec in [None, "inprocess", "process:2", cluster.scheduler_address]:
        rng = np.random.default_rng(11)
        with make_evaluator(task, spec, task_name, options) as evaluate:
            np.testing.assert_array_equal(evaluate(packed, rng), expected, err_msg=str(spec))
            assert rng.bit_generator.state == reference_rng.bit_generator.state, spec


@pytest.mark.parametrize("n_workers", [1, 2])
def test_local_cluster_gives_identical_fitness_and_closes(n_workers: int) -> None:
    task_names = list(TASKS)
    packed = population(25, seed=2)
    expected = {name: in_process(name, TASKS[name], packed, 4) for name in task_names}
    evaluate = make_evaluator(make_task("cartpole", TASKS["cartpole"]), f"local:{n_workers}",
                              "cartpole", TASKS["cartpole"])
    with evaluate:
        assert evaluate.runner.workers() == n_workers
        np.testing.assert_array_equal(evaluate(packed, np.random.default_rng(4)),
                                      expected["cartpole"])
        # the same cluster serves another task through its scheduler address
        gym_name = task_names[1]
        remote = make_evaluator(make_task(gym_name, TASKS[gym_name]),
                                evaluate.runner.address, gym_name, TASKS[gym_name])
        with remote:
            np.testing.assert_array_equal(remote(packed, np.random.default_rng(4)),
                                          expected[gym_name])
    assert evaluate.runner.cluster.status.name == "closed"


def test_task_errors_on_workers_reach_the_caller(cluster) -> None:
    task = make_task("cartpole", {})
    wrong_sizes = pack_population(random_pool(np.random.default_rng(0), 6, (3, 2, 1), 4), False)
    with (make_evaluator(task, cluster.scheduler_address, "cartpole", {}) as evaluate,
          pytest.raises(TaskError, match="needs networks with 4 inputs")):
        evaluate(wrong_sizes, np.random.default_rng(0))


def test_tasks_that_draw_unevenly_are_refused(monkeypatch, cluster) -> None:
    task = make_task("cartpole", TASKS["cartpole"])
    evaluate = make_evaluator(task, cluster.scheduler_address, "cartpole", TASKS["cartpole"])
    real_run = evaluate.runner.run

    def first_chunk_draws_twice(jobs):
        results = real_run(jobs)
        rng = backends.generator_from_state(results[0][1])
        rng.integers(10)
        return [(results[0][0], rng.bit_generator.state), *results[1:]]

    monkeypatch.setattr(evaluate.runner, "run", first_chunk_draws_twice)
    with evaluate, pytest.raises(TaskError, match="draw_base_seed"):
        evaluate(population(10), np.random.default_rng(0))


@pytest.mark.parametrize("spec", ["local:2", "tcp://127.0.0.1:8786"])
def test_missing_dask_says_how_to_install_it(monkeypatch, spec: str) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    task = make_task("cartpole", {})
    with pytest.raises(TaskError, match=r"the project folder \(a clone\) run `pip install -e "
                       r"'\.\[dask\]'`; where neat-brain came from a wheel, `pip install "
                       r"'dask\[distributed\]'`"):
        make_evaluator(task, spec, "cartpole", {})


@pytest.mark.parametrize(("spec", "problem"), [
    ("local:0", "worker count"), ("process:x", "worker count"), ("mpi:4", "unknown evaluation backend"),
])
def test_bad_backend_specs_are_explained(spec: str, problem: str) -> None:
    with pytest.raises(TaskError, match=problem):
        make_evaluator(make_task("cartpole", {}), spec, "cartpole", {})


def test_unreachable_scheduler_is_reported_before_the_run(monkeypatch) -> None:
    monkeypatch.setattr(backends, "CONNECT_TIMEOUT_SECONDS", 1)
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(ClusterError) as error:
        make_evaluator(make_task("cartpole", {}), address, "cartpole", {})
    message = str(error.value)
    assert address in message and "dask scheduler" in message and f"dask worker {address}" in message


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_tests_importable() -> dict[str, str]:
    """This process's environment, plus this folder on PYTHONPATH (for client.run functions)."""
    paths = [os.path.dirname(__file__), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def executing_chunks(dask_worker) -> int:
    """Number of chunk evaluations running on a Dask worker (run there via client.run)."""
    return sum(str(task.key).startswith("evaluate_chunk") for task in dask_worker.state.executing)


def wait_until_a_chunk_runs(client, evaluation: concurrent.futures.Future) -> str:
    """Address of a worker running a chunk of `evaluation` (polls the workers' own task states)."""
    while not evaluation.done():
        running = [addr for addr, n in client.run(executing_chunks).items() if n]
        if running:
            return running[0]
        threading.Event().wait(0.02)
    raise AssertionError("the evaluation finished before any chunk was seen running")


def test_worker_killed_mid_evaluation_gives_identical_fitness(cluster) -> None:
    task = make_task("cartpole", SLOW_CARTPOLE)
    packed = population(40, seed=9)
    expected = task.evaluate(packed, np.random.default_rng(21))
    with (make_evaluator(task, cluster.scheduler_address, "cartpole", SLOW_CARTPOLE) as evaluate,
          concurrent.futures.ThreadPoolExecutor(1) as thread):
        client = evaluate.runner.client
        evaluation = thread.submit(evaluate, packed, np.random.default_rng(21))
        victim = wait_until_a_chunk_runs(client, evaluation)
        pids = client.run(os.getpid)
        assert not evaluation.done()
        os.kill(pids[victim], signal.SIGKILL)
        np.testing.assert_array_equal(evaluation.result(timeout=120), expected)
        assert victim not in client.scheduler_info(n_workers=-1)["workers"]


@contextlib.contextmanager
def scheduler_and_worker(*worker_python: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """A `dask scheduler` process and one single-threaded worker process (without a nanny, run as
    `python *worker_python -m distributed.cli.dask_worker`); yields the scheduler and its address."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                                  "--port", str(port), "--no-dashboard"], stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([sys.executable, *worker_python, address, "--nthreads", "1",
                               "--no-nanny", "--no-dashboard"], stderr=subprocess.DEVNULL,
                              env=with_tests_importable())
    try:
        yield scheduler, address
    finally:
        for process in (worker, scheduler):
            process.kill()
            process.wait()


def test_lost_scheduler_stops_the_evaluation_with_a_resume_hint() -> None:
    task = make_task("cartpole", SLOW_CARTPOLE)
    with (scheduler_and_worker("-m", "distributed.cli.dask_worker") as (scheduler, address),
          make_evaluator(task, address, "cartpole", SLOW_CARTPOLE) as evaluate,
          concurrent.futures.ThreadPoolExecutor(1) as thread):
        evaluation = thread.submit(evaluate, population(40), np.random.default_rng(0))
        wait_until_a_chunk_runs(evaluate.runner.client, evaluation)
        scheduler.kill()
        with pytest.raises(ClusterError, match=r"run stopped.*checkpoint is intact.*neat resume"):
            evaluation.result(timeout=60)


def test_workers_without_the_project_are_reported_before_the_run() -> None:
    without_fitness = ("-c", "import sys; sys.modules['fitness'] = None; "
                       "from distributed.cli.dask_worker import main; main()")
    with (scheduler_and_worker(*without_fitness) as (_, address),
          pytest.raises(ClusterError, match=r"cannot import this project.*workers' environment")):
        make_evaluator(make_task("cartpole", {}), address, "cartpole", {})
