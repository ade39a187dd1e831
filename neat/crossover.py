"""Crossover by historical markings, compiled: align two parents' genes by innovation number.

Matching genes come from either parent at random; disjoint and excess genes from the fitter parent (from
both when fitness is equal); a matching gene disabled in either parent stays disabled with probability
`disabled_rate` (0.75 in the paper). Parent genomes are read from `pool`, a
`neat.genome.PoolArrays`; the child is written into a region of `out`, a `neat.genome.ChildArrays`
(see neat/mutation.py).
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from neat.draws import next_uniform
from neat.genome import HIDDEN, largest_genome
from neat.mutation import _append_conn, _find_link, creates_cycle, sort_child
from neat.search import lower_bound

_u = np.uint64  # indexing with unsigned ints skips numba's negative-index wraparound


class CrossoverWork(NamedTuple):
    """Scratch for breeding (`crossover_workspace`)."""

    marks: np.ndarray  # bool (2, most nodes): nodes of parents g1 (row 0), g2 (row 1) the child uses
    candidates: np.ndarray  # int64 (most connections,): genes of g2 kept only if they fit
    queue: np.ndarray  # int64: the search queue of `creates_cycle`, room for a child's links


@njit(cache=True)
def copy_into(pool, g, out, ns, cs):
    """Copy genome `g` of the pool into the child region. Returns (nn, nc)."""
    n0, n1 = pool.node_start[g], pool.node_start[g + 1]
    c0, c1 = pool.conn_start[g], pool.conn_start[g + 1]
    for k in range(n1 - n0):  # element loops: numba's slice assignment costs more here
        _copy_node(pool, n0 + k, out, ns + k)
    for k in range(c1 - c0):
        c = _u(c0 + k)
        _append_conn(out, cs, k, pool.conn_innov[c], pool.conn_src[c], pool.conn_dst[c],
                     pool.conn_weight[c], pool.conn_enabled[c])
    nn, nc = n1 - n0, c1 - c0
    return nn, nc


@njit(cache=True)
def crossover_workspace(pool):
    """A `CrossoverWork` for breeding children of parents from `pool` (marks all False)."""
    most_nodes, most_conns = largest_genome(pool.node_start, pool.conn_start)
    return CrossoverWork(np.zeros((2, most_nodes), dtype=np.bool_),
                         np.empty(most_conns, dtype=np.int64),
                         np.empty(2 * most_conns + 4, dtype=np.int64))


@njit(cache=True)
def crossover_into(pool, g1, g2, equal, out, ns, cs, rng, disabled_rate, feed_forward, work):
    """Child of parents g1 (the fitter, or equal when `equal`) and g2. Returns (nn, nc).
    `work` comes from `crossover_workspace`."""
    innov, src, dst = pool.conn_innov, pool.conn_src, pool.conn_dst
    weight, enabled = pool.conn_weight, pool.conn_enabled
    i, i_end = pool.conn_start[g1], pool.conn_start[g1 + 1]
    j, j_end = pool.conn_start[g2], pool.conn_start[g2 + 1]
    cand = work.candidates  # genes of g2 kept only if they fit (equal fitness)
    n_cand = 0
    nc = 0
    while i < i_end or j < j_end:  # indices cast to unsigned (_u): no wraparound checks
        if i < i_end and j < j_end and innov[_u(i)] == innov[_u(j)]:
            take = _u(i) if next_uniform(rng) < 0.5 else _u(j)
            on = enabled[take]
            if not enabled[_u(i)] or not enabled[_u(j)]:
                on = not (next_uniform(rng) < disabled_rate)
            nc = _append_conn(out, cs, nc, innov[_u(i)], src[_u(i)], dst[_u(i)], weight[take], on)
            i += 1
            j += 1
        elif j >= j_end or (i < i_end and innov[_u(i)] < innov[_u(j)]):
            nc = _append_conn(out, cs, nc, innov[_u(i)], src[_u(i)], dst[_u(i)], weight[_u(i)],
                              enabled[_u(i)])
            i += 1
        else:
            if equal:
                cand[n_cand] = j
                n_cand += 1
            j += 1
    for k in range(n_cand):
        c = cand[k]
        if _find_link(out, cs, nc, src[c], dst[c]) >= 0:
            continue
        if feed_forward and creates_cycle(out, cs, nc, src[c], dst[c], work.queue):
            continue
        nc = _append_conn(out, cs, nc, innov[c], src[c], dst[c], weight[c], enabled[c])
    nn = _inherit_nodes(pool, g1, g2, out, ns, cs, nc, rng, work.marks)
    sort_child(out, ns, nn, cs, nc)
    return nn, nc


@njit(cache=True)
def _inherit_nodes(pool, g1, g2, out, ns, cs, nc, rng, marks):
    """Node genes of the child: inputs, outputs and every node its links use; attributes from a
    random parent when both have the node. `marks` (2, most nodes): all False on entry and exit."""
    node_start, node_id, node_kind = pool.node_start, pool.node_id, pool.node_kind
    a0, a1 = node_start[g1], node_start[g1 + 1]
    b0, b1 = node_start[g2], node_start[g2 + 1]
    n_io = 0  # inputs and outputs: ids 0..n_io-1, first in every genome, always inherited
    while a0 + n_io < a1 and node_kind[_u(a0 + n_io)] != HIDDEN:
        n_io += 1
    marks_a, marks_b = marks[0], marks[1]
    for c in range(cs, cs + nc):  # mark the hidden nodes the child's links use, in either parent
        for node in (out.conn_src[_u(c)], out.conn_dst[_u(c)]):
            if node < n_io:
                continue
            a = lower_bound(node_id, a0 + n_io, a1, node)
            if a < a1 and node_id[_u(a)] == node:
                marks_a[_u(a - a0)] = True
            b = lower_bound(node_id, b0 + n_io, b1, node)
            if b < b1 and node_id[_u(b)] == node:
                marks_b[_u(b - b0)] = True
    nn = 0
    b = b0
    for a in range(a0, a1):  # g1's nodes in order, then g2's missing from g1 (sorted later)
        while b < b1 and node_id[_u(b)] < node_id[_u(a)]:
            b += 1
        if node_kind[_u(a)] != HIDDEN or marks_a[_u(a - a0)]:
            src = a
            if b < b1 and node_id[_u(b)] == node_id[_u(a)] and next_uniform(rng) >= 0.5:
                src = b
            _copy_node(pool, src, out, ns + nn)
            nn += 1
    a = a0
    for b in range(b0, b1):
        while a < a1 and node_id[_u(a)] < node_id[_u(b)]:
            a += 1
        if (node_kind[_u(b)] == HIDDEN and marks_b[_u(b - b0)]
                and not (a < a1 and node_id[_u(a)] == node_id[_u(b)])):
            _copy_node(pool, b, out, ns + nn)
            nn += 1
    marks[0, : a1 - a0] = False
    marks[1, : b1 - b0] = False
    return nn


@njit(cache=True, inline="always")
def _copy_node(pool, k, out, i):
    k, i = _u(k), _u(i)
    out.node_id[i] = pool.node_id[k]
    out.node_kind[i] = pool.node_kind[k]
    out.node_bias[i] = pool.node_bias[k]
    out.node_act[i] = pool.node_act[k]
