"""The compiled random stream of neat.draws: reproducible, and the right distributions."""

import math

import numpy as np
from numba import njit

from neat.draws import new_stream, next_normal, next_uniform, random_below


@njit(cache=True)
def _draw(state, n, kind, arg):
    out = np.empty(n)
    for i in range(n):
        if kind == 0:
            out[i] = next_uniform(state)
        elif kind == 1:
            out[i] = next_normal(state, arg)
        else:
            out[i] = random_below(state, int(arg))
    return out


def _ks_normal(sample: np.ndarray, sigma: float) -> float:
    xs = np.sort(sample)
    cdf = 0.5 * (1.0 + np.array([math.erf(v / (sigma * math.sqrt(2.0))) for v in xs]))
    return float(np.max(np.abs(cdf - np.arange(1, len(xs) + 1) / len(xs))))


def test_one_seed_gives_one_stream():
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    a = _draw(new_stream(rng_a), 100, 1, 1.0)
    b = _draw(new_stream(rng_b), 100, 1, 1.0)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, _draw(new_stream(np.random.default_rng(6)), 100, 1, 1.0))


def test_normal_draws_are_normal_including_the_tail():
    n = 400_000
    sample = _draw(np.array([7], dtype=np.uint64), n, 1, 2.0)
    assert abs(sample.mean()) < 0.02 and abs(sample.std() - 2.0) < 0.02
    assert _ks_normal(sample, 2.0) < 1.63 / math.sqrt(n)  # Kolmogorov-Smirnov at 1%
    beyond = np.mean(np.abs(sample) > 2.0 * 3.6541528853610088)  # the ziggurat's tail
    expected = math.erfc(3.6541528853610088 / math.sqrt(2.0))
    assert abs(beyond - expected) < 5 * math.sqrt(expected / n)


def test_uniform_and_bounded_draws_cover_their_range_evenly():
    uniform = _draw(np.array([11], dtype=np.uint64), 200_000, 0, 0.0)
    assert uniform.min() >= 0.0 and uniform.max() < 1.0 and abs(uniform.mean() - 0.5) < 0.005
    below = _draw(np.array([13], dtype=np.uint64), 70_000, 2, 7.0).astype(np.int64)
    counts = np.bincount(below, minlength=7)
    assert len(counts) == 7 and counts.min() > 9_500 and counts.max() < 10_500
