"""The first generation: minimal genomes with the configured initial topology."""

from __future__ import annotations

import numpy as np

from neat.activations import ACTIVATION_IDS
from neat.config import Config
from neat.genome import INPUT, OUTPUT, GenomePool
from neat.innovation import InnovationTracker


def initial_pool(config: Config, n_inputs: int, n_outputs: int,
                 rng: np.random.Generator, first_key: int = 0) -> tuple[GenomePool, InnovationTracker]:
    """`config.population.size` genomes with inputs, outputs and no hidden nodes.

    The link from input i to output j has innovation number i * n_outputs + j in every genome, so
    identical initial links match in crossover. Weights ~ N(0, weight_init_stdev), output biases
    ~ N(0, bias_init_stdev).
    """
    g = config.genome
    size = config.population.size
    n_nodes = n_inputs + n_outputs
    n_links = n_inputs * n_outputs
    if g.initial_connection == "full":
        present = np.ones((size, n_links), dtype=bool)
    elif g.initial_connection == "none":
        present = np.zeros((size, n_links), dtype=bool)
    else:
        present = rng.random((size, n_links)) < g.connection_fraction
    kind = np.array([INPUT] * n_inputs + [OUTPUT] * n_outputs, dtype=np.int8)
    act = np.full(n_nodes, ACTIVATION_IDS[g.activation], dtype=np.int8)
    act[:n_inputs] = ACTIVATION_IDS["identity"]
    bias = np.zeros((size, n_nodes))
    if g.bias_init_stdev > 0:
        bias[:, n_inputs:] = rng.normal(0.0, g.bias_init_stdev, size=(size, n_outputs))
    innov = np.arange(n_links, dtype=np.int64)
    src = innov // n_outputs
    dst = n_inputs + innov % n_outputs
    counts = present.sum(axis=1)
    n_conns = int(counts.sum())
    weights = (rng.normal(0.0, g.weight_init_stdev, size=n_conns) if g.weight_init_stdev > 0
               else np.zeros(n_conns))
    cols = np.nonzero(present)[1]
    pool = GenomePool(
        n_inputs, n_outputs,
        genome_ids=np.arange(first_key, first_key + size, dtype=np.int64),
        node_start=np.arange(size + 1, dtype=np.int64) * n_nodes,
        conn_start=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        node_id=np.tile(np.arange(n_nodes, dtype=np.int64), size),
        node_kind=np.tile(kind, size),
        node_bias=np.clip(bias.ravel(), -g.weight_max, g.weight_max),
        node_act=np.tile(act, size),
        conn_innov=innov[cols],
        conn_src=src[cols],
        conn_dst=dst[cols],
        conn_weight=np.clip(weights, -g.weight_max, g.weight_max),
        conn_enabled=np.ones(n_conns, dtype=bool),
    )
    return pool, InnovationTracker.start(n_links, n_nodes)
