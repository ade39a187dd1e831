"""Crossover by historical markings, compiled: align two parents' genes by innovation number.

Matching genes come from either parent at random; disjoint and excess genes from the fitter parent (from
both when fitness is equal); a matching gene disabled in either parent stays disabled with probability
`disabled_rate` (0.75 in the paper). Parent genomes are read from the `pool` tuple
(node_start, node_id, node_kind, node_bias, node_act, conn_start, conn_innov, conn_src, conn_dst,
conn_weight, conn_enabled); the child is written into a region of `out` (see neat/mutation.py).
"""

import numpy as np
from numba import njit

from neat.genome import HIDDEN
from neat.mutation import _append_conn, _find_link, creates_cycle, sort_child


@njit(cache=True)
def copy_into(pool, g, out, ns, cs):
    """Copy genome `g` of the pool into the child region. Returns (nn, nc)."""
    n0, n1 = pool[0][g], pool[0][g + 1]
    c0, c1 = pool[5][g], pool[5][g + 1]
    nn, nc = n1 - n0, c1 - c0
    out[0][ns : ns + nn] = pool[1][n0:n1]
    out[1][ns : ns + nn] = pool[2][n0:n1]
    out[2][ns : ns + nn] = pool[3][n0:n1]
    out[3][ns : ns + nn] = pool[4][n0:n1]
    out[4][cs : cs + nc] = pool[6][c0:c1]
    out[5][cs : cs + nc] = pool[7][c0:c1]
    out[6][cs : cs + nc] = pool[8][c0:c1]
    out[7][cs : cs + nc] = pool[9][c0:c1]
    out[8][cs : cs + nc] = pool[10][c0:c1]
    return nn, nc


@njit(cache=True)
def crossover_into(pool, g1, g2, equal, out, ns, cs, rng, disabled_rate, feed_forward):
    """Child of parents g1 (the fitter, or equal when `equal`) and g2. Returns (nn, nc)."""
    innov, src, dst, weight, enabled = pool[6], pool[7], pool[8], pool[9], pool[10]
    i, i_end = pool[5][g1], pool[5][g1 + 1]
    j, j_end = pool[5][g2], pool[5][g2 + 1]
    cand = np.empty(j_end - j, dtype=np.int64)  # genes of g2 kept only if they fit (equal fitness)
    n_cand = 0
    nc = 0
    while i < i_end or j < j_end:
        if i < i_end and j < j_end and innov[i] == innov[j]:
            take = i if rng.random() < 0.5 else j
            on = enabled[take]
            if not enabled[i] or not enabled[j]:
                on = not (rng.random() < disabled_rate)
            nc = _append_conn(out, cs, nc, innov[i], src[i], dst[i], weight[take], on)
            i += 1
            j += 1
        elif j >= j_end or (i < i_end and innov[i] < innov[j]):
            nc = _append_conn(out, cs, nc, innov[i], src[i], dst[i], weight[i], enabled[i])
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
        if feed_forward and creates_cycle(out, cs, nc, src[c], dst[c]):
            continue
        nc = _append_conn(out, cs, nc, innov[c], src[c], dst[c], weight[c], enabled[c])
    nn = _inherit_nodes(pool, g1, g2, out, ns, cs, nc, rng)
    sort_child(out, ns, nn, cs, nc)
    return nn, nc


@njit(cache=True)
def _inherit_nodes(pool, g1, g2, out, ns, cs, nc, rng):
    """Node genes of the child: inputs, outputs and every node its links use; attributes from a
    random parent when both have the node."""
    used = set()
    for c in range(cs, cs + nc):
        used.add(out[5][c])
        used.add(out[6][c])
    node_start, node_id, node_kind = pool[0], pool[1], pool[2]
    a0, a1 = node_start[g1], node_start[g1 + 1]
    b0, b1 = node_start[g2], node_start[g2 + 1]
    nn = 0
    for a in range(a0, a1):
        if node_kind[a] != HIDDEN or node_id[a] in used:
            src = a
            b = b0 + np.searchsorted(node_id[b0:b1], node_id[a])
            if b < b1 and node_id[b] == node_id[a] and rng.random() >= 0.5:
                src = b
            _copy_node(pool, src, out, ns + nn)
            nn += 1
    for b in range(b0, b1):
        if node_kind[b] == HIDDEN and node_id[b] in used:
            a = a0 + np.searchsorted(node_id[a0:a1], node_id[b])
            if not (a < a1 and node_id[a] == node_id[b]):
                _copy_node(pool, b, out, ns + nn)
                nn += 1
    return nn


@njit(cache=True, inline="always")
def _copy_node(pool, k, out, i):
    out[0][i] = pool[1][k]
    out[1][i] = pool[2][k]
    out[2][i] = pool[3][k]
    out[3][i] = pool[4][k]
