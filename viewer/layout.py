"""Drawable layout of a genome: node positions, layers and labels, links with recurrent ones marked.

Coordinates are in a virtual canvas of WIDTH x HEIGHT units, y down. Columns from left to right:
the inputs (a tile grid when the task has one, else a labelled column), hidden layers by longest
path from the inputs (recurrent links ignored), and the outputs. Hidden nodes within a layer are
ordered by the barycentre of their neighbours to reduce crossings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx

from neat.activations import ACTIVATIONS
from neat.genome import HIDDEN, INPUT, NODE_KINDS, OUTPUT, Genome

WIDTH = 1000.0
HEIGHT = 600.0
MARGIN = 24.0
LABEL_SPACE = 96.0  # room left of the input column and right of the output column for labels
GRID_WIDTH_SHARE = 0.32  # the input grid takes at most this share of the width
MAX_ROW_SPACING = 56.0
MAX_CELL = 56.0  # largest drawn input-grid tile
ORDERING_SWEEPS = 4


def find_recurrent_links(genome: Genome) -> set[tuple[int, int]]:
    """(source, target) pairs that close a cycle: back edges of a depth-first search from the
    inputs (then every other node in id order), self-loops included."""
    graph: nx.DiGraph[int] = nx.DiGraph()
    graph.add_nodes_from(genome.node_id.tolist())
    graph.add_edges_from(zip(genome.conn_src.tolist(), genome.conn_dst.tolist(), strict=True))
    on_stack: set[int] = set()
    recurrent: set[tuple[int, int]] = set()
    for u, v, kind in nx.dfs_labeled_edges(graph):
        if kind == "forward":
            on_stack.add(v)
        elif kind == "reverse":
            on_stack.discard(v)
        elif kind == "nontree" and v in on_stack:
            recurrent.add((u, v))
    return recurrent


def assign_layers(genome: Genome, recurrent: set[tuple[int, int]]) -> dict[int, int]:
    """Layer of every node: inputs 0, hidden 1 + longest path from the inputs, outputs last."""
    graph: nx.DiGraph[int] = nx.DiGraph()
    graph.add_nodes_from(genome.node_id.tolist())
    graph.add_edges_from(
        (s, d)
        for s, d in zip(genome.conn_src.tolist(), genome.conn_dst.tolist(), strict=True)
        if (s, d) not in recurrent
    )
    kinds = dict(zip(genome.node_id.tolist(), genome.node_kind.tolist(), strict=True))
    layer: dict[int, int] = {}
    for node in nx.topological_sort(graph):
        if kinds[node] == INPUT:
            layer[node] = 0
        else:
            layer[node] = 1 + max((layer[p] for p in graph.predecessors(node)), default=0)
    hidden_layers = [layer[n] for n, k in kinds.items() if k == HIDDEN]
    last = max(hidden_layers, default=0) + 1
    for node, kind in kinds.items():
        if kind == OUTPUT:
            layer[node] = last
    return layer


def compute_layout(
    genome: Genome,
    input_labels: Sequence[str] = (),
    output_labels: Sequence[str] = (),
    input_grid: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """Positions and labels of every node (in genome.node_id order, so they line up with replay
    activations) and every link (in innovation order, `recurrent` marked)."""
    ids = genome.node_id.tolist()
    kinds = genome.node_kind.tolist()
    recurrent = find_recurrent_links(genome)
    layer = assign_layers(genome, recurrent)
    n_in, n_out = genome.n_inputs, genome.n_outputs
    if input_grid is not None and input_grid[0] * input_grid[1] > n_in:
        input_grid = None
    pos: dict[int, tuple[float, float]] = {}
    grid_cell: dict[int, tuple[int, int]] = {}
    cell = 0.0
    if input_grid is not None:
        rows, cols = input_grid
        cell = min((HEIGHT - 2 * MARGIN) / rows, WIDTH * GRID_WIDTH_SHARE / cols, MAX_CELL)
        top = (HEIGHT - rows * cell) / 2
        for i in range(rows * cols):
            r, c = divmod(i, cols)
            grid_cell[i] = (r, c)
            pos[i] = (MARGIN + (c + 0.5) * cell, top + (r + 0.5) * cell)
        extra = list(range(rows * cols, n_in))
        step = cols * cell / max(len(extra), 1)
        for k, node in enumerate(extra):  # inputs beyond the grid: a row under it
            pos[node] = (MARGIN + (k + 0.5) * step, top + rows * cell + 28.0)
        left = MARGIN + cols * cell + 40.0
    else:
        for node, y in zip(range(n_in), _spread(n_in), strict=True):
            pos[node] = (LABEL_SPACE, y)
        left = LABEL_SPACE
    right = WIDTH - LABEL_SPACE
    outputs = list(range(n_in, n_in + n_out))
    for node, y in zip(outputs, _spread(n_out), strict=True):
        pos[node] = (right, y)
    _place_hidden(genome, layer, pos, left, right)

    in_labels = (
        list(input_labels) if len(input_labels) == n_in else [f"in {i}" for i in range(n_in)]
    )
    out_labels = (
        list(output_labels) if len(output_labels) == n_out else [f"out {j}" for j in range(n_out)]
    )
    nodes = []
    for index, (node, kind) in enumerate(zip(ids, kinds, strict=True)):
        if kind == INPUT:
            label = in_labels[node]
        elif kind == OUTPUT:
            label = out_labels[node - n_in]
        else:
            label = str(node)
        x, y = pos[node]
        cell_rc = grid_cell.get(node)
        nodes.append({
            "id": node,
            "kind": NODE_KINDS[kind],
            "label": label,
            "layer": layer[node],
            "x": round(x, 2),
            "y": round(y, 2),
            "grid": list(cell_rc) if cell_rc is not None else None,
            "activation": ACTIVATIONS[int(genome.node_act[index])],
            "bias": float(genome.node_bias[index]),
        })
    links = [
        {"innovation": n, "source": s, "target": d, "weight": w, "enabled": e,
         "recurrent": (s, d) in recurrent}
        for n, s, d, w, e in zip(genome.conn_innov.tolist(), genome.conn_src.tolist(),
                                 genome.conn_dst.tolist(), genome.conn_weight.tolist(),
                                 genome.conn_enabled.tolist(), strict=True)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "layers": max(layer.values(), default=0) + 1,
        "input_grid": list(input_grid) if input_grid is not None else None,
        "cell": round(cell, 2) if input_grid is not None else None,
        "nodes": nodes,
        "links": links,
    }


def _spread(n: int) -> list[float]:
    """y of `n` evenly spaced rows, centred, at most MAX_ROW_SPACING apart."""
    if n == 0:
        return []
    step = min((HEIGHT - 2 * MARGIN) / n, MAX_ROW_SPACING)
    top = (HEIGHT - n * step) / 2
    return [top + (i + 0.5) * step for i in range(n)]


def _place_hidden(
    genome: Genome, layer: dict[int, int], pos: dict[int, tuple[float, float]],
    left: float, right: float,
) -> None:
    """Put hidden nodes in columns between `left` and `right`, ordered by neighbour barycentres."""
    hidden = [n for n, k in zip(genome.node_id.tolist(), genome.node_kind.tolist(), strict=True)
              if k == HIDDEN]
    if not hidden:
        return
    n_layers = max(layer[n] for n in hidden)
    columns: list[list[int]] = [[] for _ in range(n_layers + 1)]
    for node in hidden:
        columns[layer[node]].append(node)
    neighbours: dict[int, list[int]] = {n: [] for n in hidden}
    for s, d in zip(genome.conn_src.tolist(), genome.conn_dst.tolist(), strict=True):
        if s in neighbours:
            neighbours[s].append(d)
        if d in neighbours:
            neighbours[d].append(s)
    y = {n: p[1] for n, p in pos.items()}
    for column in columns:
        for node, row_y in zip(column, _spread(len(column)), strict=True):
            y[node] = row_y
    for sweep in range(ORDERING_SWEEPS):
        order = columns[1:] if sweep % 2 == 0 else columns[:0:-1]
        for column in order:
            column.sort(key=lambda n: _barycentre(neighbours[n], y, y[n]))
            for node, row_y in zip(column, _spread(len(column)), strict=True):
                y[node] = row_y
    for k, column in enumerate(columns[1:], start=1):
        x = left + k * (right - left) / (n_layers + 1)
        for node in column:
            pos[node] = (x, y[node])


def _barycentre(neighbours: list[int], y: dict[int, float], default: float) -> float:
    return sum(y[n] for n in neighbours) / len(neighbours) if neighbours else default
