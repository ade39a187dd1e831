"""Genomes to and from plain JSON-able dicts (champion files, checkpoints, the viewer's API)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from neat.activations import ACTIVATION_IDS, ACTIVATIONS
from neat.errors import CheckpointError
from neat.formats import GENOME_FORMAT, GENOME_VERSION
from neat.genome import NODE_KINDS, Genome, check_genome


def genome_to_dict(genome: Genome, **extra: Any) -> dict[str, Any]:
    """A self-describing dict of `genome`; `extra` keys (fitness, generation, labels...) are added."""
    return {
        "format": GENOME_FORMAT,
        "version": GENOME_VERSION,
        "key": genome.key,
        **extra,
        "n_inputs": genome.n_inputs,
        "n_outputs": genome.n_outputs,
        "nodes": [
            {"id": i, "kind": NODE_KINDS[k], "activation": ACTIVATIONS[a], "bias": b}
            for i, k, a, b in zip(genome.node_id.tolist(), genome.node_kind.tolist(),
                                  genome.node_act.tolist(), genome.node_bias.tolist(), strict=True)
        ],
        "connections": [
            {"innovation": n, "source": s, "target": d, "weight": w, "enabled": e}
            for n, s, d, w, e in zip(genome.conn_innov.tolist(), genome.conn_src.tolist(),
                                     genome.conn_dst.tolist(), genome.conn_weight.tolist(),
                                     genome.conn_enabled.tolist(), strict=True)
        ],
    }


def genome_from_dict(data: Any, feed_forward: bool = False) -> Genome:
    """Rebuild a Genome from `genome_to_dict` output, validating every field.

    Raises CheckpointError naming the first problem found.
    """
    try:
        if not isinstance(data, dict) or data.get("format") != GENOME_FORMAT:
            raise CheckpointError(f"not a genome record (expected format '{GENOME_FORMAT}')")
        if data.get("version") != GENOME_VERSION:
            raise CheckpointError(
                f"genome record version {data.get('version')!r} is not supported "
                f"(this program reads version {GENOME_VERSION})"
            )
        nodes, conns = data["nodes"], data["connections"]
        kinds = {name: i for i, name in enumerate(NODE_KINDS)}
        genome = Genome(
            key=_int(data["key"]),
            n_inputs=_int(data["n_inputs"]),
            n_outputs=_int(data["n_outputs"]),
            node_id=np.array([_int(n["id"]) for n in nodes], dtype=np.int64),
            node_kind=np.array([kinds[n["kind"]] for n in nodes], dtype=np.int8),
            node_bias=np.array([_float(n["bias"]) for n in nodes], dtype=np.float64),
            node_act=np.array([ACTIVATION_IDS[n["activation"]] for n in nodes], dtype=np.int8),
            conn_innov=np.array([_int(c["innovation"]) for c in conns], dtype=np.int64),
            conn_src=np.array([_int(c["source"]) for c in conns], dtype=np.int64),
            conn_dst=np.array([_int(c["target"]) for c in conns], dtype=np.int64),
            conn_weight=np.array([_float(c["weight"]) for c in conns], dtype=np.float64),
            conn_enabled=np.array([_bool(c["enabled"]) for c in conns], dtype=np.bool_),
        )
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise CheckpointError(f"malformed genome record: {type(exc).__name__}: {exc}") from None
    problems = check_genome(genome, feed_forward)
    if problems:
        raise CheckpointError(f"invalid genome {genome.key}: {problems[0]}")
    return genome


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    if not -(2**62) <= value <= 2**62:
        raise ValueError(f"integer out of range: {value}")
    return value


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"expected a finite number, got {value!r}")
    return float(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value
