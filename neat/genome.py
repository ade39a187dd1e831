"""Genomes as records of numpy arrays, one genome (`Genome`) or a whole population (`GenomePool`).

Node ids: inputs are 0..n_inputs-1, outputs n_inputs..n_inputs+n_outputs-1, hidden nodes get larger ids.
Node genes are kept sorted by id (so inputs, then outputs, then hidden); connection genes sorted by
innovation number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

INPUT, OUTPUT, HIDDEN = 0, 1, 2
NODE_KINDS = ("input", "output", "hidden")


@dataclass
class Genome:
    """One genome. Node arrays have shape (n_nodes,), connection arrays shape (n_connections,)."""

    key: int
    n_inputs: int
    n_outputs: int
    node_id: np.ndarray  # int64, sorted
    node_kind: np.ndarray  # int8: INPUT, OUTPUT, HIDDEN
    node_bias: np.ndarray  # float64
    node_act: np.ndarray  # int8, index into activations.ACTIVATIONS
    conn_innov: np.ndarray  # int64, sorted, unique
    conn_src: np.ndarray  # int64 node id
    conn_dst: np.ndarray  # int64 node id
    conn_weight: np.ndarray  # float64
    conn_enabled: np.ndarray  # bool

    @property
    def n_hidden(self) -> int:
        return int(np.count_nonzero(self.node_kind == HIDDEN))

    @property
    def n_enabled(self) -> int:
        return int(np.count_nonzero(self.conn_enabled))

    def copy(self, key: int | None = None) -> Genome:
        return Genome(
            self.key if key is None else key,
            self.n_inputs,
            self.n_outputs,
            *(a.copy() for a in self._arrays()),
        )

    def _arrays(self) -> tuple[np.ndarray, ...]:
        return (
            self.node_id, self.node_kind, self.node_bias, self.node_act,
            self.conn_innov, self.conn_src, self.conn_dst, self.conn_weight, self.conn_enabled,
        )

    def equals(self, other: Genome) -> bool:
        """True when both genomes have identical genes (keys may differ)."""
        return (self.n_inputs, self.n_outputs) == (other.n_inputs, other.n_outputs) and all(
            a.shape == b.shape and np.array_equal(a, b)
            for a, b in zip(self._arrays(), other._arrays(), strict=True)
        )


NODE_FIELDS = ("node_id", "node_kind", "node_bias", "node_act")
CONN_FIELDS = ("conn_innov", "conn_src", "conn_dst", "conn_weight", "conn_enabled")
FIELD_DTYPES: dict[str, type[np.generic]] = {
    "node_id": np.int64, "node_kind": np.int8, "node_bias": np.float64, "node_act": np.int8,
    "conn_innov": np.int64, "conn_src": np.int64, "conn_dst": np.int64,
    "conn_weight": np.float64, "conn_enabled": np.bool_,
}


class PoolArrays(NamedTuple):
    """A `GenomePool`'s arrays as compiled kernels take them (`GenomePool.arrays`): one argument,
    fields read by name (numba compiles `pool.conn_src` as it compiled a tuple index)."""

    node_start: np.ndarray
    node_id: np.ndarray
    node_kind: np.ndarray
    node_bias: np.ndarray
    node_act: np.ndarray
    conn_start: np.ndarray
    conn_innov: np.ndarray
    conn_src: np.ndarray
    conn_dst: np.ndarray
    conn_weight: np.ndarray
    conn_enabled: np.ndarray


class ChildArrays(NamedTuple):
    """The gene arrays compiled breeding writes children into, one child after another, each a
    region of nodes and one of connections (neat/mutation.py); no offsets, the kernel returns them."""

    node_id: np.ndarray
    node_kind: np.ndarray
    node_bias: np.ndarray
    node_act: np.ndarray
    conn_innov: np.ndarray
    conn_src: np.ndarray
    conn_dst: np.ndarray
    conn_weight: np.ndarray
    conn_enabled: np.ndarray

    @staticmethod
    def empty(node_room: int, conn_room: int) -> ChildArrays:
        """Uninitialised arrays with room for `node_room` node genes and `conn_room` links (dtypes
        as in FIELD_DTYPES; spelled out: a comprehension costs as much as the allocations)."""
        n, c = node_room, conn_room
        return ChildArrays(np.empty(n, np.int64), np.empty(n, np.int8), np.empty(n, np.float64),
                           np.empty(n, np.int8), np.empty(c, np.int64), np.empty(c, np.int64),
                           np.empty(c, np.int64), np.empty(c, np.float64), np.empty(c, np.bool_))


@dataclass
class GenomePool:
    """A population held as one set of flat arrays with offsets.

    Genome g owns nodes node_start[g]:node_start[g+1] and connections conn_start[g]:conn_start[g+1].
    """

    n_inputs: int
    n_outputs: int
    genome_ids: np.ndarray  # int64 (G,)
    node_start: np.ndarray  # int64 (G+1,)
    conn_start: np.ndarray  # int64 (G+1,)
    node_id: np.ndarray
    node_kind: np.ndarray
    node_bias: np.ndarray
    node_act: np.ndarray
    conn_innov: np.ndarray
    conn_src: np.ndarray
    conn_dst: np.ndarray
    conn_weight: np.ndarray
    conn_enabled: np.ndarray

    def __len__(self) -> int:
        return len(self.genome_ids)

    @property
    def arrays(self) -> PoolArrays:
        """The offsets and gene arrays (not copies) as the record compiled kernels take."""
        return PoolArrays(self.node_start, self.node_id, self.node_kind, self.node_bias,
                          self.node_act, self.conn_start, self.conn_innov, self.conn_src,
                          self.conn_dst, self.conn_weight, self.conn_enabled)

    def genome(self, g: int, copy: bool = True) -> Genome:
        """Genome number `g` (position in the pool, not its key): a copy, or views into the pool's
        arrays with `copy=False` (only safe while nobody writes to the pool)."""
        n0, n1 = self.node_start[g], self.node_start[g + 1]
        c0, c1 = self.conn_start[g], self.conn_start[g + 1]
        n, c = slice(n0, n1), slice(c0, c1)
        views = (self.node_id[n], self.node_kind[n], self.node_bias[n], self.node_act[n],
                 self.conn_innov[c], self.conn_src[c], self.conn_dst[c], self.conn_weight[c],
                 self.conn_enabled[c])
        arrays = tuple(a.copy() for a in views) if copy else views
        return Genome(int(self.genome_ids[g]), self.n_inputs, self.n_outputs, *arrays)

    def genomes(self) -> list[Genome]:
        return [self.genome(g) for g in range(len(self))]

    def node_counts(self) -> np.ndarray:
        return np.diff(self.node_start)

    def conn_counts(self) -> np.ndarray:
        return np.diff(self.conn_start)

    @staticmethod
    def from_genomes(genomes: list[Genome]) -> GenomePool:
        if not genomes:
            raise ValueError("a GenomePool needs at least one genome")
        n_in, n_out = genomes[0].n_inputs, genomes[0].n_outputs
        node_counts = np.array([len(g.node_id) for g in genomes], dtype=np.int64)
        conn_counts = np.array([len(g.conn_innov) for g in genomes], dtype=np.int64)
        fields: dict[str, np.ndarray] = {
            f: np.concatenate([getattr(g, f) for g in genomes]).astype(FIELD_DTYPES[f])
            for f in NODE_FIELDS + CONN_FIELDS
        }
        return GenomePool(
            n_in,
            n_out,
            np.array([g.key for g in genomes], dtype=np.int64),
            _offsets(node_counts),
            _offsets(conn_counts),
            **fields,
        )

    def take(self, rows: np.ndarray) -> GenomePool:
        """A new pool holding the genomes at positions `rows`, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        node_idx, node_start = gather_ranges(self.node_start, rows)
        conn_idx, conn_start = gather_ranges(self.conn_start, rows)
        return GenomePool(
            self.n_inputs,
            self.n_outputs,
            self.genome_ids[rows].copy(),
            node_start,
            conn_start,
            **{f: getattr(self, f)[node_idx] for f in NODE_FIELDS},
            **{f: getattr(self, f)[conn_idx] for f in CONN_FIELDS},
        )

    @staticmethod
    def concat(pools: list[GenomePool]) -> GenomePool:
        first = pools[0]
        return GenomePool(
            first.n_inputs,
            first.n_outputs,
            np.concatenate([p.genome_ids for p in pools]),
            _offsets(np.concatenate([p.node_counts() for p in pools])),
            _offsets(np.concatenate([p.conn_counts() for p in pools])),
            **{f: np.concatenate([getattr(p, f) for p in pools]) for f in NODE_FIELDS + CONN_FIELDS},
        )


@njit(cache=True)
def largest_genome(node_start: np.ndarray, conn_start: np.ndarray) -> tuple[int, int]:
    """(most nodes, most connections) of any genome, from a pool's offset arrays."""
    most_nodes = most_conns = 0
    for g in range(len(node_start) - 1):
        most_nodes = max(most_nodes, node_start[g + 1] - node_start[g])
        most_conns = max(most_conns, conn_start[g + 1] - conn_start[g])
    return most_nodes, most_conns


def _offsets(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def gather_ranges(start: np.ndarray, rows: np.ndarray,
                   counts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices of the ranges start[r]:start[r]+n for r in rows, n taken from `counts` (one per
    row; default: the full ranges start[r]:start[r+1]), and the offsets of the gathered ranges."""
    if counts is None:
        counts = start[rows + 1] - start[rows]
    new_start = _offsets(counts)
    idx = np.arange(new_start[-1], dtype=np.int64) + np.repeat(start[rows] - new_start[:-1], counts)
    return idx, new_start


def check_genome(genome: Genome, feed_forward: bool) -> list[str]:
    """Invariant violations of `genome` as readable strings (empty when valid)."""
    problems: list[str] = []
    n_io = genome.n_inputs + genome.n_outputs
    ids = genome.node_id
    if len(ids) < n_io or not np.array_equal(ids[:n_io], np.arange(n_io)):
        problems.append("input and output nodes must be ids 0..n_inputs+n_outputs-1")
    if np.any(np.diff(ids) <= 0):
        problems.append("node ids must be sorted and unique")
    expected_kind = np.full(len(ids), HIDDEN, dtype=np.int8)
    expected_kind[: genome.n_inputs] = INPUT
    expected_kind[genome.n_inputs : n_io] = OUTPUT
    if not np.array_equal(genome.node_kind, expected_kind[: len(genome.node_kind)]):
        problems.append("node kinds do not match node ids")
    if np.any(np.diff(genome.conn_innov) <= 0):
        problems.append("innovation numbers must be sorted and unique")
    if not (np.isin(genome.conn_src, ids).all() and np.isin(genome.conn_dst, ids).all()):
        problems.append("a connection refers to a node that does not exist")
    if np.isin(genome.conn_dst, ids[: genome.n_inputs]).any():
        problems.append("a connection ends at an input node")
    pairs = set(zip(genome.conn_src.tolist(), genome.conn_dst.tolist(), strict=True))
    if len(pairs) != len(genome.conn_src):
        problems.append("two connections join the same pair of nodes")
    if not (np.isfinite(genome.conn_weight).all() and np.isfinite(genome.node_bias).all()):
        problems.append("a weight or bias is not finite")
    if feed_forward and _has_cycle(genome):
        problems.append("a feed-forward genome contains a cycle")
    return problems


def _has_cycle(genome: Genome) -> bool:
    successors: dict[int, list[int]] = {}
    for s, d in zip(genome.conn_src.tolist(), genome.conn_dst.tolist(), strict=True):
        successors.setdefault(s, []).append(d)
    state: dict[int, int] = {}
    for root in genome.node_id.tolist():
        if state.get(root):
            continue
        stack = [(root, iter(successors.get(root, ())))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                return True
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(successors.get(child, ()))))
    return False
