"""Population loops spread over threads with dynamic scheduling.

numba's `prange` gives each thread an equal, fixed share of the genomes. Episodes differ a lot in
length (a platformer genome that dies at once against one that reaches the flag), and any other
process on the machine slows one thread down, so a fixed share leaves threads idle: measured on
2 cores with a browser open, 1.2-1.6 M platformer frames/s with prange against 2.1-3.2 M with
chunks handed out on demand; batched activation of 10,000 small networks with one other busy
process, 0.83 M/s with prange against 30 M/s on one thread (docs/performance.md). `for_each_chunk` runs
a GIL-free compiled kernel over chunks of the population from the calling thread and a small
thread pool; each thread takes the next chunk when it finishes one, so a descheduled thread delays
the end by at most one chunk. Every genome's result depends only on the genome, so the schedule
never changes a fitness.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numba

CHUNKS_PER_THREAD = 8
"""Chunks per thread: enough to even out uneven episodes, few enough to keep dispatch cheap."""

_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(threads: int) -> ThreadPoolExecutor:
    with _pools_lock:
        if threads not in _pools:
            _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix="neat-eval")
        return _pools[threads]


def for_each_chunk(work: Callable[[int, int], None], n_items: int) -> None:
    """Call work(first, last) over consecutive ranges covering 0..n_items, from this thread and as
    many more as numba is set to use, less one. `work` must release the GIL (a `nogil=True`
    kernel) and must not let one range's result depend on another's."""
    threads = min(numba.get_num_threads(), n_items)
    if threads <= 1:
        if n_items > 0:
            work(0, n_items)
        return
    chunk = max(1, -(-n_items // (threads * CHUNKS_PER_THREAD)))
    starts = range(0, n_items, chunk)
    tickets = itertools.count()  # next() on a count is atomic under the GIL

    def worker() -> None:
        while (ticket := next(tickets)) < len(starts):
            work(starts[ticket], min(n_items, starts[ticket] + chunk))

    helpers = [_pool(threads - 1).submit(worker) for _ in range(threads - 1)]
    try:
        worker()
    finally:
        for helper in helpers:
            helper.result()
