"""Historical markings: innovation numbers for new links, node ids for split links.

Within one generation the same structural innovation gets the same number: a link between the same two
nodes gets the same innovation number, and a split of the same connection gets the same new node id (and
the same two link innovations). The breeding kernel clears the per-generation tables before it breeds
a generation; the counters live for the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, types
from numba.typed import Dict

LINK_KEY = types.UniTuple(types.int64, 2)


@njit(cache=True)
def _new_tables():
    """Empty link and split tables, made in compiled code so a new process loads them from the
    cache instead of compiling typed-dict code at start-up."""
    links = Dict.empty(key_type=LINK_KEY, value_type=types.int64)
    splits = Dict.empty(key_type=types.int64, value_type=types.int64)
    return links, splits


@dataclass
class InnovationTracker:
    """Run-wide counters plus this generation's innovation tables (typed dicts usable in kernels)."""

    counters: np.ndarray  # int64 (2,): next innovation number, next node id
    links: Dict  # (source, target) -> innovation
    splits: Dict  # split innovation -> new node id

    @staticmethod
    def start(next_innovation: int, next_node_id: int) -> InnovationTracker:
        links, splits = _new_tables()
        return InnovationTracker(np.array([next_innovation, next_node_id], dtype=np.int64),
                                 links, splits)

    @property
    def next_innovation(self) -> int:
        return int(self.counters[0])

    @property
    def next_node_id(self) -> int:
        return int(self.counters[1])
