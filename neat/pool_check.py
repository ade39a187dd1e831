"""Validation of a whole GenomePool in one compiled pass (used when loading checkpoints).

`pool_problem` applies `neat.genome.check_genome`'s rules (its pure-Python twin) to every genome of a
pool, plus activation ids in range, and reports the first genome that breaks one.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from neat.activations import ACTIVATIONS
from neat.genome import HIDDEN, INPUT, OUTPUT, GenomePool

PROBLEMS = (
    "",
    "input and output nodes must be ids 0..n_inputs+n_outputs-1",
    "node ids must be sorted and unique",
    "node kinds do not match node ids",
    "innovation numbers must be sorted and unique",
    "a connection refers to a node that does not exist",
    "a connection ends at an input node",
    "two connections join the same pair of nodes",
    "a weight or bias is not finite",
    "a feed-forward genome contains a cycle",
    "an activation id is out of range",
)


@njit(cache=True)
def _genome_problem(n_inputs, n_outputs, nodes, conns, n_activations, feed_forward):
    """Index into PROBLEMS of the first rule one genome breaks (0 = valid).

    nodes = (id, kind, bias, act) and conns = (innov, src, dst, weight) of one genome.
    """
    node_id, node_kind, node_bias, node_act = nodes
    innov, src, dst, weight = conns
    n_io = n_inputs + n_outputs
    n = len(node_id)
    if n < n_io:
        return 1
    for i in range(n_io):
        if node_id[i] != i:
            return 1
    for i in range(1, n):
        if node_id[i] <= node_id[i - 1]:
            return 2
    for i in range(n):
        expected = INPUT if i < n_inputs else (OUTPUT if i < n_io else HIDDEN)
        if node_kind[i] != expected:
            return 3
    for i in range(1, len(innov)):
        if innov[i] <= innov[i - 1]:
            return 4
    m = len(src)
    src_pos = np.searchsorted(node_id, src)
    dst_pos = np.searchsorted(node_id, dst)
    for c in range(m):
        if (src_pos[c] >= n or node_id[min(src_pos[c], n - 1)] != src[c]
                or dst_pos[c] >= n or node_id[min(dst_pos[c], n - 1)] != dst[c]):
            return 5
    for c in range(m):
        if dst[c] < n_inputs:
            return 6
    pair = np.sort(src_pos * n + dst_pos)
    for c in range(1, m):
        if pair[c] == pair[c - 1]:
            return 7
    for c in range(m):
        if not np.isfinite(weight[c]):
            return 8
    for i in range(n):
        if not np.isfinite(node_bias[i]):
            return 8
    if feed_forward and _has_cycle(n, src_pos, dst_pos):
        return 9
    for i in range(n):
        if node_act[i] < 0 or node_act[i] >= n_activations:
            return 10
    return 0


@njit(cache=True)
def _has_cycle(n, src_pos, dst_pos):
    """Kahn's algorithm over node positions: True when some nodes can never be ordered."""
    indegree = np.zeros(n, dtype=np.int64)
    for c in range(len(dst_pos)):
        indegree[dst_pos[c]] += 1
    order = np.argsort(src_pos, kind="mergesort")
    first = np.searchsorted(src_pos[order], np.arange(n + 1))
    queue = np.empty(n, dtype=np.int64)
    tail = 0
    for i in range(n):
        if indegree[i] == 0:
            queue[tail] = i
            tail += 1
    head = 0
    while head < tail:
        node = queue[head]
        head += 1
        for k in range(first[node], first[node + 1]):
            d = dst_pos[order[k]]
            indegree[d] -= 1
            if indegree[d] == 0:
                queue[tail] = d
                tail += 1
    return tail < n


@njit(cache=True)
def _first_problem(n_inputs, n_outputs, offsets, nodes, conns, n_activations, feed_forward):
    """(genome position, problem index) of the first invalid genome, or (-1, 0)."""
    node_start, conn_start = offsets
    node_id, node_kind, node_bias, node_act = nodes
    innov, src, dst, weight = conns
    for g in range(len(node_start) - 1):
        n0, n1 = node_start[g], node_start[g + 1]
        c0, c1 = conn_start[g], conn_start[g + 1]
        code = _genome_problem(
            n_inputs, n_outputs,
            (node_id[n0:n1], node_kind[n0:n1], node_bias[n0:n1], node_act[n0:n1]),
            (innov[c0:c1], src[c0:c1], dst[c0:c1], weight[c0:c1]),
            n_activations, feed_forward)
        if code:
            return g, code
    return -1, 0


def pool_problem(pool: GenomePool, feed_forward: bool) -> str | None:
    """A readable description of the first invalid genome in `pool`, or None when all are valid.

    The offsets (node_start, conn_start) must already be consistent with the array lengths.
    """
    g, code = _first_problem(
        pool.n_inputs, pool.n_outputs, (pool.node_start, pool.conn_start),
        (pool.node_id, pool.node_kind, pool.node_bias, pool.node_act),
        (pool.conn_innov, pool.conn_src, pool.conn_dst, pool.conn_weight),
        len(ACTIVATIONS), feed_forward)
    if g < 0:
        return None
    return f"genome {int(pool.genome_ids[g])} (position {g}): {PROBLEMS[code]}"


def offsets_problem(start: np.ndarray, n_items: int, n_genomes: int) -> str | None:
    """Why `start` is not a valid offsets array for n_genomes genomes over n_items items, or None."""
    if start.shape != (n_genomes + 1,):
        return f"expected {n_genomes + 1} offsets, got {len(start)}"
    if start[0] != 0 or start[-1] != n_items:
        return f"offsets must run from 0 to {n_items}, got {int(start[0])} to {int(start[-1])}"
    if np.any(np.diff(start) < 0):
        return "offsets must not decrease"
    return None
