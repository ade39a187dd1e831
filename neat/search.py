"""Binary search inside compiled kernels (numba's np.searchsorted allocates on every call)."""

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def lower_bound(sorted_values, lo, hi, value):
    """First position p in lo..hi with sorted_values[p] >= value (hi when there is none)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if sorted_values[np.uint64(mid)] < value:  # unsigned: no wraparound check
            lo = mid + 1
        else:
            hi = mid
    return lo
