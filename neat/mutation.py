"""Mutation operators, compiled, acting on one child genome held in a region of the output arrays.

A child occupies nodes [ns, ns+nn) and connections [cs, cs+nc) of `out`, a
`neat.genome.ChildArrays` (fields read by name, like the pool's `neat.genome.PoolArrays`).
Operators that change the gene count return the new counts. Genes may be appended out of order; the
caller sorts the child afterwards with `sort_child`.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from neat.draws import next_normal, next_uniform, random_below
from neat.genome import HIDDEN, INPUT, OUTPUT


class MutationRates(NamedTuple):
    """What the compiled operators read of the config (reproduction.mutation_rates builds it);
    a named tuple, so kernels take it as one argument and read fields by name."""

    weight_rate: float  # per genome: chance its weights mutate
    weight_perturb: float  # per weight: chance of a perturbation (else a fresh draw)
    weight_power: float  # perturbation scale
    bias_rate: float
    bias_perturb: float
    bias_power: float
    add_node: float  # per child: chance of each structural mutation
    add_connection: float
    toggle: float
    delete_connection: float
    delete_node: float
    activation_rate: float  # per node: chance its activation is redrawn
    weight_init: float  # stdev of fresh weights and biases
    bias_init: float
    weight_max: float  # weights and biases are clamped to +-weight_max
    connection_tries: int  # attempts to find an unconnected pair
    default_activation: int  # activation id of new hidden nodes
    perturb_uniform: bool  # uniform perturbations instead of normal ones

_u = np.uint64  # indexing with unsigned ints skips numba's negative-index wraparound


@njit(cache=True, inline="always")
def _find_link(out, cs, nc, src, dst):
    conn_src, conn_dst = out.conn_src, out.conn_dst
    for c in range(cs, cs + nc):
        if conn_src[c] == src and conn_dst[c] == dst:
            return c
    return -1


@njit(cache=True, inline="always")
def _has_node(out, ns, nn, node):
    node_id = out.node_id
    for i in range(ns, ns + nn):  # noqa: SIM110 (a plain loop compiles; any() over a generator does not)
        if node_id[i] == node:
            return True
    return False


@njit(cache=True)
def creates_cycle(out, cs, nc, src, dst, queue):
    """True if a link src -> dst would close a cycle among the child's links (enabled or not).

    A breadth-first search from `dst`; `queue` (at least nc + 1 long) holds every node reached,
    so it doubles as the visited list (no allocation: this runs for most add-connection tries)."""
    if src == dst:
        return True
    conn_src, conn_dst = out.conn_src, out.conn_dst
    queue[0] = dst
    head, tail = 0, 1
    while head < tail:
        v = queue[head]
        head += 1
        for c in range(cs, cs + nc):
            if conn_src[c] == v:
                w = conn_dst[c]
                if w == src:
                    return True
                seen = False
                for k in range(tail):
                    if queue[k] == w:
                        seen = True
                        break
                if not seen:
                    queue[tail] = w
                    tail += 1
    return False


@njit(cache=True)
def _link_innovation(links, counters, src, dst):
    key = (src, dst)
    if key in links:
        return links[key]
    innov = counters[0]
    counters[0] += 1
    links[key] = innov
    return innov


@njit(cache=True, inline="always")
def _append_conn(out, cs, nc, innov, src, dst, weight, enabled):
    c = _u(cs + nc)
    out.conn_innov[c] = innov
    out.conn_src[c] = src
    out.conn_dst[c] = dst
    out.conn_weight[c] = weight
    out.conn_enabled[c] = enabled
    return nc + 1


@njit(cache=True)
def mutate_add_node(out, ns, nn, cs, nc, rng, rates, links, splits, counters):
    """Split a random enabled connection: in-link weight 1, out-link the old weight, old link disabled.

    Returns (nn, nc).
    """
    conn_enabled = out.conn_enabled
    n_enabled = 0
    for c in range(cs, cs + nc):
        if conn_enabled[c]:
            n_enabled += 1
    if n_enabled == 0:
        return nn, nc
    pick = random_below(rng, n_enabled)
    chosen = -1
    for c in range(cs, cs + nc):
        if conn_enabled[c]:
            if pick == 0:
                chosen = c
                break
            pick -= 1
    innov, src, dst = out.conn_innov[chosen], out.conn_src[chosen], out.conn_dst[chosen]
    weight = out.conn_weight[chosen]
    conn_enabled[chosen] = False
    if innov in splits and not _has_node(out, ns, nn, splits[innov]):
        node = splits[innov]
    else:
        node = counters[1]
        counters[1] += 1
        if innov not in splits:
            splits[innov] = node
    i = ns + nn
    out.node_id[i] = node
    out.node_kind[i] = HIDDEN
    out.node_bias[i] = 0.0
    out.node_act[i] = np.int8(rates.default_activation)
    nn += 1
    nc = _append_conn(out, cs, nc, _link_innovation(links, counters, src, node), src, node, 1.0, True)
    nc = _append_conn(out, cs, nc, _link_innovation(links, counters, node, dst), node, dst, weight, True)
    return nn, nc


@njit(cache=True)
def mutate_add_connection(out, ns, nn, cs, nc, rng, rates, links, counters, feed_forward, queue):
    """Add a link between two unconnected nodes (no cycles when feed-forward). Returns nc.
    `queue`: scratch for `creates_cycle`."""
    node_id, node_kind = out.node_id, out.node_kind
    for _ in range(rates.connection_tries):
        s = ns + random_below(rng, nn)
        d = ns + random_below(rng, nn)
        if node_kind[d] == INPUT:
            continue
        if feed_forward and node_kind[s] == OUTPUT:
            continue
        src, dst = node_id[s], node_id[d]
        if _find_link(out, cs, nc, src, dst) >= 0:
            continue
        if feed_forward and creates_cycle(out, cs, nc, src, dst, queue):
            continue
        weight = next_normal(rng, rates.weight_init) if rates.weight_init > 0 else 0.0
        weight = min(max(weight, -rates.weight_max), rates.weight_max)
        return _append_conn(out, cs, nc, _link_innovation(links, counters, src, dst), src, dst,
                            weight, True)
    return nc


@njit(cache=True, inline="always")
def _mutate_value(value, rng, perturb_rate, power, init_stdev, limit, uniform):
    """Perturb `value` (by N(0, power), or U(-power, power) when `uniform`) or replace it by a
    draw from N(0, init_stdev); clamp to +-limit."""
    if next_uniform(rng) < perturb_rate:
        if uniform:
            value += (2.0 * next_uniform(rng) - 1.0) * power
        elif power > 0:
            value += next_normal(rng, power)
    else:
        value = next_normal(rng, init_stdev) if init_stdev > 0 else 0.0
    return min(max(value, -limit), limit)


@njit(cache=True)
def mutate_parameters(out, ns, nn, cs, nc, rng, rates, activation_options):
    """Weight, bias and activation mutation (per-genome chance, then per-gene perturb or replace)."""
    weights, kinds, biases = out.conn_weight, out.node_kind, out.node_bias
    if next_uniform(rng) < rates.weight_rate:
        for c in range(cs, cs + nc):
            weights[_u(c)] = _mutate_value(weights[_u(c)], rng, rates.weight_perturb,
                                           rates.weight_power, rates.weight_init,
                                           rates.weight_max, rates.perturb_uniform)
    if next_uniform(rng) < rates.bias_rate:
        for i in range(ns, ns + nn):
            if kinds[_u(i)] != INPUT:
                biases[_u(i)] = _mutate_value(biases[_u(i)], rng, rates.bias_perturb,
                                              rates.bias_power, rates.bias_init,
                                              rates.weight_max, rates.perturb_uniform)
    if rates.activation_rate > 0:
        for i in range(ns, ns + nn):
            if out.node_kind[i] != INPUT and next_uniform(rng) < rates.activation_rate:
                out.node_act[i] = activation_options[random_below(rng, len(activation_options))]


@njit(cache=True)
def mutate_toggle_enable(out, cs, nc, rng):
    """Flip the enabled flag of one random connection."""
    if nc > 0:
        c = cs + random_below(rng, nc)
        out.conn_enabled[c] = not out.conn_enabled[c]


@njit(cache=True, inline="always")
def _swap_nodes(out, a, b):
    ids, kinds, biases, acts = out.node_id, out.node_kind, out.node_bias, out.node_act
    ids[a], ids[b] = ids[b], ids[a]
    kinds[a], kinds[b] = kinds[b], kinds[a]
    biases[a], biases[b] = biases[b], biases[a]
    acts[a], acts[b] = acts[b], acts[a]


@njit(cache=True, inline="always")
def _swap_conns(out, a, b):
    innovs, srcs, dsts = out.conn_innov, out.conn_src, out.conn_dst
    weights, enabled = out.conn_weight, out.conn_enabled
    innovs[a], innovs[b] = innovs[b], innovs[a]
    srcs[a], srcs[b] = srcs[b], srcs[a]
    dsts[a], dsts[b] = dsts[b], dsts[a]
    weights[a], weights[b] = weights[b], weights[a]
    enabled[a], enabled[b] = enabled[b], enabled[a]


@njit(cache=True)
def _remove_conn(out, cs, nc, c):
    for k in range(c, cs + nc - 1):
        _swap_conns(out, k, k + 1)
    return nc - 1


@njit(cache=True)
def mutate_delete_connection(out, cs, nc, rng):
    """Remove one random connection. Returns nc."""
    if nc == 0:
        return nc
    return _remove_conn(out, cs, nc, cs + random_below(rng, nc))


@njit(cache=True)
def mutate_delete_node(out, ns, nn, cs, nc, rng):
    """Remove one random hidden node and every link touching it. Returns (nn, nc)."""
    n_hidden = 0
    for i in range(ns, ns + nn):
        if out.node_kind[i] == HIDDEN:
            n_hidden += 1
    if n_hidden == 0:
        return nn, nc
    pick = random_below(rng, n_hidden)
    for i in range(ns, ns + nn):
        if out.node_kind[i] == HIDDEN:
            if pick == 0:
                node = out.node_id[i]
                for k in range(i, ns + nn - 1):
                    _swap_nodes(out, k, k + 1)
                nn -= 1
                c = cs
                while c < cs + nc:
                    if out.conn_src[c] == node or out.conn_dst[c] == node:
                        nc = _remove_conn(out, cs, nc, c)
                    else:
                        c += 1
                return nn, nc
            pick -= 1
    return nn, nc


@njit(cache=True)
def sort_child(out, ns, nn, cs, nc):
    """Insertion-sort the child's nodes by id and connections by innovation (nearly sorted input)."""
    ids, innovations = out.node_id, out.conn_innov
    for i in range(ns + 1, ns + nn):
        j = i
        while j > ns and ids[_u(j - 1)] > ids[_u(j)]:
            _swap_nodes(out, j - 1, j)
            j -= 1
    for i in range(cs + 1, cs + nc):
        j = i
        while j > cs and innovations[_u(j - 1)] > innovations[_u(j)]:
            _swap_conns(out, j - 1, j)
            j -= 1
