"""A counter-based random stream for compiled kernels.

The stream state is a one-element uint64 array, seeded from the run's numpy Generator (see
`new_stream`), so one seed still fixes a whole run. Kernels advance it in place: a draw is a few
integer operations, where a numpy Generator passed into numba costs about 9 us per kernel call to
unbox and `Generator.integers` about 55 ns per draw.
"""

import math

import numpy as np
from numba import njit


def draw_seed(rng: np.random.Generator) -> int:
    """One 63-bit seed drawn from `rng`."""
    return int(rng.integers(0, 2**63 - 1))


def new_stream(rng: np.random.Generator) -> np.ndarray:
    """A fresh stream state for one kernel call, drawn from `rng`."""
    return np.array([draw_seed(rng)], dtype=np.uint64)


@njit(cache=True, inline="always")
def splitmix64(x: np.uint64) -> np.uint64:
    """The splitmix64 finaliser: a well-mixed 64-bit hash of `x`."""
    z = np.uint64(x) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def next_uniform(state: np.ndarray) -> float:
    """Next float in [0, 1) from a one-element uint64 `state` array (advanced in place)."""
    return (_next_u64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def random_below(state, n):
    """A uniform integer in 0..n-1 (n >= 1)."""
    return min(int(next_uniform(state) * n), n - 1)


def _ziggurat_tables(layers: int = 256, r: float = 3.6541528853610088,
                     area: float = 0.00492867323399) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marsaglia and Tsang's ziggurat for the normal density (J. Stat. Software 5(8), 2000), with
    52-bit layer positions: acceptance thresholds k, widths w and densities f per layer."""
    scale = 2.0**52
    k = np.zeros(layers, dtype=np.uint64)
    w = np.zeros(layers)
    f = np.zeros(layers)
    x = r
    q = area / math.exp(-0.5 * x * x)
    k[0] = np.uint64((x / q) * scale)
    w[0], w[-1] = q / scale, x / scale
    f[0], f[-1] = 1.0, math.exp(-0.5 * x * x)
    previous = x
    for i in range(layers - 2, 0, -1):
        x = math.sqrt(-2.0 * math.log(area / x + math.exp(-0.5 * x * x)))
        k[i + 1] = np.uint64((x / previous) * scale)
        previous = x
        f[i], w[i] = math.exp(-0.5 * x * x), x / scale
    return k, w, f


_ZIG_K, _ZIG_W, _ZIG_F = _ziggurat_tables()
_ZIG_R = 3.6541528853610088


@njit(cache=True)
def _next_u64(state):
    """The next 64 random bits: splitmix64 of the state, which then advances by its increment."""
    bits = splitmix64(state[0])
    state[0] = state[0] + np.uint64(0x9E3779B97F4A7C15)
    return bits


@njit(cache=True)
def next_normal(state, sigma):
    """A normal draw with mean 0 and standard deviation `sigma` (ziggurat; 99% of draws take one
    64-bit step: 8 bits pick the layer, one the sign, 52 the position)."""
    while True:
        bits = _next_u64(state)
        layer = bits & np.uint64(0xFF)
        negative = (bits >> np.uint64(8)) & np.uint64(1)
        position = (bits >> np.uint64(9)) & np.uint64(0xFFFFFFFFFFFFF)
        x = position * _ZIG_W[layer]
        if position < _ZIG_K[layer]:
            return sigma * (-x if negative else x)
        if layer == 0:  # the tail beyond _ZIG_R
            while True:
                tail = -math.log(1.0 - next_uniform(state)) / _ZIG_R
                if -2.0 * math.log(1.0 - next_uniform(state)) > tail * tail:
                    x = _ZIG_R + tail
                    return sigma * (-x if negative else x)
        below = _ZIG_F[layer] + next_uniform(state) * (_ZIG_F[layer - 1] - _ZIG_F[layer])
        if below < math.exp(-0.5 * x * x):
            return sigma * (-x if negative else x)
