"""neat.parallel: every item once, any thread count, errors surface."""

import numba
import numpy as np
import pytest
from numba import njit

from neat.parallel import for_each_chunk


@njit(cache=True, nogil=True)
def _count_range(first, last, hits):
    for i in range(first, last):
        hits[i] += 1


@pytest.mark.parametrize("n_items", [0, 1, 2, 7, 150, 1001])
@pytest.mark.parametrize("threads", [1, 2])
def test_every_item_is_visited_exactly_once(n_items, threads):
    original = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        hits = np.zeros(n_items, dtype=np.int64)
        for_each_chunk(lambda first, last: _count_range(first, last, hits), n_items)
    finally:
        numba.set_num_threads(original)
    assert np.array_equal(hits, np.ones(n_items, dtype=np.int64))


def test_an_error_in_a_chunk_reaches_the_caller():
    def work(first, last):
        if first <= 5 < last:
            raise ValueError("chunk failed")

    with pytest.raises(ValueError, match="chunk failed"):
        for_each_chunk(work, 100)
