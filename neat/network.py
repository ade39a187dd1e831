"""Genome -> phenotype: packed CSR networks for a whole population, and their activation.

A `PackedNetworks` holds every genome of a pool as one set of flat arrays. Node values live in a
population-wide buffer of length n_nodes_total: genome g owns values[node_start[g]:node_start[g+1]],
with its inputs at local positions 0..n_inputs-1 and its outputs right after them.

Feed-forward: the nodes that lie on a path to an output are evaluated once, in topological order.
Recurrent: every such node is updated once per activation from the previous step's values
(one propagation step per activation; the state is kept between calls until `reset_values`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
from numba import njit

from neat.activations import apply_activation, apply_activation_py
from neat.borrow import borrow
from neat.genome import Genome, GenomePool, PoolArrays, largest_genome
from neat.parallel import for_each_chunk
from neat.search import lower_bound


@dataclass
class PackedNetworks:
    """Compiled-ready phenotypes of a population (see module docstring for the layout)."""

    n_inputs: int
    n_outputs: int
    recurrent: bool
    genome_ids: np.ndarray  # int64 (G,)
    node_start: np.ndarray  # int64 (G+1,) into node_bias / node_act / values
    node_bias: np.ndarray  # float64 (N,)
    node_act: np.ndarray  # int8 (N,)
    eval_start: np.ndarray  # int64 (G,) into eval_node
    eval_end: np.ndarray  # int64 (G,)
    eval_node: np.ndarray  # int64 (N,) global node index, in evaluation order
    in_start: np.ndarray  # int64 (N,) per eval entry: range into in_src / in_weight
    in_end: np.ndarray  # int64 (N,)
    in_src: np.ndarray  # int64 (C,) global node index of the source
    in_weight: np.ndarray  # float64 (C,)

    def __len__(self) -> int:
        return len(self.genome_ids)

    @cached_property
    def arrays(self) -> NetworkArrays:
        """The `NetworkArrays` (`net`) that compiled kernels take. Its indices are built on first
        use: changes to the integer arrays after that are not seen (biases and weights are
        shared, not copied)."""
        indices = _build_index(self.n_inputs, self.node_start, self.node_act, self.eval_start,
                             self.eval_end, self.eval_node, self.in_start, self.in_end,
                             self.in_src)
        return NetworkArrays(indices, self.node_bias, self.in_weight)

    def new_values(self) -> np.ndarray:
        """A zeroed node-value buffer for the whole population, shape (N,)."""
        return np.zeros(len(self.node_bias), dtype=np.float64)


class NetworkArrays(NamedTuple):
    """Packed networks as compiled kernels take them (`PackedNetworks.arrays`, named `net`)."""

    indices: np.ndarray  # int64: every integer the activation reads, laid out as below (a field
    # named `index` would hide tuple.index, which numba compiles too)
    node_bias: np.ndarray  # float64 (N,); N is also the size of a node-value buffer
    in_weight: np.ndarray  # float64 (C,)


# `NetworkArrays.indices` holds the integers in the order the activation reads them: a header, then a
# record per genome, then a record per eval entry, then in_src (the sources' value positions).
INDEX_HEADER = 4
"""Length of the header."""
HEADER_GENOMES, HEADER_ENTRIES, HEADER_SOURCES, HEADER_INPUTS = 0, 1, 2, 3
"""Header slots: where the genome records, the entry records and the sources start; n_inputs."""
GENOME_RECORD = 4
"""Length of a genome's record."""
GENOME_FIRST_NODE, GENOME_END_NODE, GENOME_FIRST_ENTRY, GENOME_END_ENTRY = 0, 1, 2, 3
"""Fields of a genome's record: its range of node values and its range of eval entries."""
ENTRY_RECORD = 4
"""Length of an eval entry's record."""
ENTRY_NODE, ENTRY_FIRST_LINK, ENTRY_END_LINK, ENTRY_ACTIVATION = 0, 1, 2, 3
"""Fields of an eval entry's record: the node's value position, its range of incoming links
(positions in in_weight and in the sources), its activation id."""

_u = np.uint64


@njit(cache=True)
def _build_index(n_inputs, node_start, node_act, eval_start, eval_end, eval_node, in_start,
                 in_end, in_src):
    """The int64 buffer `NetworkArrays.indices` (layout above)."""
    n_genomes, n_entries = len(eval_start), len(eval_node)
    genomes = INDEX_HEADER
    entries = genomes + GENOME_RECORD * n_genomes
    sources = entries + ENTRY_RECORD * n_entries
    index = np.empty(sources + len(in_src), dtype=np.int64)
    index[HEADER_GENOMES], index[HEADER_ENTRIES] = genomes, entries
    index[HEADER_SOURCES], index[HEADER_INPUTS] = sources, n_inputs
    for g in range(n_genomes):
        r = genomes + GENOME_RECORD * g
        index[r + GENOME_FIRST_NODE], index[r + GENOME_END_NODE] = node_start[g], node_start[g + 1]
        index[r + GENOME_FIRST_ENTRY], index[r + GENOME_END_ENTRY] = eval_start[g], eval_end[g]
    for e in range(n_entries):
        r = entries + ENTRY_RECORD * e
        index[r + ENTRY_NODE] = eval_node[e]
        index[r + ENTRY_FIRST_LINK], index[r + ENTRY_END_LINK] = in_start[e], in_end[e]
        index[r + ENTRY_ACTIVATION] = node_act[eval_node[e]]
    index[sources:] = in_src
    return index


class PackOutput(NamedTuple):
    """What packing writes: the CSR arrays of `PackedNetworks` (see there), its last fields."""

    eval_start: np.ndarray
    eval_end: np.ndarray
    eval_node: np.ndarray
    in_start: np.ndarray
    in_end: np.ndarray
    in_src: np.ndarray
    in_weight: np.ndarray

    @staticmethod
    def zeros(n_genomes: int, n_nodes: int, n_links: int) -> PackOutput:
        """Zeroed arrays for packing a pool of these sizes."""
        return PackOutput(np.zeros(n_genomes, np.int64), np.zeros(n_genomes, np.int64),
                          np.zeros(n_nodes, np.int64), np.zeros(n_nodes, np.int64),
                          np.zeros(n_nodes, np.int64), np.zeros(n_links, np.int64),
                          np.zeros(n_links, np.float64))


class PackWork(NamedTuple):
    """Scratch for packing one genome (`_workspace`); nodes and links are numbered within the
    genome."""

    ints: np.ndarray  # int64 (WORK_ROWS, room for the nodes or the links, whichever are more, + 1)
    weight: np.ndarray  # float64: weight of each enabled link
    needed: np.ndarray  # bool: per node, whether it lies on a path to an output


WORK_ROWS = 10
"""Rows of `PackWork.ints`: one allocation (ten arrays added 2% to packing an XOR population)."""
ROW_SRC, ROW_DST, ROW_BY_DST, ROW_BY_SRC, ROW_CURSOR = 0, 1, 2, 3, 4
ROW_DST_PTR, ROW_SRC_PTR, ROW_STACK, ROW_ORDER, ROW_INDEGREE = 5, 6, 7, 8, 9
"""The rows: each enabled link's source and target; the links ordered by target and by source;
the counting sort's next slot per key; per node, its run of incoming links in ROW_BY_DST and of
outgoing links in ROW_BY_SRC; the walk back from the outputs (then Kahn's queue); the nodes in
evaluation order; per node, its in-degree."""


def pack_population(pool: GenomePool, recurrent: bool) -> PackedNetworks:
    """Pack every genome of `pool` into one set of CSR arrays."""
    n_nodes = len(pool.node_id)
    n_conns = len(pool.conn_innov)
    out = PackOutput.zeros(len(pool), n_nodes, n_conns)
    records = tuple(pool.arrays), tuple(out)  # plain tuples: see _pack_range
    nodes, conns = largest_genome(pool.node_start, pool.conn_start)
    _split_work(lambda first, last: _pack_range(first, last, pool.n_inputs, pool.n_outputs,
                                                recurrent, *records, nodes, conns),
                len(pool), n_nodes + n_conns, PACK_PARALLEL_MIN)
    return PackedNetworks(
        pool.n_inputs, pool.n_outputs, recurrent, pool.genome_ids.copy(), pool.node_start.copy(),
        pool.node_bias.copy(), pool.node_act.copy(), *out,
    )


def pack_genome(genome: Genome, recurrent: bool) -> PackedNetworks:
    return pack_population(GenomePool.from_genomes([genome]), recurrent)


PACK_PARALLEL_MIN = 100_000
"""Nodes + connections below which packing runs serially (about 6 ms of work)."""
ACTIVATE_PARALLEL_MIN = 2_000_000
"""Nodes + connections read below which a batched activation runs serially (about 8 ms).

Threads pay only for loops that last several scheduler time slices: when another process takes a
core, the thread running the last chunk may wait a slice (a few ms) for it, which doubles a loop
of a few ms (docs/performance.md)."""


def _split_work(work: Callable[[int, int], None], n_items: int, size: int, minimum: int) -> None:
    """work(first, last) over 0..n_items: in chunks over threads (neat.parallel) when `size`
    (nodes + connections involved) is at least `minimum`, else in one call."""
    if size >= minimum:
        for_each_chunk(work, n_items)
    elif n_items > 0:
        work(0, n_items)


@njit(cache=True, nogil=True)
def _pack_range(first, last, n_inputs, n_outputs, recurrent, pool, out, nodes, conns):
    """Pack genomes first..last-1 of `pool` (a PoolArrays) into `out` (a PackOutput), each genome
    of at most `nodes` nodes and `conns` connections. Both may come as plain tuples of their
    fields, named here (a named tuple costs more to pass in from Python: docs/architecture.md)."""
    _pack_genomes(first, last, n_inputs, n_outputs, recurrent, PoolArrays(*pool), PackOutput(*out),
                  _workspace(nodes, conns))


@njit(cache=True, nogil=True)
def _pack_genomes(first, last, n_inputs, n_outputs, recurrent, pool, out, work):
    """Pack genomes first..last-1 on borrowed views of the arguments (see neat.borrow)."""
    pool, out, work = borrow(pool), borrow(out), borrow(work)
    for g in range(first, last):
        _pack_one(g, n_inputs, n_outputs, recurrent, pool, out, work)


@njit(cache=True)
def _workspace(n, m):
    """A `PackWork` for packing genomes of at most n nodes and m connections."""
    return PackWork(np.empty((WORK_ROWS, max(n, m) + 1), dtype=np.int64),
                    np.empty(m, dtype=np.float64), np.empty(n, dtype=np.bool_))


@njit(cache=True, inline="always")
def _stable_order(keys, m, n, ptr, cursor, order):
    """Counting sort: order[:m] lists k = 0..m-1 by keys[k] (0..n-1), ties in input order, and
    ptr[v]:ptr[v+1] is the run of key v."""
    for i in range(n + 1):
        ptr[_u(i)] = 0
    for k in range(m):
        ptr[_u(keys[_u(k)] + 1)] += 1
    for i in range(n):
        ptr[_u(i + 1)] += ptr[_u(i)]
        cursor[_u(i)] = ptr[_u(i)]
    for k in range(m):
        key = _u(keys[_u(k)])
        order[_u(cursor[key])] = k
        cursor[key] += 1


@njit(cache=True, inline="always")
def _pack_one(g, n_inputs, n_outputs, recurrent, pool, out, work):
    node_start, node_id, conn_start = pool.node_start, pool.node_id, pool.conn_start
    conn_src, conn_dst = pool.conn_src, pool.conn_dst
    conn_weight, conn_enabled = pool.conn_weight, pool.conn_enabled
    eval_start, eval_end, eval_node = out.eval_start, out.eval_end, out.eval_node
    in_start, in_end, in_src, in_weight = out.in_start, out.in_end, out.in_src, out.in_weight
    ints, w, needed = work.ints, work.weight, work.needed
    src, dst, by_dst, by_src = ints[ROW_SRC], ints[ROW_DST], ints[ROW_BY_DST], ints[ROW_BY_SRC]
    cursor, dst_ptr, src_ptr = ints[ROW_CURSOR], ints[ROW_DST_PTR], ints[ROW_SRC_PTR]
    stack, order, indegree = ints[ROW_STACK], ints[ROW_ORDER], ints[ROW_INDEGREE]
    n0, n1 = node_start[g], node_start[g + 1]
    c0, c1 = conn_start[g], conn_start[g + 1]
    n = n1 - n0
    m = 0  # enabled connections, as local node indices
    for c in range(c0, c1):
        if conn_enabled[_u(c)]:
            src[_u(m)] = lower_bound(node_id, n0, n1, conn_src[_u(c)]) - n0
            dst[_u(m)] = lower_bound(node_id, n0, n1, conn_dst[_u(c)]) - n0
            w[_u(m)] = conn_weight[_u(c)]
            m += 1
    _stable_order(dst, m, n, dst_ptr, cursor, by_dst)
    # nodes needed for the outputs: walk backwards from the outputs
    needed[:n] = False
    top = 0
    for o in range(n_inputs, n_inputs + n_outputs):
        needed[o] = True
        stack[top] = o
        top += 1
    while top > 0:
        top -= 1
        v = stack[top]
        for k in range(dst_ptr[v], dst_ptr[v + 1]):
            s = src[by_dst[k]]
            if not needed[s]:
                needed[s] = True
                stack[top] = s
                top += 1
    n_order = 0
    if recurrent:
        for v in range(n_inputs, n):
            if needed[v]:
                order[n_order] = v
                n_order += 1
    else:  # Kahn's algorithm over needed non-input nodes
        indegree[:n] = 0
        for k in range(m):
            if needed[dst[k]] and needed[src[k]] and src[k] >= n_inputs:
                indegree[dst[k]] += 1
        _stable_order(src, m, n, src_ptr, cursor, by_src)
        queue = stack
        head = 0
        tail = 0
        for v in range(n_inputs, n):
            if needed[v] and indegree[v] == 0:
                queue[tail] = v
                tail += 1
        while head < tail:
            v = queue[head]
            head += 1
            order[n_order] = v
            n_order += 1
            for k in range(src_ptr[v], src_ptr[v + 1]):
                d = dst[by_src[k]]
                if needed[d]:
                    indegree[d] -= 1
                    if indegree[d] == 0:
                        queue[tail] = d
                        tail += 1
    eval_start[g] = n0
    eval_end[g] = n0 + n_order
    p = c0
    for e in range(n_order):
        v = order[_u(e)]
        eval_node[_u(n0 + e)] = n0 + v
        in_start[_u(n0 + e)] = p
        for k in range(dst_ptr[_u(v)], dst_ptr[_u(v + 1)]):
            j = _u(by_dst[_u(k)])
            in_src[_u(p)] = n0 + src[j]
            in_weight[_u(p)] = w[j]
            p += 1
        in_end[_u(n0 + e)] = p


@njit(cache=True)
def network_count(net):
    """How many networks `net` holds."""
    return (net.indices[HEADER_ENTRIES] - net.indices[HEADER_GENOMES]) // GENOME_RECORD


@njit(cache=True, inline="always")
def _first_node(index, g):
    """Position of genome `g`'s first node (its first input) in a node-value buffer."""
    return index[index[HEADER_GENOMES] + GENOME_RECORD * g + GENOME_FIRST_NODE]


@njit(cache=True)
def input_view(net, g, values):
    """The input slots of genome `g` in `values`, shape (n_inputs,): write observations here."""
    n0 = _first_node(net.indices, g)
    return values[n0:n0 + net.indices[HEADER_INPUTS]]


@njit(cache=True)
def output_view(net, g, values, n_outputs):
    """The output slots of genome `g` in `values`, shape (n_outputs,): `activate` fills them."""
    o0 = _first_node(net.indices, g) + net.indices[HEADER_INPUTS]
    return values[o0:o0 + n_outputs]


@njit(cache=True, inline="always")
def activate(net, g, recurrent, values, scratch):
    """One activation of genome `g`: reads its `input_view`, fills its `output_view`.

    `values` and `scratch` are population-wide buffers of shape (N,); `values` keeps the state of
    recurrent networks between calls. Callers in a loop pass borrowed arrays (neat.borrow).
    Two choices make it fast: numba inlines it into each caller (a call passing six arrays costs
    more than a small network's arithmetic), and every index is cast to unsigned (`_u`), so numba
    skips its negative-index wraparound, which would double the instructions per connection.
    """
    index, node_bias, in_weight = net.indices, net.node_bias, net.in_weight
    record = index[HEADER_GENOMES] + GENOME_RECORD * g
    entries, sources = index[HEADER_ENTRIES], index[HEADER_SOURCES]
    first, last = index[_u(record + GENOME_FIRST_ENTRY)], index[_u(record + GENOME_END_ENTRY)]
    for e in range(first, last):
        entry = entries + ENTRY_RECORD * e
        v = _u(index[_u(entry + ENTRY_NODE)])
        s = node_bias[v]
        for k in range(index[_u(entry + ENTRY_FIRST_LINK)], index[_u(entry + ENTRY_END_LINK)]):
            s += in_weight[_u(k)] * values[_u(index[_u(sources + k)])]
        if recurrent:
            scratch[v] = apply_activation(index[_u(entry + ENTRY_ACTIVATION)], s)
        else:
            values[v] = apply_activation(index[_u(entry + ENTRY_ACTIVATION)], s)
    if recurrent:
        for e in range(first, last):
            v = _u(index[_u(entries + ENTRY_RECORD * e + ENTRY_NODE)])
            values[v] = scratch[v]


@njit(cache=True)
def reset_values(net, g, values):
    """Zero the node values (the recurrent state and the inputs) of genome `g`. `net` may be a
    plain tuple of the NetworkArrays, as Python passes it per episode (docs/architecture.md)."""
    index = NetworkArrays(*net).indices
    record = index[HEADER_GENOMES] + GENOME_RECORD * g
    for i in range(index[record + GENOME_FIRST_NODE], index[record + GENOME_END_NODE]):
        values[i] = 0.0


@njit(cache=True, inline="always")
def activate_with(net, g, recurrent, inputs, values, scratch, outputs):
    """`activate` with `inputs` (n_inputs,) copied in and `outputs` (n_outputs,) copied out."""
    n0 = _first_node(net.indices, g)  # element loops: cheaper here than views or slice assignment
    for i in range(len(inputs)):
        values[_u(n0 + i)] = inputs[i]
    activate(net, g, recurrent, values, scratch)
    o0 = n0 + len(inputs)
    for j in range(len(outputs)):
        outputs[j] = values[_u(o0 + j)]


@njit(cache=True)
def activate_rows(net, recurrent, inputs, values, scratch, outputs):
    """Network 0 of `net` on each row of `inputs` (B, n_inputs) into `outputs` (B, n_outputs),
    row b with its own node values `values[b]` (B, N): B independent copies of one network, each
    keeping its recurrent state between calls. `scratch` has shape (N,). `net` may be a plain
    tuple of the NetworkArrays, as Python passes it per call (docs/architecture.md)."""
    net = NetworkArrays(*net)
    for b in range(inputs.shape[0]):
        activate_with(net, 0, recurrent, inputs[b], values[b], scratch, outputs[b])


@njit(cache=True, nogil=True)
def _activate_range(first, last, net, recurrent, genomes, inputs, values, scratch, outputs):
    """Activate networks genomes[first..last-1]; row j of inputs/outputs belongs to genomes[j].
    `net`: the NetworkArrays as a plain tuple (docs/architecture.md)."""
    net = borrow(NetworkArrays(*net))
    values, scratch = borrow(values), borrow(scratch)
    genomes, inputs, outputs = borrow(genomes), borrow(inputs), borrow(outputs)
    for j in range(first, last):
        activate_with(net, genomes[j], recurrent, inputs[j], values, scratch, outputs[j])


def activate_population(packed: PackedNetworks, inputs: np.ndarray,
                        values: np.ndarray | None = None,
                        genomes: np.ndarray | None = None) -> np.ndarray:
    """Activate every network once, or those listed in `genomes` (K,) (positions in `packed`).
    inputs: (K, n_inputs) -> outputs (K, n_outputs), row j for network genomes[j].

    Pass the same `values` buffer between calls to keep recurrent state.
    """
    if values is None:
        values = packed.new_values()
    if genomes is None:
        genomes = np.arange(len(packed), dtype=np.int64)
    outputs = np.empty((len(genomes), packed.n_outputs), dtype=np.float64)
    args = (tuple(packed.arrays), packed.recurrent, np.ascontiguousarray(genomes, dtype=np.int64),
            np.ascontiguousarray(inputs, dtype=np.float64), values, np.empty_like(values),
            outputs)
    size = len(genomes) * (len(packed.node_bias) + len(packed.in_src)) // max(1, len(packed))
    _split_work(lambda first, last: _activate_range(first, last, *args), len(genomes), size,
                ACTIVATE_PARALLEL_MIN)
    return outputs


class ReferenceNetwork:
    """Pure-Python twin of the compiled phenotype, built straight from a Genome (for tests)."""

    def __init__(self, genome: Genome, recurrent: bool):
        self.genome = genome
        self.recurrent = recurrent
        self.inputs = list(range(genome.n_inputs))
        self.outputs = list(range(genome.n_inputs, genome.n_inputs + genome.n_outputs))
        self.bias = dict(zip(genome.node_id.tolist(), genome.node_bias.tolist(), strict=True))
        self.act = dict(zip(genome.node_id.tolist(), genome.node_act.tolist(), strict=True))
        self.incoming: dict[int, list[tuple[int, float]]] = {n: [] for n in self.bias}
        for s, d, w, on in zip(genome.conn_src.tolist(), genome.conn_dst.tolist(),
                               genome.conn_weight.tolist(), genome.conn_enabled.tolist(),
                               strict=True):
            if on:
                self.incoming[d].append((s, w))
        self.values = dict.fromkeys(self.bias, 0.0)

    def _node_value(self, node: int, source: dict[int, float]) -> float:
        total = self.bias[node] + sum(w * source[s] for s, w in self.incoming[node])
        return apply_activation_py(self.act[node], total)

    def activate(self, inputs: list[float]) -> list[float]:
        for i, x in zip(self.inputs, inputs, strict=True):
            self.values[i] = float(x)
        if self.recurrent:
            old = dict(self.values)
            for node in self.bias:
                if node not in self.inputs:
                    self.values[node] = self._node_value(node, old)
        else:
            done = set(self.inputs)
            values = dict(self.values)

            def visit(node: int) -> float:
                if node not in done:
                    for s, _ in self.incoming[node]:
                        visit(s)
                    values[node] = self._node_value(node, values)
                    done.add(node)
                return values[node]

            for o in self.outputs:
                visit(o)
            self.values = values
        return [self.values[o] for o in self.outputs]
