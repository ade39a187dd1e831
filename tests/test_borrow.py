"""Borrowed arrays (neat/borrow.py): named tuples of arrays stay named, and the kernel tests pass
with borrowing switched off."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from numba import njit

from fitness.random_genomes import random_pool
from neat.borrow import borrow
from neat.network import pack_population

REPO = Path(__file__).resolve().parents[1]
KERNEL_TESTS = ("tests/test_network.py", "tests/test_species.py", "tests/test_reproduction.py",
                "tests/test_operators.py", "tests/test_xor.py", "tests/test_cartpole.py",
                "tests/test_double_pole.py", "tests/test_platformer_task.py",
                "tests/test_borrow.py::test_named_tuples_of_arrays_stay_named_when_borrowed")
"""Tests of every compiled function that borrows (network, speciation, breeding, the tasks)."""


def test_the_kernel_tests_pass_with_borrowing_off(tmp_path):
    # A cache folder of its own: numba's cache would otherwise hand back the borrowing kernels.
    env = {**os.environ, "NEAT_BORROW": "0", "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    switch = subprocess.run([sys.executable, "-c", "from neat import borrow; print(borrow.BORROWING)"],
                            env=env, cwd=REPO, capture_output=True, text=True, check=True)
    assert switch.stdout.strip() == "False"
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                             *KERNEL_TESTS], env=env, cwd=REPO, capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:]
    assert " passed" in result.stdout.splitlines()[-1]


@njit
def _read_by_name(pool, net):
    """Fields of borrowed named tuples, by name: compiles only if `borrow` kept their types."""
    pool, net = borrow(pool), borrow(net)
    return pool.conn_src.sum() + pool.node_start[-1], len(net.node_bias) + len(net.indices)


def test_named_tuples_of_arrays_stay_named_when_borrowed():
    pool = random_pool(np.random.default_rng(0), 3, (2, 1, 2), 5)
    net = pack_population(pool, recurrent=False).arrays
    assert _read_by_name(pool.arrays, net) == (
        pool.conn_src.sum() + pool.node_start[-1], len(net.node_bias) + len(net.indices))
