"""Random valid genomes for tests and benchmarks (not used by evolution itself)."""

from __future__ import annotations

import numpy as np

from neat.activations import ACTIVATION_IDS
from neat.genome import HIDDEN, INPUT, OUTPUT, Genome, GenomePool


def random_genome(
    rng: np.random.Generator,
    key: int,
    shape: tuple[int, int, int],
    n_connections: int,
    recurrent: bool = False,
    activation: str = "sigmoid",
) -> Genome:
    """A genome with `shape` = (inputs, outputs, hidden) nodes and up to `n_connections` links.

    Feed-forward genomes only link nodes forward in a random topological order (inputs first,
    outputs last); recurrent ones may link any node to any non-input node, loops included.
    Weights and biases are standard normal.
    """
    n_in, n_out, n_hidden = shape
    n = n_in + n_out + n_hidden
    kind = np.full(n, HIDDEN, dtype=np.int8)
    kind[:n_in] = INPUT
    kind[n_in : n_in + n_out] = OUTPUT
    if recurrent:
        src, dst = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n_in, n), indexing="ij"))
    else:
        hidden = n_in + n_out + rng.permutation(n_hidden)
        order = np.concatenate([np.arange(n_in), hidden, np.arange(n_in, n_in + n_out)])
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        grid_src, grid_dst = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        allowed = ((rank[grid_src] < rank[grid_dst]) & (kind[grid_dst] != INPUT)
                   & (kind[grid_src] != OUTPUT))
        src, dst = grid_src[allowed], grid_dst[allowed]
    pick = np.sort(rng.choice(len(src), size=min(n_connections, len(src)), replace=False))
    m = len(pick)
    return Genome(
        key, n_in, n_out,
        node_id=np.arange(n, dtype=np.int64),
        node_kind=kind,
        node_bias=rng.standard_normal(n) * (kind != INPUT),
        node_act=np.full(n, ACTIVATION_IDS[activation], dtype=np.int8),
        conn_innov=np.arange(m, dtype=np.int64),
        conn_src=src[pick].astype(np.int64),
        conn_dst=dst[pick].astype(np.int64),
        conn_weight=rng.standard_normal(m),
        conn_enabled=np.ones(m, dtype=np.bool_),
    )


def random_pool(
    rng: np.random.Generator,
    size: int,
    shape: tuple[int, int, int],
    n_connections: int,
    recurrent: bool = False,
    activation: str = "sigmoid",
) -> GenomePool:
    """`size` random genomes (keys 0..size-1) as one pool; see `random_genome`."""
    return GenomePool.from_genomes([
        random_genome(rng, key, shape, n_connections, recurrent, activation) for key in range(size)
    ])
