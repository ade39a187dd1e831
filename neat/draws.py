"""Random draws for compiled kernels.

numba's `Generator.integers` costs about 55 ns a call, nine times a `Generator.random`; the
breeding kernels draw a few per child, so they use `random_below` instead.
"""

from numba import njit


@njit(cache=True, inline="always")
def random_below(rng, n):
    """A uniform integer in 0..n-1 (n >= 1), from one `rng.random()` draw."""
    return min(int(rng.random() * n), n - 1)
