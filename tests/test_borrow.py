"""The switch that turns borrowed arrays off (neat/borrow.py): the kernel tests pass without them."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KERNEL_TESTS = ("tests/test_network.py", "tests/test_species.py", "tests/test_reproduction.py",
                "tests/test_operators.py", "tests/test_xor.py", "tests/test_cartpole.py",
                "tests/test_double_pole.py", "tests/test_platformer_task.py")
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
